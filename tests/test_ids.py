"""The one check of ids, days and codes from buttons: what the journal writes parses back, and
nothing else does (an id outside the database's INTEGER could not even be bound)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.family import AbsenceCode
from domain.ids import (
    MAX_ID,
    StaleInput,
    parse_choice,
    parse_day,
    parse_id,
    parse_ids,
    parse_member,
    parse_number,
)


@given(st.integers(1, MAX_ID))
def test_an_id_we_write_parses_back(number: int) -> None:
    assert parse_id(str(number)) == number
    assert parse_id(number) == number
    assert parse_ids(f"{number}_{number}", "_", 2) == (number, number)


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_ID + 1)))
def test_numbers_no_row_can_have_are_refused(number: int) -> None:
    for value in (number, str(number)):
        with pytest.raises(StaleInput):
            parse_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " 12",
        "12 ",
        "+12",
        "1_2",
        "012",
        "١٢",
        "１２",
        "12abc",
        "12\n",
        "1" * 40,
        "1.0",
        None,
        True,
        1.0,
        [1],
    ],
)
def test_what_is_not_our_id_is_refused(value: object) -> None:
    with pytest.raises(StaleInput):
        parse_id(value)


@given(st.text(max_size=30))
def test_any_text_is_an_id_or_refused(text: str) -> None:
    try:
        number = parse_id(text)
    except StaleInput:
        return
    assert str(number) == text and 1 <= number <= MAX_ID


def test_days_codes_and_choices() -> None:
    assert parse_day("2026-11-16") == dt.date(2026, 11, 16)
    for day in ("2026-02-30", "16.11.2026", "20261116", "2026-11-16T00:00", "２０２６-11-16", 5):
        with pytest.raises(StaleInput):
            parse_day(day)
    assert parse_member("Б", AbsenceCode) is AbsenceCode.ILL
    with pytest.raises(StaleInput):
        parse_member("X", AbsenceCode)
    assert parse_choice("week", ("week", "month")) == "week"
    with pytest.raises(StaleInput):
        parse_choice("year", ("week", "month"))
    assert parse_number("0", 0, 6) == 0
    with pytest.raises(StaleInput):
        parse_number("7", 0, 6)
    with pytest.raises(StaleInput):
        parse_ids("1_2_3", "_", 2)
