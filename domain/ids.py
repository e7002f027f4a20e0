"""What comes back in a button's data or a typed text, checked before anything uses it.

A button's data returns from the user's phone, and anything may be in it: a forged value, or
one left from an older version of the bot. Every id, day and code taken from it goes through
this module, and whatever does not parse is refused with `StaleInput`, which the bot answers
as an out-of-date screen with a fresh menu, never as a crash.

Ids name rows, and the journal's key columns are INTEGER (`storage.models`: 32 bits on
PostgreSQL), so only 1 … 2^31 − 1 can name one. A bigger number cannot even be bound as a
parameter (OverflowError on SQLite, a DataError on PostgreSQL), so it must never get that far.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from enum import Enum

from domain.errors import Gone

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column

# ASCII digits only: `int()` also takes '١٢', ' 12', '+12' and '1_2', which no button of ours
# carries. No leading zero: we never write one, so '012' is not ours either.
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class StaleInput(Gone):
    """Data we did not make (forged, or from an older bot): the screen is out of date."""


def parse_number(value: object, lowest: int, highest: int) -> int:
    """A whole number from `lowest` to `highest`, given as one (kept in a dialog's data) or
    as the decimal digits we write into buttons."""
    if isinstance(value, bool):
        raise StaleInput()
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _NUMBER.fullmatch(value):
        number = int(value)
    else:
        raise StaleInput()
    if not lowest <= number <= highest:
        raise StaleInput()
    return number


def parse_id(value: object) -> int:
    """The id of a row: 1 … 2^31 − 1."""
    return parse_number(value, 1, MAX_ID)


def parse_ids(value: object, separator: str, count: int) -> tuple[int, ...]:
    """`count` ids written with `separator` between them («12_34»)."""
    if not isinstance(value, str):
        raise StaleInput()
    parts = value.split(separator)
    if len(parts) != count:
        raise StaleInput()
    return tuple(parse_id(part) for part in parts)


def parse_day(value: object) -> dt.date:
    """A day as we write it into buttons: YYYY-MM-DD, and a real one."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise StaleInput()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise StaleInput() from None


def parse_member[E: Enum](value: object, kind: type[E]) -> E:
    """A member of an enumeration by its value («Б» → AbsenceCode.ILL)."""
    for member in kind:
        if member.value == value:
            return member
    raise StaleInput()


def parse_choice(value: object, choices: Collection[str]) -> str:
    """One of a screen's own choices (a range of a report, a language)."""
    if not isinstance(value, str) or value not in choices:
        raise StaleInput()
    return value
