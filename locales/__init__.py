"""gettext catalogs (Russian first, English second) and the function that reads them.

Messages are written in English in the code; `ru/LC_MESSAGES/journal.po` translates them. The
catalogs are read straight from the .po files, so a fresh clone needs no compile step.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent
DOMAIN = "journal"
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


def number(value: Decimal | int, language: str, places: int | None = None) -> str:
    """A mean or a percentage as the language writes it: 4,45 in Russian, 4.45 in English.
    The one place a number a person reads is formatted; `places` rounds it (else as it is)."""
    text = f"{value:.{places}f}" if places is not None else str(value)
    return text.replace(".", ",") if pick_language(language) == "ru" else text


class Translator:
    """Translates English msgids into one language and fills their {placeholders}; a Decimal
    in them is written as the language writes numbers (`number`)."""

    def __init__(self, language: str, messages: dict[str, str]) -> None:
        self.language = language
        self._messages = messages

    def gettext(self, msgid: str) -> str:
        return self._messages.get(msgid) or msgid

    def number(self, value: Decimal | int, places: int | None = None) -> str:
        return number(value, self.language, places)

    def __call__(self, msgid: str, /, **params: object) -> str:
        text = self.gettext(msgid)
        if not params:
            return text
        params = {k: self.number(v) if type(v) is Decimal else v for k, v in params.items()}
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return msgid.format(**params)

    def has(self, msgid: str) -> bool:
        return msgid in self._messages


def pick_language(code: str | None) -> str:
    """A Telegram or CLI language code to one we speak: `en-GB` → en, anything else → ru."""
    if code:
        base = code.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


@functools.cache
def translator(language: str | None = None) -> Translator:
    lang = pick_language(language)
    path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    messages: dict[str, str] = {}
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if message.id and message.string and not message.fuzzy and isinstance(message.id, str):
                messages[message.id] = str(message.string)
    return Translator(lang, messages)


def N_(msgid: str) -> str:
    """Marks a msgid for extraction where it is translated later, at display time."""
    return msgid
