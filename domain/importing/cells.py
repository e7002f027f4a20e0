"""Reading one cell of an imported table: dates, times, numbers, grades, choices, hours, phones."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from domain.model import GradeRange


class CellError(ValueError):
    """A cell that cannot be read; the message is a msgid, params fill it."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def parse_date(text: str) -> dt.date:
    text = text.strip()
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", "dmy"),
    ):
        m = re.fullmatch(pattern, text)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise CellError("{value} is not a real date", value=text) from None
    raise CellError("{value} is not a date: write YYYY-MM-DD or DD.MM.YYYY", value=text)


def parse_time(text: str) -> dt.time:
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::00)?", text.strip())
    if m:
        hours, minutes = int(m.group(1)), int(m.group(2))
        if hours < 24 and minutes < 60:
            return dt.time(hours, minutes)
    raise CellError("{value} is not a time: write HH:MM", value=text)


def parse_int(text: str, low: int, high: int) -> int:
    cleaned = text.strip()
    if re.fullmatch(r"\d+(\.0+)?", cleaned):
        value = int(cleaned.split(".")[0])
        if low <= value <= high:
            return value
    raise CellError(
        "{value} is not a whole number from {low} to {high}", value=text, low=low, high=high
    )


def parse_grades(text: str) -> GradeRange:
    try:
        return GradeRange.parse(text)
    except ValueError:
        raise CellError("{value} is not a grade range such as 5-9", value=text) from None


def parse_choice[V](text: str, names: Mapping[str, V]) -> V:
    key = text.strip().casefold()
    if key in names:
        return names[key]
    allowed = ", ".join(dict.fromkeys(k for k in names if k))
    raise CellError("{value} is not one of: {allowed}", value=text, allowed=allowed)


def parse_hours(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise CellError("{value} is not a number of hours", value=text) from None
    if not (Decimal(0) < value <= Decimal(40)) or value != value.quantize(Decimal("0.5")):
        raise CellError("{value} is not a number of hours", value=text)
    return value.quantize(Decimal("0.5"))


PHONE_EXAMPLE = "+7 900 000-00-00"


def parse_phone(text: str) -> str:
    """One form for every way a Russian number is written: +7 XXX XXX-XX-XX.

    +7 900 000-00-00, 8 (900) 000-00-00, 89000000000 and 9000000000 are the same number; a
    foreign number (+ and a country code other than 7, 8 to 15 digits) is kept as + and digits.
    """
    cleaned = text.strip()
    digits = re.sub(r"\D", "", cleaned)
    national = ""
    if re.fullmatch(r"\+?[\d\s()\-.]+", cleaned):
        if cleaned.startswith("+"):
            if digits.startswith("7") and len(digits) == 11:
                national = digits[1:]
            elif not digits.startswith("7") and 8 <= len(digits) <= 15:
                return "+" + digits
        elif len(digits) == 11 and digits[0] in "78":
            national = digits[1:]
        elif len(digits) == 10:
            national = digits
    if not national:
        raise CellError(
            "{value} is not a phone number: write it as {example}",
            value=text,
            example=PHONE_EXAMPLE,
        )
    return f"+7 {national[:3]} {national[3:6]}-{national[6:8]}-{national[8:]}"
