"""The screens are written once against `bot.kit.Kit`: both messengers' kits meet it, and what
the screens assume of both frameworks holds."""

from __future__ import annotations

import aiogram_dialog.utils
import maxo.dialogs.utils

from bot.dialogs.common import DIALOG_SEP
from bot.kit import Kit
from bot.telegram_kit import TELEGRAM


def test_a_dialog_button_is_told_apart_the_same_way_on_both_messengers() -> None:
    assert DIALOG_SEP == aiogram_dialog.utils.CB_SEP == maxo.dialogs.utils.CB_SEP


def test_the_telegram_kit_has_everything_a_screen_uses() -> None:
    kit: Kit = TELEGRAM
    for name in Kit.__annotations__:
        assert hasattr(kit, name), name
    assert kit.Tr("x").msgid == "x"
