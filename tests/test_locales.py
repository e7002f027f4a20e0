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
