"""Notices become text in the recipient's language; every value is escaped for Telegram's HTML.

The buttons' payloads are the messenger's: its renderer (`bot.render.TelegramRenderer`) gives
the encoding of an intent and how long a label may be."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from decimal import Decimal

from domain.intents import Intent
from domain.names import PersonName
from domain.text import Strong
from domain.usecases.scheduling import Msg, Notice, NoticeRenderer
from locales import Translator, translator

TEXT_LIMIT = 4096
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
        self, encode: Callable[[Intent], str] | None = None, label_limit: int | None = None
    ) -> None:
        """`encode`: an intent as the messenger's button payload; `label_limit`: the longest a
        label of data (a name) may be there, cut with «…» beyond."""
        self._encode = encode
        self._label_limit = label_limit
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


class ByMessenger:
    """Each notice rendered by the renderer of its recipient's messenger."""

    def __init__(self, renderers: Mapping[str, NoticeRenderer]) -> None:
        self.renderers = dict(renderers)

    def render(self, notice: Notice) -> str:
        return self.renderers[notice.account.messenger].render(notice)

    def render_buttons(self, notice: Notice) -> list[list[dict[str, str]]]:
        return self.renderers[notice.account.messenger].render_buttons(notice)
