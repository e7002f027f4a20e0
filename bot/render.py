"""Telegram's rendering of a notice: HTML text, buttons whose data is `bot.payloads`'s."""

from __future__ import annotations

from bot import payloads
from scheduler.render import LocalesRenderer

LABEL_LIMIT = 24  # characters of a name on a button: more is cut off on a phone's screen


class TelegramRenderer(LocalesRenderer):
    def __init__(self) -> None:
        super().__init__(encode=payloads.encode, label_limit=LABEL_LIMIT)
