"""gettext catalogs (Russian first, English second) and the function that reads them.

Messages are written in English in the code; `ru/LC_MESSAGES/journal.po` translates them. The
catalogs are read straight from the .po files, so a fresh clone needs no compile step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from gettext import c2py
from pathlib import Path

from babel.messages.pofile import read_po

from domain.names import PersonName

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
    """Translates English msgids into one language and fills their {placeholders}.

    A catalog entry with plural forms (msgid_plural) is chosen by the message's `count` value
    («1 отметка», «3 отметки», «8 отметок»); a PersonName value may be put in a case by the
    translation (`{name:gen}`, see locales/russian.py)."""

    def __init__(
        self,
        language: str,
        messages: dict[str, str],
        plurals: dict[str, tuple[str, ...]] | None = None,
        plural: Callable[[int], int] | None = None,
    ) -> None:
        self.language = language
        self._messages = messages
        self._plurals = plurals or {}
        self._plural = plural or (lambda n: int(n != 1))

    def gettext(self, msgid: str) -> str:
        forms = self._plurals.get(msgid)
        return self._messages.get(msgid) or (forms[-1] if forms else msgid)

    def _text(self, msgid: str, params: dict[str, object]) -> str:
        forms = self._plurals.get(msgid)
        if not forms:
            return self.gettext(msgid)
        count = params.get("count")
        if isinstance(count, str) and count.isascii() and count.isdigit():
            count = int(count)  # a count a screen has turned into text already
        if not isinstance(count, int) or isinstance(count, bool):
            return forms[-1]  # no count to choose by: the form of "many"
        index = self._plural(abs(count))
        return forms[index] if 0 <= index < len(forms) else forms[-1]

    def number(self, value: Decimal | int, places: int | None = None) -> str:
        return number(value, self.language, places)

    def __call__(self, msgid: str, /, **params: object) -> str:
        text = self._text(msgid, params)
        if not params:
            return text
        values = {
            k: self.number(v) if type(v) is Decimal else self._value(v) for k, v in params.items()
        }
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return msgid.format(**params)

    def _value(self, value: object) -> object:
        if isinstance(value, PersonName) and self.language == "ru":
            from locales.russian import RussianName

            return RussianName(value)
        return value

    def has(self, msgid: str) -> bool:
        return msgid in self._messages or msgid in self._plurals


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
    plurals: dict[str, tuple[str, ...]] = {}
    plural = None
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        plural = c2py(catalog.plural_expr)
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            if isinstance(message.id, str):
                messages[message.id] = str(message.string)
            elif all(message.string):  # (singular, plural) → every form the language has
                plurals[str(message.id[0])] = tuple(str(form) for form in message.string)
    return Translator(lang, messages, plurals, plural)


def N_(msgid: str) -> str:
    """Marks a msgid for extraction where it is translated later, at display time."""
    return msgid
