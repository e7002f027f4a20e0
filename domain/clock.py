"""Clocks. Every use case asks an injected clock, so tests can stand on any day and hour."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # domain.ports imports domain.delivery, which reads school time from here
    from domain.ports import Clock


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stays where a test puts it, and moves only when told."""

    def __init__(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a fixed clock needs an aware datetime")
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, delta: dt.timedelta) -> None:
        self.moment += delta


def school_time(moment: dt.datetime, timezone: str | None) -> dt.datetime:
    """An instant as the school's clocks show it: the one way a stored time (kept in UTC)
    becomes a time or a date a person sees. Without a school (`timezone` None) it stays UTC."""
    if moment.tzinfo is None:
        raise ValueError("an instant needs an aware datetime")
    return moment.astimezone(ZoneInfo(timezone or "UTC"))


def local_today(clock: Clock, timezone: str) -> dt.date:
    """The date at the school: a lesson at 23:30 in Vladivostok is not tomorrow's in UTC."""
    return school_time(clock.now(), timezone).date()


def day_range(first: dt.date, last: dt.date, *, year: bool = False) -> str:
    """Days as a person reads them, the one way every range of days is written: «04.12» for
    one day, «04.12–06.12» for several; with `year`, «04.12.2026» and «04.12.2026 – 06.12.2026»
    (long dates take spaces around the dash)."""
    if year:
        return f"{first:%d.%m.%Y}" if first == last else f"{first:%d.%m.%Y} – {last:%d.%m.%Y}"
    return f"{first:%d.%m}" if first == last else f"{first:%d.%m}–{last:%d.%m}"
