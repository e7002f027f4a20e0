"""Every message a user can see has its Russian translation, with the same placeholders."""

from __future__ import annotations

import string

from locales import pick_language, translator
from locales.extract import messages, missing


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_is_translated_to_russian() -> None:
    assert len(messages()) > 50
    assert missing("ru") == {}


def test_translations_keep_placeholders() -> None:
    t = translator("ru")
    for msgid in messages():
        assert _fields(t.gettext(msgid)) == _fields(msgid), msgid


def test_language_choice() -> None:
    assert pick_language("en-GB") == "en"
    assert pick_language("uk") == "ru"
    assert pick_language(None) == "ru"
    assert translator("ru")("row {row}", row=3) == "строка 3"
    assert translator("en")("row {row}", row=3) == "row 3"


def test_numbers_are_written_as_the_language_writes_them() -> None:
    from decimal import Decimal

    from locales import number

    assert number(Decimal("4.45"), "ru") == "4,45" and number(Decimal("4.45"), "en") == "4.45"
    assert number(Decimal("12.26"), "ru", 1) == "12,3" and number(Decimal(5), "en", 2) == "5.00"
    assert translator("ru")("Mean {mean}: mark {mark}", mean=Decimal("3.67"), mark="4") == (
        "Средний балл 3,67: выходит 4"
    )
    assert translator("en")("Mean {mean}: mark {mark}", mean=Decimal("3.67"), mark="4") == (
        "Mean 3.67: mark 4"
    )
