"""Every dialog of every role, built with one messenger's kit: the same screens on each."""

from __future__ import annotations

from typing import Any

from bot.dialogs.courses import courses_dialog, substitute_dialog, term_dialog
from bot.dialogs.diary import diary_dialog
from bot.dialogs.lesson import lesson_dialog
from bot.dialogs.menu import menu_dialog
from bot.dialogs.staff import class_dialog, control_dialog
from bot.kit import Kit


def screens(ui: Kit) -> list[Any]:
    """Fresh dialogs for each dispatcher (tests run several); the remarks dialog comes with
    each adapter's router for the buttons under remark notices, before these."""
    return [
        menu_dialog(ui),
        lesson_dialog(ui),
        substitute_dialog(ui),
        courses_dialog(ui),
        term_dialog(ui),
        diary_dialog(ui),
        class_dialog(ui),
        control_dialog(ui),
    ]
