"""Markup said neutrally: a value to be emphasised, which each messenger renders its own way
(Telegram: bold)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Strong:
    """A message's value shown emphasised."""

    value: object


def strong(value: object) -> Strong:
    return Strong(value)
