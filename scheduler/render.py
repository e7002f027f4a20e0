"""Notices become text in the recipient's language; every value is escaped for Telegram's HTML."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from domain.names import PersonName
from domain.usecases.scheduling import Msg, Notice
from locales import Translator, translator

TEXT_LIMIT = 4096
_SPECIAL = re.compile("[&<>]")


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def render_msg(t: Translator, msg: Msg) -> str:
    values: dict[str, object] = {}
    for key, value in msg.params:
        kind = type(value)
        if kind is str:
            values[key] = _escape(value) if _SPECIAL.search(value) else value
        elif kind is int:
            values[key] = value  # a number, nothing to escape; a `count` chooses plural forms
        elif kind is Decimal:
            values[key] = t.number(value)  # 4,45 in Russian: nothing to escape either
        elif isinstance(value, PersonName):
            values[key] = value.map(_escape)  # the catalog may put it in a case
        elif isinstance(value, Msg):
            values[key] = render_msg(t, value)
        elif isinstance(value, tuple) and all(isinstance(v, Msg) for v in value):
            values[key] = ", ".join(render_msg(t, v) for v in value)
        else:
            values[key] = html.escape(str(value), quote=False)
    return t(msg.msgid, **values)


class LocalesRenderer:
    """The gettext catalogs of `locales/`, one translator per language."""

    _KEPT = 20_000  # rendered lines kept per language; then started afresh

    def __init__(self) -> None:
        # The last lines rendered, by identity: a digest's notices to the guardians of one
        # pupil share their lines, so the second account in the same language costs nothing.
        self._last: tuple[tuple[Msg, ...], Translator, str] | None = None
        # Lines rendered, by identity, per translator: a school's digests share the Msg
        # objects of lines many pupils have alike (a forecast's, say), each translated once.
        # The Msg is kept with its text, so its id cannot be reused while it is here. Lines are
        # shared within a school's run only, so another school's notice starts afresh: memory
        # stays that of one school however many follow.
        self._rendered: dict[Translator, dict[int, tuple[Msg, str]]] = {}
        self._school: int | None = None

    def render(self, notice: Notice) -> str:
        t = translator(notice.account.language)
        last = self._last
        if last is not None and last[0] is notice.lines and last[1] is t:
            return last[2]
        if notice.school_id != self._school:
            self._rendered.clear()
            self._school = notice.school_id
        rendered = self._rendered.get(t)
        if rendered is None or len(rendered) > self._KEPT:
            rendered = self._rendered[t] = {}
        texts = []
        for line in notice.lines:
            seen = rendered.get(id(line))
            if seen is not None and seen[0] is line:
                texts.append(seen[1])
                continue
            text = render_msg(t, line)
            rendered[id(line)] = (line, text)
            texts.append(text)
        text = "\n".join(texts)
        if len(text) > TEXT_LIMIT:
            text = text[: TEXT_LIMIT - 2].rsplit("\n", 1)[0] + "\n…"
        self._last = (notice.lines, t, text)
        return text

    def render_buttons(self, notice: Notice) -> list[list[dict[str, str]]]:
        """The buttons' labels in the recipient's language (a str label is data: as it is).
        Plain text, not HTML: Telegram shows a label as it is written."""
        t = translator(notice.account.language)
        return [
            [{"text": label_text(t, label), "data": data} for label, data in row]
            for row in notice.buttons
        ]


def label_text(t: Translator, label: Msg | str) -> str:
    """A button's label: a Msg translated and filled, its values as they are (no escaping)."""
    if isinstance(label, str):
        return label
    values = {
        key: label_text(t, value) if isinstance(value, Msg) else str(value)
        for key, value in label.params
    }
    return t(label.msgid, **values)
