"""Notices become text in the recipient's language; every value is escaped for Telegram's HTML.

The buttons' payloads are the messenger's: its renderer (`bot.render.TelegramRenderer`) gives
the encoding of an intent and how long a label may be."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from decimal import Decimal

from domain.intents import Intent
from domain.names import PersonName
from domain.notices import NoticeBody
from domain.text import Msg, Strong
from locales import Translator, translator

TEXT_LIMIT = 4096  # Telegram's, the default
_SPECIAL = re.compile("[&<>]")


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def render_msg(t: Translator, msg: Msg) -> str:
    return t(msg.msgid, **{key: _value(t, value) for key, value in msg.params})


def _value(t: Translator, value: object) -> object:
    """One value of a message as Telegram's HTML takes it."""
    kind = type(value)
    if kind is str:
        assert isinstance(value, str)
        return _escape(value) if _SPECIAL.search(value) else value
    if kind is int:
        return value  # a number, nothing to escape; a `count` chooses plural forms
    if kind is Decimal:
        assert isinstance(value, Decimal)
        return t.number(value)  # 4,45 in Russian: nothing to escape either
    if isinstance(value, Strong):
        return f"<b>{_value(t, value.value)}</b>"
    if isinstance(value, PersonName):
        return value.map(_escape)  # the catalog may put it in a case
    if isinstance(value, Msg):
        return render_msg(t, value)
    if isinstance(value, tuple) and all(isinstance(v, Msg) for v in value):
        return ", ".join(render_msg(t, v) for v in value)
    return html.escape(str(value), quote=False)


class LocalesRenderer:
    """The gettext catalogs of `locales/`, one translator per language."""

    _KEPT = 20_000  # rendered lines kept per language; then started afresh

    def __init__(
        self,
        encode: Callable[[Intent], str] | None = None,
        label_limit: int | None = None,
        text_limit: int = TEXT_LIMIT,
    ) -> None:
        """`encode`: an intent as the messenger's button payload; `label_limit`: the longest a
        label of data (a name) may be there, cut with «…» beyond; `text_limit`: the longest a
        message's text may be there, cut at a line with «…» beyond."""
        self._encode = encode
        self._label_limit = label_limit
        self._text_limit = text_limit
        # Lines rendered, by their message (key and values) per translator: a school's digests
        # have many lines alike (a forecast's, a class's absences), each translated once. Kept
        # up to `_KEPT` lines per language, then started afresh.
        self._rendered: dict[Translator, dict[Msg, str]] = {}

    def render(self, notice: NoticeBody, language: str) -> str:
        t = translator(language)
        rendered = self._rendered.get(t)
        if rendered is None or len(rendered) > self._KEPT:
            rendered = self._rendered[t] = {}
        texts = []
        for line in notice.lines:
            try:
                text = rendered.get(line)
            except TypeError:  # a value that cannot be hashed: rendered each time
                texts.append(render_msg(t, line))
                continue
            if text is None:
                text = rendered[line] = render_msg(t, line)
            texts.append(text)
        text = "\n".join(texts)
        if len(text) > self._text_limit:
            text = text[: self._text_limit - 2].rsplit("\n", 1)[0] + "\n…"
        return text

    def render_buttons(self, notice: NoticeBody, language: str) -> list[list[dict[str, str]]]:
        """The buttons' labels in the recipient's language (a str label is data: as it is).
        Plain text, not HTML: Telegram shows a label as it is written."""
        t = translator(language)
        if self._encode is None:
            raise TypeError("a renderer without the messenger's encoding renders no buttons")
        encode = self._encode
        return [
            [
                {"text": label_text(t, label, self._label_limit), "data": encode(intent)}
                for label, intent in row
            ]
            for row in notice.buttons
        ]


def label_text(t: Translator, label: Msg | str, limit: int | None = None) -> str:
    """A button's label: a Msg translated and filled, its values as they are (no escaping);
    a str (data: a name) cut to `limit` characters, if given."""
    if isinstance(label, str):
        if limit is not None and len(label) > limit:
            return label[: limit - 1] + "…"
        return label
    values = {
        key: label_text(t, value)
        if isinstance(value, Msg)
        else str(value.value if isinstance(value, Strong) else value)
        for key, value in label.params
    }
    return t(label.msgid, **values)
