"""The one way an instant (stored in UTC) becomes the time a person sees: the school's clocks."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.clock import FixedClock, day_range, local_today, school_time

UTC = dt.UTC


def test_an_evening_in_moscow_is_shown_as_moscow_time() -> None:
    # Issue 16.2: acknowledged at 18:00 in the school, not «15:00 UTC».
    moment = dt.datetime(2026, 12, 29, 15, 0, tzinfo=UTC)
    shown = school_time(moment, "Europe/Moscow")
    assert f"{shown:%d.%m.%Y %H:%M}" == "29.12.2026 18:00"


@pytest.mark.parametrize(
    ("utc", "zone", "local"),
    [
        # Around midnight: the school's date is not UTC's.
        ((2026, 12, 31, 21, 30), "Europe/Moscow", (2027, 1, 1, 0, 30)),
        ((2026, 12, 31, 20, 59), "Europe/Moscow", (2026, 12, 31, 23, 59)),
        ((2026, 11, 16, 14, 30), "Asia/Vladivostok", (2026, 11, 17, 0, 30)),
        ((2026, 11, 17, 0, 30), "America/New_York", (2026, 11, 16, 19, 30)),
        # A zone with summer time: the same UTC hour is 13:00 in summer, 12:00 in winter.
        ((2026, 7, 1, 11, 0), "Europe/Berlin", (2026, 7, 1, 13, 0)),
        ((2026, 1, 15, 11, 0), "Europe/Berlin", (2026, 1, 15, 12, 0)),
        # The night the clocks go forward (29.03.2026, 02:00 → 03:00) and back (25.10.2026).
        ((2026, 3, 29, 0, 59), "Europe/Berlin", (2026, 3, 29, 1, 59)),
        ((2026, 3, 29, 1, 0), "Europe/Berlin", (2026, 3, 29, 3, 0)),
        ((2026, 10, 25, 0, 30), "Europe/Berlin", (2026, 10, 25, 2, 30)),
        ((2026, 10, 25, 1, 30), "Europe/Berlin", (2026, 10, 25, 2, 30)),
        ((2026, 10, 24, 22, 30), "Europe/Berlin", (2026, 10, 25, 0, 30)),
    ],
)
def test_school_time_around_midnight_and_summer_time(
    utc: tuple[int, ...], zone: str, local: tuple[int, ...]
) -> None:
    moment = dt.datetime(*utc, tzinfo=UTC)
    shown = school_time(moment, zone)
    assert shown.replace(tzinfo=None) == dt.datetime(*local)
    assert shown.astimezone(UTC) == moment  # the same instant, as the school's clocks show it
    assert local_today(FixedClock(moment), zone) == dt.date(*local[:3])


ZONES = ["Europe/Moscow", "Europe/Berlin", "Asia/Vladivostok", "America/New_York", "UTC"]


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(ZONES),
)
def test_school_time_is_the_same_instant_at_the_zones_offset(
    moment: dt.datetime, zone: str
) -> None:
    shown = school_time(moment, zone)
    assert shown.astimezone(UTC) == moment and str(shown.tzinfo) == zone
    offset = shown.utcoffset()
    assert offset is not None and abs(offset) <= dt.timedelta(hours=14)
    assert shown.replace(tzinfo=None) - offset == moment.replace(tzinfo=None)
    # The wall clock read back in the zone (fold keeps the repeated autumn hour apart) is it.
    wall = shown.replace(tzinfo=None)
    assert (
        dt.datetime.combine(wall.date(), wall.time(), ZoneInfo(zone))
        .replace(fold=shown.fold)
        .astimezone(UTC)
        == moment
    )


def test_school_time_without_a_school_is_utc_and_refuses_a_naive_datetime() -> None:
    moment = dt.datetime(2026, 12, 29, 15, 0, tzinfo=UTC)
    assert f"{school_time(moment, None):%H:%M}" == "15:00"
    with pytest.raises(ValueError):
        school_time(dt.datetime(2026, 12, 29, 15, 0), "Europe/Moscow")


def test_a_range_of_one_day_is_one_date() -> None:
    """Issue 16.9: «04.12», not «04.12–04.12»; the one function for every range people read."""
    first, last = dt.date(2026, 12, 4), dt.date(2026, 12, 6)
    assert day_range(first, first) == "04.12"
    assert day_range(first, last) == "04.12–06.12"
    assert day_range(first, first, year=True) == "04.12.2026"
    assert day_range(first, last, year=True) == "04.12.2026 – 06.12.2026"


def test_school_time_is_the_one_way_an_instant_becomes_a_local_time() -> None:
    """Issue 16.9: no use case turns a stored instant into the school's time by itself
    (`astimezone(zone)`); they all ask `domain.clock.school_time`. Converting to UTC is fine."""
    root = Path(__file__).resolve().parent.parent / "domain"
    allowed = {"dt.UTC", "now.tzinfo or dt.UTC"}
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "clock.py" and path.parent == root:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "astimezone"
                and not (node.args and ast.unparse(node.args[0]) in allowed)
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
