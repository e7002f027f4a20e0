"""Text said neutrally: messages as msgids with their values, and markup (a value to be
emphasised) that each messenger renders its own way (Telegram: bold)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Strong:
    """A message's value shown emphasised."""

    value: object


def strong(value: object) -> Strong:
    return Strong(value)


@dataclass(frozen=True, slots=True)
class Msg:
    """A msgid with its values; values may be Msgs themselves (translated first)."""

    msgid: str
    params: tuple[tuple[str, object], ...] = ()


def msg(msgid: str, **params: object) -> Msg:
    return Msg(msgid, tuple(params.items()))


Label = Msg | str
"""A button's label: a Msg is translated for the recipient like the text; a str is shown as it
is, and is only ever data (a pupil's name), never words."""
