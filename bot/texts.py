"""Texts the screens share. Message texts are HTML (Telegram's, and MAX's `html` format), so every
value put into them is escaped; button labels are plain text and are not."""

from __future__ import annotations

from bot.kit import esc, fit, label
from locales import N_

__all__ = ["BACK", "MENU", "esc", "fit", "label"]

BACK = N_("⬅️ Back")
MENU = N_("🏠 Menu")
