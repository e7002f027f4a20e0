"""A fake Telegram Bot API server for driving the bot the way a real user would.

The bot under test talks to this server exactly as it would talk to api.telegram.org
(``TelegramAPIServer.from_base(server.api_url)``), so handlers, keyboards, edits and error
handling run unmodified.  The server reproduces the parts of Telegram that bots trip over:
text/caption limits, HTML/MarkdownV2 entity parsing and its error texts, inline keyboard
limits, "message is not modified", blocked users, callback query expiry and flood control
(429 with ``retry_after``).  Tests play the user through ``user_sends_text`` /
``user_presses`` (or :class:`fakegram.user.FakeUser`) and read chats back with ``messages``.

Clock: flood control, callback expiry and the request log use :meth:`FakeTelegram.clock`, a
monotonic clock that tests (and ``FakeUser``'s think time) may move forward with
:meth:`FakeTelegram.advance`, so a scripted user tapping every few milliseconds does not look
like a flood.  Message ``date`` fields use the real wall clock so the bot's own ``now()`` agrees.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import logging
import math
import mimetypes
import re
import secrets
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from aiohttp import web

log = logging.getLogger("fakegram")

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_LIMIT = 64
MAX_INLINE_BUTTONS = 100
UPLOAD_LIMIT = 50 * 1024 * 1024
PHOTO_LIMIT = 10 * 1024 * 1024
DOWNLOAD_LIMIT = 20 * 1024 * 1024
DELETE_WINDOW = 48 * 3600.0

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendContact"})
EDIT_METHODS = frozenset(
    {"editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia"}
)

# Update types Telegram delivers when allowed_updates is empty/unset.
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_BLOCKED = "Forbidden: bot was blocked by the user"


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class TelegramError(Exception):
    """An error answer of the Bot API: HTTP status == error_code, Telegram's description."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(text: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {text}")


def _too_many(retry_after: int) -> TelegramError:
    return TelegramError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


class EntityParseError(Exception):
    """Raised by the text parsers with tdlib's wording (without the Bot API prefix)."""


# --------------------------------------------------------------------------------------
# UTF-16 helpers (entity offsets are in UTF-16 code units, like in Telegram)
# --------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _u16_index(text: str) -> list[int]:
    """Prefix table: code point index -> UTF-16 offset (len(text)+1 entries)."""
    table = [0]
    acc = 0
    for ch in text:
        acc += 2 if ord(ch) > 0xFFFF else 1
        table.append(acc)
    return table


def entity_slice(text: str, offset: int, length: int) -> str:
    """The substring an entity covers (offset/length in UTF-16 units)."""
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


# --------------------------------------------------------------------------------------
# HTML parse mode (a port of tdlib's parse_html, including its error texts)
# --------------------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_HTML_SPACES = " \t\r\n\v\f\0"


def _decode_html_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decode &lt; &gt; &amp; &quot; and numeric references; others stay literal (tdlib)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    end = pos + 1
    res = 0
    if at(pos + 1) == "#":
        end += 1
        if at(pos + 2) == "x":
            end += 1
            while at(end) in "0123456789abcdefABCDEF" and at(end) != "\0":
                res = res * 16 + int(at(end), 16)
                end += 1
                if res >= 0x10FFFF:
                    return None, pos
        else:
            while at(end).isascii() and at(end).isdigit():
                res = res * 10 + int(at(end))
                end += 1
                if res >= 0x10FFFF:
                    return None, pos
        if res == 0 or res >= 0x10FFFF or 0xD800 <= res <= 0xDFFF:
            return None, pos
        char = chr(res)
    else:
        while at(end).isascii() and at(end).isalpha():
            end += 1
        char = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(text[pos + 1 : end], "")
        if not char:
            return None, pos
    if at(end) == ";":
        end += 1
    return char, end


def _check_link(url: str) -> str | None:
    """Roughly tdlib's LinkManager::check_link: normalise or reject a text_link URL."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$", url)
    if match is None:
        if "." not in url or url.startswith(".") or url.startswith("/"):
            return None
        url = "http://" + url
        match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$", url)
        assert match is not None
    scheme = match.group(1).lower()
    rest = match.group(2)
    if scheme in ("tg", "ton", "tonsite"):
        return f"{scheme}://{rest}" if rest else None
    if scheme not in ("http", "https"):
        return None
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not host or host.startswith("."):
        return None
    if host == rest:
        rest += "/"
    return f"{scheme}://{rest}"


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities); raise EntityParseError like tdlib."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def is_space(ch: str) -> bool:
        return ch in _HTML_SPACES

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    out: list[str] = []
    u16 = 0
    nested: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, out index
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded, j = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded)
                u16 += utf16_len(decoded)
                i = j
                continue
        if c != "<":
            out.append(c)
            u16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while not is_space(at(i)) and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {boff(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {boff(begin)}'
                )
            argument = ""
            while at(i) != ">":
                while at(i) != "\0" and is_space(at(i)):
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while not is_space(at(i)) and at(i) not in "=>":
                    i += 1
                attr = text[attr_begin:i]
                if not attr:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {boff(begin)}'
                    )
                while at(i) != "\0" and is_space(at(i)):
                    i += 1
                if at(i) != "=" and tag == "blockquote" and attr == "expandable":
                    argument = "1"  # the only valueless attribute Telegram accepts
                    continue
                if at(i) != "=":
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {boff(begin)}'
                    )
                i += 1
                while at(i) != "\0" and is_space(at(i)):
                    i += 1
                if at(i) == "\0":
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {boff(begin)}'
                    )
                if at(i) not in ("'", '"'):
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if not is_space(at(i)) and at(i) != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {boff(token_begin)}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    buf: list[str] = []
                    while at(i) != quote and at(i) != "\0":
                        if at(i) == "&":
                            decoded, j = _decode_html_entity(text, i)
                            if decoded is not None:
                                buf.append(decoded)
                                i = j
                                continue
                        buf.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(buf)
                if at(i) == "\0":
                    raise EntityParseError(f"Unclosed start tag at byte offset {boff(begin)}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {boff(begin)}'
                )
            nested.append((tag, argument, u16, len(out)))
            i += 1  # skip '>'
            continue

        # end tag
        if not nested:
            raise EntityParseError(f"Unexpected end tag at byte offset {boff(begin)}")
        while not is_space(at(i)) and at(i) != ">":
            i += 1
        end_name = text[begin + 2 : i]
        while is_space(at(i)) and at(i) != "\0":
            i += 1
        if at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {boff(begin)}")
        tag, argument, offset, out_index = nested.pop()
        if end_name and end_name.lower() != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {boff(begin)}, expected "</{tag}>", '
                f'found "</{end_name}>"'
            )
        length = u16 - offset
        if length > 0:
            _html_entity(entities, tag, argument, offset, length, "".join(out[out_index:]))
        i += 1
    if nested:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    _finish_code_languages(entities)
    return "".join(out), entities


def _html_entity(
    entities: list[dict[str, Any]],
    tag: str,
    argument: str,
    offset: int,
    length: int,
    inner: str,
) -> None:
    last = entities[-1] if entities else None
    same_range = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE_TAGS:
        entities.append({"type": _SIMPLE_TAGS[tag], "offset": offset, "length": length})
    elif tag == "a":
        url = argument or inner
        user = re.match(r"^tg://user\?id=(\d+)$", url)
        if user:
            entities.append(
                {
                    "type": "text_mention",
                    "offset": offset,
                    "length": length,
                    "user": {"id": int(user.group(1)), "is_bot": False, "first_name": inner},
                }
            )
            return
        checked = _check_link(url)
        if checked is not None:
            entities.append(
                {"type": "text_link", "offset": offset, "length": length, "url": checked}
            )
    elif tag == "pre":
        if same_range and last is not None and last["type"] == "code":
            last["type"] = "pre"  # <pre><code class="language-x">…</code></pre>
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same_range and last is not None and last["type"] == "pre":
            if argument:
                last["_language"] = argument
        else:
            entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["_language"] = argument
            entities.append(entity)
    elif tag == "tg-emoji":
        if not argument.isdigit():
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": argument,
            }
        )
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def _finish_code_languages(entities: list[dict[str, Any]]) -> None:
    """<pre><code class="language-x"> → pre+language; a lone <code class=...> → plain code."""
    for ent in entities:
        language = ent.pop("_language", None)
        if language and ent["type"] == "pre":
            ent["language"] = language


# --------------------------------------------------------------------------------------
# MarkdownV2 / Markdown parse modes (ports of tdlib's parsers, common subset)
# --------------------------------------------------------------------------------------

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MD_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 like tdlib (no nested-entity validation, '>' blockquotes by line)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    out: list[str] = []
    u16 = 0
    # type, argument, utf16 offset, byte offset, out index
    nested: list[list[Any]] = []
    entities: list[dict[str, Any]] = []
    quote_start: int | None = None
    i = 0
    while i < n:
        c = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        in_code = bool(nested) and nested[-1][0] in ("code", "pre")
        if at_line_start and not in_code:
            if c == ">":
                if quote_start is None:
                    quote_start = u16
                i += 1
                continue
            if quote_start is not None:
                # the quote ends before the newline that precedes this line
                end = u16 - 1 if out and out[-1] == "\n" else u16
                if end > quote_start:
                    entities.append(
                        {"type": "blockquote", "offset": quote_start, "length": end - quote_start}
                    )
                quote_start = None
        if c == "\\" and "\0" < at(i + 1) <= "~":
            out.append(at(i + 1))
            u16 += 1
            i += 2
            continue
        reserved = "`" if in_code else _MDV2_RESERVED
        if c not in reserved:
            out.append(c)
            u16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        is_end = False
        if nested:
            top = nested[-1][0]
            is_end = {
                "bold": c == "*",
                "italic": c == "_" and at(i + 1) != "_",
                "code": c == "`",
                "pre": c == "`" and at(i + 1) == "`" and at(i + 2) == "`",
                "text_link": c == "]",
                "custom_emoji": c == "]",
                "underline": c == "_" and at(i + 1) == "_",
                "strikethrough": c == "~",
                "spoiler": c == "|" and at(i + 1) == "|",
            }[top]

        if not is_end:
            start = i
            argument = ""
            if c == "_":
                if at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|" and at(i + 1) == "|":
                kind = "spoiler"
                i += 1
            elif c == "[":
                kind = "text_link"
            elif c == "!" and at(i + 1) == "[":
                kind = "custom_emoji"
                i += 1
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    i += 3
                    kind = "pre"
                    lang_end = i
                    while at(lang_end) not in _HTML_SPACES and at(lang_end) != "`":
                        lang_end += 1
                    if i != lang_end and lang_end < n and at(lang_end) != "`":
                        argument = text[i:lang_end]
                        i = lang_end
                    if at(i) in "\n\r" and at(i) != "\0":
                        if at(i + 1) in "\n\r" and at(i + 1) != "\0" and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            else:
                raise EntityParseError(
                    f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
                )
            nested.append([kind, argument, u16, boff(start), len(out)])
            i += 1
            continue

        kind, argument, offset, _byte, out_index = nested.pop()
        skip = u16 == offset
        entity: dict[str, Any] = {"type": kind, "offset": offset, "length": u16 - offset}
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind == "pre":
            i += 2
            if argument:
                entity["language"] = argument
        elif kind in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                if kind == "custom_emoji":
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                url = "".join(out[out_index:])
            else:
                i += 2
                url_begin = i
                buf: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and "\0" < at(i + 1) <= "~":
                        buf.append(at(i + 1))
                        i += 2
                        continue
                    buf.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {boff(url_begin)}"
                    )
                url = "".join(buf)
            if kind == "custom_emoji":
                match = re.match(r"^tg://emoji\?id=(\d+)$", url)
                if match is None:
                    raise EntityParseError("Custom emoji URL must have an emoji identifier")
                entity["custom_emoji_id"] = match.group(1)
            else:
                user = re.match(r"^tg://user\?id=(\d+)$", url)
                if user:
                    entity["type"] = "text_mention"
                    entity["user"] = {
                        "id": int(user.group(1)),
                        "is_bot": False,
                        "first_name": "".join(out[out_index:]),
                    }
                else:
                    checked = _check_link(url)
                    if checked is None:
                        skip = True
                    else:
                        entity["url"] = checked
        if not skip:
            entities.append(entity)
        i += 1
    if nested:
        kind = nested[-1][0]
        raise EntityParseError(
            f"Can't find end of {_MD_TYPE_NAMES[kind]} entity at byte offset {nested[-1][3]}"
        )
    if quote_start is not None and u16 > quote_start:
        entities.append({"type": "blockquote", "offset": quote_start, "length": u16 - quote_start})
    return "".join(out), entities


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    out: list[str] = []
    u16 = 0
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    ends = {"*": "*", "_": "_", "`": "`", "[": "]"}
    while i < n:
        c = text[i]
        if c not in ends:
            out.append(c)
            u16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue
        begin_byte = len(text[:i].encode("utf-8"))
        if c == "`" and text[i : i + 3] == "```":
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {begin_byte}"
                )
            body = text[i + 3 : end]
            language = ""
            first_line, sep, rest = body.partition("\n")
            if sep and first_line and " " not in first_line:
                language, body = first_line, rest
            elif body.startswith("\n"):
                body = body[1:]
            ent: dict[str, Any] = {"type": "pre", "offset": u16, "length": utf16_len(body)}
            if language:
                ent["language"] = language
            if body:
                entities.append(ent)
            out.append(body)
            u16 += utf16_len(body)
            i = end + 3
            continue
        end = text.find(ends[c], i + 1)
        if end < 0:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {begin_byte}"
            )
        body = text[i + 1 : end]
        length = utf16_len(body)
        if c == "[":
            url = ""
            if text[end + 1 : end + 2] == "(":
                close = text.find(")", end + 2)
                if close < 0:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {begin_byte}")
                url = text[end + 2 : close]
                i = close + 1
            else:
                i = end + 1
            checked = _check_link(url or body)
            if checked is not None and length:
                entities.append(
                    {"type": "text_link", "offset": u16, "length": length, "url": checked}
                )
        else:
            kind = {"*": "bold", "_": "italic", "`": "code"}[c]
            if length:
                entities.append({"type": kind, "offset": u16, "length": length})
            i = end + 1
        out.append(body)
        u16 += length
    return "".join(out), entities


# --------------------------------------------------------------------------------------
# Auto-detected entities (Telegram marks commands, mentions, hashtags, URLs, e-mails)
# --------------------------------------------------------------------------------------

_AUTO_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("url", re.compile(r"(?<![\w@/])(?:https?://|www\.|t\.me/)[^\s<>\"]+[^\s<>\".,;:!?)\]'»]")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
)
_BLOCKING_TYPES = frozenset(
    {"pre", "code", "text_link", "text_mention", "custom_emoji", "url", "email", "mention"}
)


def _auto_entities(text: str, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not any(ch in text for ch in "@/#.:"):
        return []
    table = _u16_index(text)
    taken = [
        (e["offset"], e["offset"] + e["length"]) for e in existing if e["type"] in _BLOCKING_TYPES
    ]
    found: list[dict[str, Any]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start, end = table[match.start()], table[match.end()]
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return found


_WHITESPACE = " \t\n\v\f"


def format_text(
    text: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    limit: int,
    too_long: str,
    empty: str | None,
) -> tuple[str | None, list[dict[str, Any]]]:
    """Text exactly as Telegram stores it: parse, strip, clip entities, check limits."""
    if text is None or text == "":
        if empty is not None:
            raise _bad(empty)
        return None, []
    text = text.replace("\r", "")
    mode = (parse_mode or "").strip().lower()
    if mode and mode != "none":
        parser = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
        if mode not in parser:
            raise _bad("unsupported parse_mode")
        try:
            plain, ents = parser[mode](text)
        except EntityParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from exc
        _finish_code_languages(ents)
    else:
        plain = text
        ents = _explicit_entities(entities, utf16_len(text))

    stripped = plain.lstrip(_WHITESPACE)
    left = utf16_len(plain[: len(plain) - len(stripped)])
    plain = stripped.rstrip(_WHITESPACE)
    total = utf16_len(plain)
    clipped: list[dict[str, Any]] = []
    for ent in ents:
        start = max(ent["offset"] - left, 0)
        end = min(ent["offset"] - left + ent["length"], total)
        if end > start:
            clipped.append({**ent, "offset": start, "length": end - start})
    if not plain:
        if empty is not None:
            raise _bad(empty)
        return None, []
    if len(plain) > limit:
        raise _bad(too_long)
    clipped.extend(_auto_entities(plain, clipped))
    clipped.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, clipped


def _explicit_entities(raw: Any, total: int) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise _bad("can't parse entities JSON object") from exc
    if not isinstance(raw, list):
        raise _bad("can't parse entities JSON object")
    result = []
    for ent in raw:
        if not isinstance(ent, dict) or not isinstance(ent.get("type"), str):
            raise _bad('can\'t parse MessageEntity: Field "type" must be of type String')
        offset, length = ent.get("offset"), ent.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise _bad('can\'t parse MessageEntity: Field "offset" must be of type Number')
        if length <= 0 or offset < 0 or offset >= total:
            continue
        clean = {k: v for k, v in ent.items() if v is not None}
        clean["length"] = min(length, total - offset)
        result.append(clean)
    return result


# --------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------


@dataclass
class TgUser:
    """A Telegram user account that talks to the bot."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ru"

    def to_api(self) -> dict[str, Any]:
        """The User object as Telegram serialises it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        """The private Chat object of this user."""
        data: dict[str, Any] = {"id": self.id, "first_name": self.first_name, "type": "private"}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    """A file that passed through the server (bytes kept so tests can read them back)."""

    file_id: str
    file_unique_id: str
    kind: Literal["document", "photo"]
    data: bytes
    filename: str | None
    mime_type: str | None
    file_path: str
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass
class CallbackAnswer:
    """What the bot answered to a button press (toast or alert)."""

    query_id: str
    user_id: int
    message_id: int | None
    text: str | None
    show_alert: bool
    url: str | None
    at: float


@dataclass
class ChatMessage:
    """One message in a private chat as the user sees it (a snapshot when handed out)."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    date: int
    created_at: float = 0.0
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    keyboard: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    contact: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edit_count: int = 0
    history: list[str | None] = field(default_factory=list)
    deleted: bool = False
    protect_content: bool = False

    @property
    def content(self) -> str:
        """Visible text: the text of a text message or the caption of a media message."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def inline_buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of inline keyboard buttons (raw dicts)."""
        if not self.reply_markup:
            return []
        return [list(row) for row in self.reply_markup.get("inline_keyboard", [])]

    @property
    def buttons(self) -> list[list[str]]:
        """Rows of inline button labels, as drawn under the message."""
        return [[b["text"] for b in row] for row in self.inline_buttons]

    @property
    def callback_data(self) -> dict[str, str]:
        """Label -> callback_data for the callback buttons of the message."""
        result: dict[str, str] = {}
        for row in self.inline_buttons:
            for button in row:
                if "callback_data" in button:
                    result.setdefault(button["text"], button["callback_data"])
        return result

    def entity_texts(self, entity_type: str) -> list[str]:
        """Substrings covered by entities of a type, e.g. ``entity_texts("bold")``."""
        source = self.text if self.text is not None else (self.caption or "")
        ents = self.entities if self.text is not None else self.caption_entities
        return [
            entity_slice(source, e["offset"], e["length"]) for e in ents if e["type"] == entity_type
        ]

    def snapshot(self) -> ChatMessage:
        """A copy that later edits will not change."""
        return replace(
            self,
            entities=[dict(e) for e in self.entities],
            caption_entities=[dict(e) for e in self.caption_entities],
            history=list(self.history),
        )


@dataclass(frozen=True)
class RequestRecord:
    """One Bot API call as the server saw it."""

    t: float
    real_t: float
    token: str
    method: str
    chat_id: int | None
    ok: bool
    error_code: int | None
    description: str | None


@dataclass
class FloodLimits:
    """Flood control limits (token buckets; Telegram documents 30/s per bot, ~1/s per chat)."""

    global_per_second: float = 30.0
    global_burst: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 5
    edits_per_chat_per_second: float = 1.0
    edits_per_chat_burst: int = 10


@dataclass
class _Failure:
    method: str | None
    chat_id: int | None
    token: str | None
    code: int
    description: str
    retry_after: int | None
    remaining: int | None


class _Bucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass
class _Chat:
    user: TgUser
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    reply_keyboard: dict[str, Any] | None = None
    reply_keyboard_hidden: bool = False
    force_reply: bool = False
    last_action: str | None = None
    menu_button: dict[str, Any] | None = None


@dataclass
class _Query:
    user_id: int
    message_id: int | None
    created: float
    answered: bool = False


class _Bot:
    def __init__(self, token: str, bot_id: int, username: str, first_name: str) -> None:
        self.token = token
        self.id = bot_id
        self.username = username
        self.first_name = first_name
        self.chats: dict[int, _Chat] = {}
        self.updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self.dropped: set[int] = set()
        self.allowed_updates: list[str] | None = None
        self.poll_future: asyncio.Future[str] | None = None
        self.polls = 0
        self.inflight: dict[int, str] = {}
        self.last_activity = 0.0
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] | None = None
        self.queries: dict[str, _Query] = {}
        self.answers: list[CallbackAnswer] = []
        self.busy_probes: list[Callable[[], bool]] = []
        self.tracked = False
        self.busy = 0
        self.processed: set[int] = set()
        self.buckets: dict[Any, _Bucket] = {}

    def user_api(self, full: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }
        if full:
            data.update(
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
        return data


@dataclass
class _Upload:
    filename: str
    data: bytes
    content_type: str | None


class _Params:
    """Request parameters from the query string, JSON, urlencoded or multipart bodies."""

    def __init__(self, data: dict[str, Any], files: dict[str, _Upload]) -> None:
        self.data = data
        self.files = files

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def str(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def int(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            try:
                return int(float(str(value)))
            except ValueError:
                return None

    def float(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    def bool(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1", "yes")

    def json(self, name: str, error: str) -> Any:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise _bad(error) from exc
        return value

    def upload(self, name: str) -> _Upload | str | None:
        """A file: direct multipart field, ``attach://key`` reference, or a string id/URL."""
        if name in self.files:
            return self.files[name]
        value = self.str(name)
        if value is None:
            return None
        if value.startswith("attach://"):
            key = value[len("attach://") :]
            if key not in self.files:
                raise _bad(f"there is no {name} in the request")
            return self.files[key]
        return value


UserRef = TgUser | int


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class FakeTelegram:
    """An in-process Telegram Bot API server with a test-side API to play the user."""

    def __init__(
        self,
        *,
        flood_control: bool = True,
        limits: FloodLimits | None = None,
        callback_query_timeout: float | None = 15.0,
        quiet_period: float = 0.03,
    ) -> None:
        self.flood_control = flood_control
        self.limits = limits or FloodLimits()
        self.callback_query_timeout = callback_query_timeout
        self.quiet_period = quiet_period
        self.requests: list[RequestRecord] = []
        self.internal_errors: list[BaseException] = []
        self._bots: dict[str, _Bot] = {}
        self._users: dict[int, TgUser] = {}
        self._failures: list[_Failure] = []
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._update_ids = itertools.count(100_000_001)
        self._update_owner: dict[int, str] = {}
        self._request_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(5_000_000_000_000_000_001)
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._listeners: list[Callable[[str, int], None]] = []
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self.api_url = ""
        self._methods: dict[str, tuple[str, Callable[[_Bot, _Params], Any]]] = {}
        for name in (
            "getMe",
            "logOut",
            "close",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "getUpdates",
            "sendMessage",
            "sendDocument",
            "sendPhoto",
            "sendContact",
            "sendChatAction",
            "editMessageText",
            "editMessageReplyMarkup",
            "editMessageCaption",
            "editMessageMedia",
            "answerCallbackQuery",
            "deleteMessage",
            "deleteMessages",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setChatMenuButton",
            "getChatMenuButton",
            "getChat",
            "getFile",
        ):
            handler = getattr(self, "_m_" + re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())
            self._methods[name.lower()] = (name, handler)

    # ---------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start listening; returns ``api_url`` for ``TelegramAPIServer.from_base``."""
        app = web.Application(client_max_size=UPLOAD_LIMIT + 10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.api_url = f"http://{host}:{bound[1]}"
        self._stopping = False
        return self.api_url

    async def stop(self) -> None:
        """Release pending long polls and shut the HTTP server down."""
        self._stopping = True
        for bot in self._bots.values():
            self._wake(bot, "stop")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- configuration

    def add_bot(
        self, token: str, username: str = "journal_test_bot", first_name: str | None = None
    ) -> int:
        """Register a bot token (unknown tokens get 401); returns the bot's user id."""
        prefix = token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else zlib.crc32(token.encode()) + 10**9
        self._bots[token] = _Bot(token, bot_id, username, first_name or username)
        return bot_id

    def add_user(
        self,
        user: UserRef,
        *,
        bot: str | None = None,
        started: bool = False,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> TgUser:
        """Register a user; ``started=True`` opens the chat as if they pressed Start earlier."""
        tg = self._user(user)
        if first_name is not None:
            tg.first_name = first_name
        if last_name is not None:
            tg.last_name = last_name
        if username is not None:
            tg.username = username
        if language_code is not None:
            tg.language_code = language_code
        if started:
            self._open_chat(self._bot(bot), tg)
        return tg

    def fail_next(
        self,
        method: str | None = None,
        code: int = 429,
        *,
        retry_after: int = 1,
        times: int | None = 1,
        chat_id: int | None = None,
        description: str | None = None,
        bot: str | None = None,
    ) -> None:
        """Force the next ``times`` matching calls (``times=None``: all) to fail with ``code``.

        ``method=None`` matches every method except getUpdates; ``chat_id`` narrows to a chat.
        """
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if code == 429
                else _DEFAULT_DESCRIPTIONS.get(code, "Error")
            )
        self._failures.append(
            _Failure(
                method=method.lower() if method else None,
                chat_id=chat_id,
                token=bot,
                code=code,
                description=description,
                retry_after=retry_after if code == 429 else None,
                remaining=times,
            )
        )

    def clear_failures(self) -> None:
        """Drop every pending forced failure."""
        self._failures.clear()

    def block(self, chat_id: int, *, bot: str | None = None) -> int | None:
        """The user blocks the bot: sends get 403; Telegram sends a my_chat_member update."""
        return self._set_blocked(self._bot(bot), chat_id, True)

    def unblock(self, chat_id: int, *, bot: str | None = None) -> int | None:
        """The user unblocks the bot (Restart)."""
        return self._set_blocked(self._bot(bot), chat_id, False)

    def add_listener(self, callback: Callable[[str, int], None]) -> None:
        """Call ``callback(token, chat_id)`` whenever a chat changes (for a live UI)."""
        self._listeners.append(callback)

    def clock(self) -> float:
        """Server time: monotonic seconds plus everything passed to :meth:`advance`."""
        base = time.monotonic() if self._frozen_at is None else self._frozen_at
        return base + self._offset

    def freeze_clock(self, frozen: bool = True) -> None:
        """Stop (or restart) the server clock: only :meth:`advance` moves it while frozen, so a
        test of flood limits does not depend on how fast the machine sends."""
        if frozen and self._frozen_at is None:
            self._frozen_at = time.monotonic()
        elif not frozen and self._frozen_at is not None:
            self._offset += self._frozen_at - time.monotonic()
            self._frozen_at = None

    def advance(self, seconds: float) -> None:
        """Move the server clock forward (flood buckets refill, callback queries age)."""
        self._offset += max(0.0, seconds)

    def track(self, dispatcher: Any) -> None:
        """Count in-progress updates of an aiogram Dispatcher so waits are exact.

        Without this, ``wait_handled`` relies on the confirmation offset and a quiet period;
        with it, it also waits until the update's handler has returned (handle_as_tasks=True).
        """

        async def middleware(handler: Any, event: Any, data: dict[str, Any]) -> Any:
            bot_obj = data.get("bot")
            state = self._bots.get(getattr(bot_obj, "token", ""))
            if state is None:
                return await handler(event, data)
            state.tracked = True
            state.busy += 1
            try:
                return await handler(event, data)
            finally:
                state.busy -= 1
                state.processed.add(getattr(event, "update_id", -1))
                state.last_activity = time.monotonic()

        for state in self._bots.values():
            state.tracked = True
        dispatcher.update.outer_middleware(middleware)

    def add_busy_probe(self, probe: Callable[[], bool], *, bot: str | None = None) -> None:
        """``wait_handled`` also waits while ``probe()`` is true (e.g. a job queue)."""
        self._bot(bot).busy_probes.append(probe)

    # ---------------------------------------------------------------- user side

    def user_sends_text(self, user: UserRef, text: str, *, bot: str | None = None) -> int | None:
        """The user types ``text``; returns the update_id (None if the bot filters it out)."""
        state = self._bot(bot)
        tg = self._user(user)
        chat = self._open_chat(state, tg)
        self._use_reply_keyboard(chat, text)
        plain = text.replace("\r", "").strip(_WHITESPACE)
        if not plain:
            raise ValueError("a Telegram client cannot send an empty message")
        msg = self._store(state, chat, from_bot=False)
        msg.text = plain
        msg.entities = _auto_entities(plain, [])
        return self._enqueue(state, "message", self._message_api(state, chat, msg))

    def user_sends_document(
        self,
        user: UserRef,
        data: bytes,
        filename: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        bot: str | None = None,
    ) -> int | None:
        """The user uploads a file (e.g. a spreadsheet to import)."""
        state = self._bot(bot)
        chat = self._open_chat(state, self._user(user))
        msg = self._store(state, chat, from_bot=False)
        msg.document = self._new_file("document", data, filename, mime_type)
        if caption:
            msg.caption = caption
            msg.caption_entities = _auto_entities(caption, [])
        return self._enqueue(state, "message", self._message_api(state, chat, msg))

    def user_shares_contact(
        self, user: UserRef, phone_number: str, *, bot: str | None = None
    ) -> int | None:
        """The user shares their own contact (a request_contact keyboard button)."""
        state = self._bot(bot)
        tg = self._user(user)
        chat = self._open_chat(state, tg)
        msg = self._store(state, chat, from_bot=False)
        msg.contact = {"phone_number": phone_number, "first_name": tg.first_name, "user_id": tg.id}
        if tg.last_name:
            msg.contact["last_name"] = tg.last_name
        if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard_hidden = True
        return self._enqueue(state, "message", self._message_api(state, chat, msg))

    def user_presses(
        self, user: UserRef, message_id: int, callback_data: str, *, bot: str | None = None
    ) -> int | None:
        """The user taps an inline button; the data is not checked (forgeries allowed)."""
        state = self._bot(bot)
        tg = self._user(user)
        chat = state.chats.get(tg.id)
        if chat is None or message_id not in chat.messages:
            raise LookupError(f"no message {message_id} in chat {tg.id}")
        msg = chat.messages[message_id]
        if msg.deleted:
            raise LookupError(f"message {message_id} in chat {tg.id} was deleted")
        query_id = str(next(self._query_ids))
        state.queries[query_id] = _Query(user_id=tg.id, message_id=message_id, created=self.clock())
        query = {
            "id": query_id,
            "from": tg.to_api(),
            "message": self._message_api(state, chat, msg),
            "chat_instance": str(zlib.crc32(f"{state.id}:{tg.id}".encode()) * 1000 + 7),
            "data": callback_data,
        }
        return self._enqueue(state, "callback_query", query)

    def messages(
        self, chat_id: int, *, bot: str | None = None, include_deleted: bool = True
    ) -> list[ChatMessage]:
        """Bot and user messages of a chat in order (snapshots with current content)."""
        chat = self._bot(bot).chats.get(chat_id)
        if chat is None:
            return []
        return [m.snapshot() for m in chat.messages.values() if include_deleted or not m.deleted]

    def reply_keyboard(self, chat_id: int, *, bot: str | None = None) -> dict[str, Any] | None:
        """The reply keyboard currently shown in the chat (None if removed/never sent)."""
        chat = self._bot(bot).chats.get(chat_id)
        return None if chat is None else chat.reply_keyboard

    def chat_action(self, chat_id: int, *, bot: str | None = None) -> str | None:
        """The last sendChatAction in the chat."""
        chat = self._bot(bot).chats.get(chat_id)
        return None if chat is None else chat.last_action

    def is_blocked(self, chat_id: int, *, bot: str | None = None) -> bool:
        """Whether the user has blocked the bot."""
        chat = self._bot(bot).chats.get(chat_id)
        return bool(chat and chat.blocked)

    def callback_answers(
        self, user_id: int | None = None, *, bot: str | None = None
    ) -> list[CallbackAnswer]:
        """answerCallbackQuery calls, oldest first (optionally for one user)."""
        answers = self._bot(bot).answers
        return [a for a in answers if user_id is None or a.user_id == user_id]

    def commands(
        self,
        bot: str | None = None,
        *,
        scope: dict[str, Any] | None = None,
        language_code: str = "",
    ) -> list[dict[str, Any]]:
        """Commands set for exactly this scope/language (like getMyCommands)."""
        key = (_scope_key(scope or {"type": "default"}), language_code or "")
        return [dict(c) for c in self._bot(bot).commands.get(key, [])]

    def visible_commands(
        self, user_id: int, *, bot: str | None = None, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        """The command menu a private-chat user sees (scope/language fallback as Telegram)."""
        state = self._bot(bot)
        if language_code is None:
            language_code = self._users[user_id].language_code if user_id in self._users else ""
        scopes = [
            {"type": "chat", "chat_id": user_id},
            {"type": "all_private_chats"},
            {"type": "default"},
        ]
        for scope in scopes:
            for lang in (language_code or "", ""):
                found = state.commands.get((_scope_key(scope), lang))
                if found:
                    return [dict(c) for c in found]
        return []

    def file(self, file_id: str) -> StoredFile:
        """A stored file by file_id."""
        return self._files[file_id]

    # ---------------------------------------------------------------- synchronisation

    async def wait_handled(
        self,
        update_id: int | None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test API, callers pass seconds
    ) -> None:
        """Wait until the bot confirmed ``update_id``, has nothing in flight and went quiet.

        Confirmation = a getUpdates with offset > update_id.  With ``handle_as_tasks=True``
        aiogram confirms before handling, so we also require no in-flight request and no
        request for ``quiet_period`` seconds (and, if :meth:`track` was used, the handler
        to have returned).  ``update_id=None`` waits for every bot to go quiet.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        bots: list[_Bot]
        if update_id is None:
            bots = list(self._bots.values())
        else:
            bots = [self._bots[self._update_owner[update_id]]]
        while True:
            if all(self._settled(b, update_id) for b in bots):
                return
            if loop.time() >= deadline:
                raise TimeoutError(self._diagnose(bots, update_id, timeout))
            await asyncio.sleep(0.005)

    async def wait_polling(
        self,
        *,
        bot: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test API
    ) -> None:
        """Wait until the bot has a long poll waiting, i.e. polling is up and filtering set."""
        state = self._bot(bot)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while state.poll_future is None or state.poll_future.done():
            if loop.time() >= deadline:
                raise TimeoutError(self._diagnose([state], None, timeout))
            await asyncio.sleep(0.005)

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until no bot request is in flight and all bots have been quiet."""
        await self.wait_handled(None, timeout)

    def _settled(self, bot: _Bot, update_id: int | None) -> bool:
        if update_id is not None and update_id not in bot.dropped:
            if bot.confirmed_offset <= update_id:
                return False
            if bot.tracked and update_id not in bot.processed:
                return False
        if bot.inflight or bot.busy > 0:
            return False
        if any(probe() for probe in bot.busy_probes):
            return False
        return time.monotonic() - bot.last_activity >= self.quiet_period

    def _diagnose(self, bots: list[_Bot], update_id: int | None, timeout: float) -> str:
        parts = [f"update {update_id} not handled within {timeout}s:"]
        for b in bots:
            pending = b.poll_future is not None and not b.poll_future.done()
            parts.append(
                f"bot {b.username}: confirmed offset={b.confirmed_offset}, "
                f"getUpdates calls={b.polls}, long poll pending={pending}, "
                f"in flight={sorted(b.inflight.values())}, busy handlers={b.busy}"
            )
            if b.polls == 0:
                parts.append("  (the bot never called getUpdates: is polling running?)")
        if self.internal_errors:
            parts.append(f"fake server internal errors: {self.internal_errors!r}")
        return "\n".join(parts)

    # ---------------------------------------------------------------- request log helpers

    def max_sends_in_window(
        self,
        window: float = 1.0,
        *,
        chat_id: int | None = None,
        bot: str | None = None,
        methods: Iterable[str] = SEND_METHODS,
    ) -> int:
        """Max successful sends in any ``window``-second span (all chats or one chat)."""
        wanted = set(methods)
        times = sorted(
            r.t
            for r in self.requests
            if r.ok
            and r.method in wanted
            and (chat_id is None or r.chat_id == chat_id)
            and (bot is None or r.token == bot)
        )
        return _max_in_window(times, window)

    def max_sends_per_chat(
        self, window: float = 1.0, *, bot: str | None = None, methods: Iterable[str] = SEND_METHODS
    ) -> dict[int, int]:
        """For every chat: max successful sends in any ``window``-second span."""
        wanted = set(methods)
        per_chat: dict[int, list[float]] = {}
        for r in self.requests:
            if r.ok and r.method in wanted and r.chat_id is not None:
                if bot is None or r.token == bot:
                    per_chat.setdefault(r.chat_id, []).append(r.t)
        return {cid: _max_in_window(sorted(ts), window) for cid, ts in per_chat.items()}

    def calls(
        self, method: str | None = None, *, chat_id: int | None = None
    ) -> list[RequestRecord]:
        """Logged calls, optionally filtered by method name and chat."""
        return [
            r
            for r in self.requests
            if (method is None or r.method.lower() == method.lower())
            and (chat_id is None or r.chat_id == chat_id)
        ]

    # ---------------------------------------------------------------- HTTP layer

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        state = self._bots.get(token)
        entry = self._methods.get(raw_method.lower())
        method_name = entry[0] if entry else raw_method
        if state is None:
            err = TelegramError(401, "Unauthorized")
            self._log(token, method_name, None, err)
            return web.json_response(err.payload(), status=401)
        if entry is None:
            err = TelegramError(404, "Not Found")
            self._log(token, method_name, None, err)
            return web.json_response(err.payload(), status=404)

        is_poll = method_name == "getUpdates"
        request_id = next(self._request_ids)
        if not is_poll:
            state.inflight[request_id] = method_name
        state.last_activity = time.monotonic()
        chat_id: int | None = None
        try:
            try:
                params = await self._read_params(request)
            except web.HTTPRequestEntityTooLarge as exc:
                raise TelegramError(413, "Request Entity Too Large") from exc
            chat_id = params.int("chat_id")
            self._forced_failure(state, method_name, chat_id)
            result = await entry[1](state, params)
        except TelegramError as err:
            self._log(token, method_name, chat_id, err)
            return web.json_response(err.payload(), status=err.code)
        except Exception as exc:  # a bug in the fake: surface it loudly in tests
            log.exception("fakegram internal error in %s", method_name)
            self.internal_errors.append(exc)
            err = TelegramError(500, "Internal Server Error")
            self._log(token, method_name, chat_id, err)
            return web.json_response(err.payload(), status=500)
        finally:
            state.inflight.pop(request_id, None)
            state.last_activity = time.monotonic()
        self._log(token, method_name, chat_id, None)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        path = request.match_info["path"]
        state = self._bots.get(token)
        stored = self._files_by_path.get(path)
        if state is None:
            return web.json_response(TelegramError(401, "Unauthorized").payload(), status=401)
        if stored is None:
            return web.json_response(TelegramError(404, "Not Found").payload(), status=404)
        state.last_activity = time.monotonic()
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _read_params(self, request: web.Request) -> _Params:
        data: dict[str, Any] = dict(request.query)
        files: dict[str, _Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _bad("can't parse JSON encoded request") from exc
                if isinstance(body, dict):
                    data.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = _Upload(value.filename, value.file.read(), value.content_type)
                    else:
                        data[key] = value
        return _Params(data, files)

    def _log(self, token: str, method: str, chat_id: int | None, err: TelegramError | None) -> None:
        self.requests.append(
            RequestRecord(
                t=self.clock(),
                real_t=time.monotonic(),
                token=token,
                method=method,
                chat_id=chat_id,
                ok=err is None,
                error_code=None if err is None else err.code,
                description=None if err is None else err.description,
            )
        )

    def _forced_failure(self, bot: _Bot, method: str, chat_id: int | None) -> None:
        for failure in self._failures:
            if failure.method is None and method == "getUpdates":
                continue  # "any method" means the bot's own calls, not its polling
            if failure.method is not None and failure.method != method.lower():
                continue
            if failure.chat_id is not None and failure.chat_id != chat_id:
                continue
            if failure.token is not None and failure.token != bot.token:
                continue
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
            raise TelegramError(failure.code, failure.description, failure.retry_after)

    # ---------------------------------------------------------------- internals

    def _bot(self, token: str | None) -> _Bot:
        if token is not None:
            try:
                return self._bots[token]
            except KeyError:
                raise LookupError(f"bot {token!r} is not registered (add_bot)") from None
        if len(self._bots) != 1:
            raise LookupError(f"pass bot=...: {len(self._bots)} bots are registered")
        return next(iter(self._bots.values()))

    def _user(self, user: UserRef) -> TgUser:
        if isinstance(user, TgUser):
            known = self._users.get(user.id)
            if known is None:
                self._users[user.id] = user
                return user
            if known is not user:
                known.first_name = user.first_name
                known.last_name = user.last_name
                known.username = user.username
                known.language_code = user.language_code
            return known
        if user not in self._users:
            self._users[user] = TgUser(id=user)
        return self._users[user]

    def _open_chat(self, bot: _Bot, user: TgUser) -> _Chat:
        chat = bot.chats.get(user.id)
        if chat is None:
            chat = bot.chats[user.id] = _Chat(user=user)
        elif chat.blocked:
            self._set_blocked(bot, user.id, False)
        return chat

    def _set_blocked(self, bot: _Bot, chat_id: int, blocked: bool) -> int | None:
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"chat {chat_id} never talked to the bot")
        if chat.blocked == blocked:
            return None
        chat.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot_user = bot.user_api()
        update = {
            "chat": chat.user.chat_api(),
            "from": chat.user.to_api(),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot_user},
            "new_chat_member": {"status": new, "user": bot_user},
        }
        for member in (update["old_chat_member"], update["new_chat_member"]):
            if member["status"] == "kicked":
                member["until_date"] = 0
        self._notify(bot, chat_id)
        return self._enqueue(bot, "my_chat_member", update)

    def _enqueue(self, bot: _Bot, kind: str, payload: dict[str, Any]) -> int | None:
        allowed = bot.allowed_updates
        if allowed:
            if kind not in allowed:
                return None
        elif kind in _DEFAULT_EXCLUDED_UPDATES:
            return None
        update_id = next(self._update_ids)
        self._update_owner[update_id] = bot.token
        bot.updates.append({"update_id": update_id, kind: payload})
        self._wake(bot, "update")
        return update_id

    def _wake(self, bot: _Bot, reason: str) -> None:
        future = bot.poll_future
        if future is not None and not future.done():
            future.set_result(reason)

    def _notify(self, bot: _Bot, chat_id: int) -> None:
        for listener in self._listeners:
            try:
                listener(bot.token, chat_id)
            except Exception:  # a UI listener must never break the API
                log.exception("fakegram listener failed")

    def _store(self, bot: _Bot, chat: _Chat, *, from_bot: bool) -> ChatMessage:
        if not from_bot:
            chat.force_reply = False
        msg = ChatMessage(
            message_id=chat.next_message_id,
            chat_id=chat.user.id,
            from_bot=from_bot,
            sender_id=bot.id if from_bot else chat.user.id,
            date=int(time.time()),
            created_at=self.clock(),
        )
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        self._notify(bot, chat.user.id)
        return msg

    def _use_reply_keyboard(self, chat: _Chat, text: str) -> None:
        keyboard = chat.reply_keyboard
        if not keyboard or not keyboard.get("one_time_keyboard"):
            return
        labels = {b["text"] for row in keyboard.get("keyboard", []) for b in row}
        if text in labels:
            chat.reply_keyboard_hidden = True

    def _message_api(
        self, bot: _Bot, chat: _Chat, msg: ChatMessage, nested: bool = False
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": bot.user_api() if msg.from_bot else chat.user.to_api(),
            "chat": chat.user.chat_api(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.protect_content:
            data["has_protected_content"] = True
        if msg.reply_to_message_id is not None and not nested:
            original = chat.messages.get(msg.reply_to_message_id)
            if original is not None and not original.deleted:
                data["reply_to_message"] = self._message_api(bot, chat, original, nested=True)
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = [dict(e) for e in msg.entities]
        if msg.document is not None:
            doc = msg.document
            data["document"] = {
                "file_id": doc.file_id,
                "file_unique_id": doc.file_unique_id,
                "file_size": doc.size,
            }
            if doc.filename:
                data["document"]["file_name"] = doc.filename
            if doc.mime_type:
                data["document"]["mime_type"] = doc.mime_type
        if msg.photo is not None:
            data["photo"] = _photo_sizes(msg.photo)
        if msg.contact is not None:
            data["contact"] = dict(msg.contact)
        if msg.caption is not None:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = [dict(e) for e in msg.caption_entities]
        if msg.reply_markup is not None:
            data["reply_markup"] = msg.reply_markup
        return data

    def _new_file(
        self,
        kind: Literal["document", "photo"],
        data: bytes,
        filename: str | None,
        mime_type: str | None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        number = next(self._file_ids)
        prefix = "BQACAgIAAxkBAAI" if kind == "document" else "AgACAgIAAxkBAAI"
        file_id = f"{prefix}{number:06d}{secrets.token_urlsafe(12)}"
        if kind == "photo":
            path = f"photos/file_{number}.jpg"
        else:
            ext = ""
            if filename and "." in filename:
                ext = "." + filename.rsplit(".", 1)[1]
            path = f"documents/file_{number}{ext}"
        if mime_type is None and kind == "document" and filename:
            mime_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            kind=kind,
            data=data,
            filename=filename,
            mime_type=mime_type,
            file_path=path,
            width=width,
            height=height,
        )
        self._files[file_id] = stored
        if kind == "photo":
            self._files[file_id + "_s"] = stored  # the thumbnail PhotoSize
        self._files_by_path[path] = stored
        return stored

    # --- shared validation

    def _chat(self, bot: _Bot, params: _Params) -> _Chat:
        raw = params.str("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id = params.int("chat_id")
        chat = bot.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_blocked(self, chat: _Chat) -> None:
        if chat.blocked:
            raise TelegramError(403, _BLOCKED)

    def _flood(self, bot: _Bot, chat_id: int, kind: Literal["send", "edit"]) -> None:
        if not self.flood_control:
            return
        now = self.clock()
        lim = self.limits
        keys: list[tuple[Any, float, int]]
        if kind == "send":
            keys = [
                ("global", lim.global_per_second, lim.global_burst),
                (("chat", chat_id), lim.per_chat_per_second, lim.per_chat_burst),
            ]
        else:
            keys = [(("edit", chat_id), lim.edits_per_chat_per_second, lim.edits_per_chat_burst)]
        buckets = []
        wait = 0.0
        for key, rate, burst in keys:
            bucket = bot.buckets.get(key)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                bucket = bot.buckets[key] = _Bucket(rate, burst, now)
            wait = max(wait, bucket.wait_time(now))
            buckets.append(bucket)
        if wait > 0:
            raise _too_many(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()

    def _markup(self, params: _Params, *, inline_only: bool = False) -> dict[str, Any] | None:
        raw = params.json("reply_markup", "can't parse reply keyboard markup JSON object")
        return self._parse_markup(raw, inline_only=inline_only)

    def _parse_markup(self, raw: Any, *, inline_only: bool) -> dict[str, Any] | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            return _validate_inline_keyboard(raw["inline_keyboard"])
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
            norm_rows = []
            for row in rows:
                norm_row = []
                for button in row:
                    if isinstance(button, str):
                        button = {"text": button}
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise _bad(
                            'can\'t parse keyboard button: Field "text" must be of type String'
                        )
                    norm_row.append(dict(button))
                if norm_row:
                    norm_rows.append(norm_row)
            markup = {k: v for k, v in raw.items() if k != "keyboard"}
            markup["keyboard"] = norm_rows
            return markup
        if raw.get("remove_keyboard"):
            return {"remove_keyboard": True}
        if raw.get("force_reply"):
            return {k: v for k, v in raw.items() if k in ("force_reply", "input_field_placeholder")}
        raise _bad("can't parse reply keyboard markup JSON object")

    def _reply_to(self, chat: _Chat, params: _Params) -> int | None:
        reply = params.json("reply_parameters", "can't parse reply parameters JSON object")
        message_id = params.int("reply_to_message_id")
        allow = params.bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply", allow))
        if message_id is None:
            return None
        target = chat.messages.get(int(message_id))
        if target is None or target.deleted:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return int(message_id)

    def _apply_markup(self, chat: _Chat, msg: ChatMessage, markup: dict[str, Any] | None) -> None:
        if markup is None:
            return
        if "inline_keyboard" in markup:
            msg.reply_markup = markup
            return
        msg.keyboard = markup
        if "keyboard" in markup:
            chat.reply_keyboard = markup
            chat.reply_keyboard_hidden = False
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        elif markup.get("force_reply"):
            chat.force_reply = True

    def _resolve_file(
        self, bot: _Bot, params: _Params, field_name: str, kind: Literal["document", "photo"]
    ) -> StoredFile:
        source = params.upload(field_name)
        if source is None:
            raise _bad(f"there is no {kind} in the request")
        if isinstance(source, str):
            if re.match(r"^[a-zA-Z]+://", source):
                raise _bad("failed to get HTTP URL content")
            stored = self._files.get(source)
            if stored is None:
                raise _bad("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise _bad(
                    f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
                )
            return stored
        if not source.data:
            raise _bad("file must be non-empty")
        if kind == "document":
            if len(source.data) > UPLOAD_LIMIT:
                raise TelegramError(413, "Request Entity Too Large")
            content_type = source.content_type
            if content_type in (None, "application/octet-stream"):
                content_type = None
            return self._new_file("document", source.data, source.filename, content_type)
        if len(source.data) > PHOTO_LIMIT:
            raise _bad("PHOTO_INVALID_DIMENSIONS")
        width, height = _image_size(source.data)
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise _bad("PHOTO_INVALID_DIMENSIONS")
        return self._new_file("photo", source.data, source.filename, "image/jpeg", width, height)

    def _caption(
        self, params: _Params, prefix: str = ""
    ) -> tuple[str | None, list[dict[str, Any]]]:
        return format_text(
            params.str(prefix + "caption"),
            params.str(prefix + "parse_mode"),
            params.raw(prefix + "caption_entities"),
            limit=CAPTION_LIMIT,
            too_long="message caption is too long",
            empty=None,
        )

    def _target(self, bot: _Bot, params: _Params, action: str) -> tuple[_Chat, ChatMessage]:
        if params.str("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline mode is not simulated
        chat = self._chat(bot, params)
        message_id = params.int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise _bad(f"message to {action} not found")
        return chat, msg

    def _send_common(
        self, bot: _Bot, params: _Params
    ) -> tuple[_Chat, dict[str, Any] | None, int | None]:
        markup = self._markup(params)
        chat = self._chat(bot, params)
        reply_to = self._reply_to(chat, params)
        self._check_blocked(chat)
        self._flood(bot, chat.user.id, "send")
        return chat, markup, reply_to

    def _finish_send(
        self,
        bot: _Bot,
        chat: _Chat,
        params: _Params,
        markup: dict[str, Any] | None,
        reply_to: int | None,
        **content: Any,
    ) -> dict[str, Any]:
        msg = self._store(bot, chat, from_bot=True)
        for key, value in content.items():
            setattr(msg, key, value)
        msg.reply_to_message_id = reply_to
        msg.protect_content = params.bool("protect_content")
        self._apply_markup(chat, msg, markup)
        chat.last_action = None
        return self._message_api(bot, chat, msg)

    def _edited(self, bot: _Bot, chat: _Chat, msg: ChatMessage) -> dict[str, Any]:
        msg.edit_count += 1
        msg.edit_date = int(time.time())
        self._notify(bot, chat.user.id)
        return self._message_api(bot, chat, msg)

    # ---------------------------------------------------------------- API methods

    async def _m_get_me(self, bot: _Bot, params: _Params) -> Any:
        return bot.user_api(full=True)

    async def _m_log_out(self, bot: _Bot, params: _Params) -> Any:
        return True

    async def _m_close(self, bot: _Bot, params: _Params) -> Any:
        return True

    async def _m_set_webhook(self, bot: _Bot, params: _Params) -> Any:
        url = params.str("url") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        bot.webhook_url = url
        self._wake(bot, "webhook")
        return True

    async def _m_delete_webhook(self, bot: _Bot, params: _Params) -> Any:
        bot.webhook_url = ""
        if params.bool("drop_pending_updates"):
            for update in bot.updates:
                bot.dropped.add(update["update_id"])
            bot.updates.clear()
        return True

    async def _m_get_webhook_info(self, bot: _Bot, params: _Params) -> Any:
        info: dict[str, Any] = {
            "url": bot.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(bot.updates),
        }
        if bot.allowed_updates:
            info["allowed_updates"] = list(bot.allowed_updates)
        return info

    async def _m_get_updates(self, bot: _Bot, params: _Params) -> Any:
        bot.polls += 1
        if bot.webhook_url:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.int("offset")
        limit = params.int("limit") or 100
        limit = min(max(limit, 1), 100)
        timeout = max(params.float("timeout") or 0.0, 0.0)
        allowed = params.json("allowed_updates", "can't parse allowed updates JSON object")
        if isinstance(allowed, list):
            bot.allowed_updates = [str(a) for a in allowed]
        if offset is not None:
            if offset < 0:
                keep = bot.updates[offset:]
                for update in bot.updates[: len(bot.updates) - len(keep)]:
                    bot.dropped.add(update["update_id"])
                bot.updates = list(keep)
            else:
                bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
                bot.confirmed_offset = max(bot.confirmed_offset, offset)
        # A newer getUpdates terminates the one still waiting (two pollers → 409 Conflict).
        self._wake(bot, "conflict")
        if not bot.updates and timeout > 0 and not self._stopping:
            future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            bot.poll_future = future
            try:
                reason = await asyncio.wait_for(future, timeout)
            except TimeoutError:
                reason = "timeout"
            finally:
                if bot.poll_future is future:
                    bot.poll_future = None
            if reason == "conflict":
                raise TelegramError(409, _DEFAULT_DESCRIPTIONS[409])
            if reason == "webhook":
                raise TelegramError(409, "Conflict: terminated by setWebhook request")
        return [dict(u) for u in bot.updates[:limit]]

    async def _m_send_message(self, bot: _Bot, params: _Params) -> Any:
        text, entities = format_text(
            params.str("text"),
            params.str("parse_mode"),
            params.raw("entities"),
            limit=TEXT_LIMIT,
            too_long="message is too long",
            empty="message text is empty",
        )
        chat, markup, reply_to = self._send_common(bot, params)
        return self._finish_send(bot, chat, params, markup, reply_to, text=text, entities=entities)

    async def _m_send_document(self, bot: _Bot, params: _Params) -> Any:
        caption, caption_entities = self._caption(params)
        markup = self._markup(params)
        chat = self._chat(bot, params)
        stored = self._resolve_file(bot, params, "document", "document")
        chat, markup, reply_to = self._send_common(bot, params)
        return self._finish_send(
            bot,
            chat,
            params,
            markup,
            reply_to,
            document=stored,
            caption=caption,
            caption_entities=caption_entities,
        )

    async def _m_send_photo(self, bot: _Bot, params: _Params) -> Any:
        caption, caption_entities = self._caption(params)
        self._markup(params)
        self._chat(bot, params)
        stored = self._resolve_file(bot, params, "photo", "photo")
        chat, markup, reply_to = self._send_common(bot, params)
        return self._finish_send(
            bot,
            chat,
            params,
            markup,
            reply_to,
            photo=stored,
            caption=caption,
            caption_entities=caption_entities,
        )

    async def _m_send_contact(self, bot: _Bot, params: _Params) -> Any:
        phone, first_name = params.str("phone_number"), params.str("first_name")
        if not phone:
            raise _bad("phone number is empty")  # pragma: no cover - rarely used
        if not first_name:
            raise _bad("first name is empty")
        contact = {"phone_number": phone, "first_name": first_name}
        if params.str("last_name"):
            contact["last_name"] = params.str("last_name") or ""
        chat, markup, reply_to = self._send_common(bot, params)
        return self._finish_send(bot, chat, params, markup, reply_to, contact=contact)

    async def _m_send_chat_action(self, bot: _Bot, params: _Params) -> Any:
        action = params.str("action")
        chat = self._chat(bot, params)
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_blocked(chat)
        chat.last_action = action
        return True

    async def _m_edit_message_text(self, bot: _Bot, params: _Params) -> Any:
        text, entities = format_text(
            params.str("text"),
            params.str("parse_mode"),
            params.raw("entities"),
            limit=TEXT_LIMIT,
            too_long="message is too long",
            empty="message text is empty",
        )
        markup = self._markup(params, inline_only=True)
        chat, msg = self._target(bot, params, "edit")
        if not msg.from_bot:
            raise _bad("message can't be edited")
        if msg.text is None:
            raise _bad("there is no text in the message to edit")
        if msg.text == text and msg.entities == entities and msg.reply_markup == markup:
            raise _bad(_NOT_MODIFIED)
        self._check_blocked(chat)
        self._flood(bot, chat.user.id, "edit")
        msg.history.append(msg.content)
        msg.text, msg.entities, msg.reply_markup = text, entities, markup
        return self._edited(bot, chat, msg)

    async def _m_edit_message_caption(self, bot: _Bot, params: _Params) -> Any:
        caption, caption_entities = self._caption(params)
        markup = self._markup(params, inline_only=True)
        chat, msg = self._target(bot, params, "edit")
        if not msg.from_bot:
            raise _bad("message can't be edited")
        if msg.document is None and msg.photo is None:
            raise _bad("there is no caption in the message to edit")
        if (
            msg.caption == caption
            and msg.caption_entities == caption_entities
            and msg.reply_markup == markup
        ):
            raise _bad(_NOT_MODIFIED)
        self._check_blocked(chat)
        self._flood(bot, chat.user.id, "edit")
        msg.history.append(msg.content)
        msg.caption, msg.caption_entities, msg.reply_markup = caption, caption_entities, markup
        return self._edited(bot, chat, msg)

    async def _m_edit_message_reply_markup(self, bot: _Bot, params: _Params) -> Any:
        markup = self._markup(params, inline_only=True)
        chat, msg = self._target(bot, params, "edit")
        if not msg.from_bot:
            raise _bad("message can't be edited")
        if msg.reply_markup == markup:
            raise _bad(_NOT_MODIFIED)
        self._check_blocked(chat)
        self._flood(bot, chat.user.id, "edit")
        msg.history.append(msg.content)
        msg.reply_markup = markup
        return self._edited(bot, chat, msg)

    async def _m_edit_message_media(self, bot: _Bot, params: _Params) -> Any:
        media = params.json("media", "can't parse InputMedia JSON object")
        if not isinstance(media, dict) or media.get("type") not in ("document", "photo"):
            raise _bad("can't parse InputMedia JSON object")  # only document/photo simulated
        kind = media["type"]
        inner = _Params(dict(media), params.files)
        caption, caption_entities = self._caption(inner)
        markup = self._markup(params, inline_only=True)
        chat, msg = self._target(bot, params, "edit")
        if not msg.from_bot:
            raise _bad("message can't be edited")
        if msg.document is None and msg.photo is None:
            raise _bad("there is no media in the message to edit")
        stored = self._resolve_file(bot, inner, "media", kind)
        self._check_blocked(chat)
        self._flood(bot, chat.user.id, "edit")
        msg.history.append(msg.content)
        msg.document = stored if kind == "document" else None
        msg.photo = stored if kind == "photo" else None
        msg.caption, msg.caption_entities, msg.reply_markup = caption, caption_entities, markup
        return self._edited(bot, chat, msg)

    async def _m_delete_message(self, bot: _Bot, params: _Params) -> Any:
        chat, msg = self._target(bot, params, "delete")
        self._delete(bot, chat, msg)
        return True

    async def _m_delete_messages(self, bot: _Bot, params: _Params) -> Any:
        chat = self._chat(bot, params)
        ids = params.json("message_ids", "can't parse message identifiers JSON object")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message identifiers are not specified")
        found = [
            chat.messages[i] for i in ids if i in chat.messages and not chat.messages[i].deleted
        ]
        if not found:
            raise _bad("message to delete not found")
        for msg in found:
            self._delete(bot, chat, msg)
        return True

    def _delete(self, bot: _Bot, chat: _Chat, msg: ChatMessage) -> None:
        if self.clock() - msg.created_at > DELETE_WINDOW:
            raise _bad("message can't be deleted for everyone")
        msg.deleted = True
        self._notify(bot, chat.user.id)

    async def _m_answer_callback_query(self, bot: _Bot, params: _Params) -> Any:
        query_id = params.str("callback_query_id")
        text = params.str("text")
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
        query = bot.queries.get(query_id or "")
        expired = (
            query is not None
            and self.callback_query_timeout is not None
            and self.clock() - query.created > self.callback_query_timeout
        )
        if query is None or query.answered or expired:
            raise _bad(_QUERY_TOO_OLD)
        query.answered = True
        bot.answers.append(
            CallbackAnswer(
                query_id=query_id or "",
                user_id=query.user_id,
                message_id=query.message_id,
                text=text or None,
                show_alert=params.bool("show_alert"),
                url=params.str("url"),
                at=self.clock(),
            )
        )
        self._notify(bot, query.user_id)
        return True

    async def _m_set_my_commands(self, bot: _Bot, params: _Params) -> Any:
        commands = params.json("commands", "can't parse commands JSON object")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand: expected an Object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not _COMMAND_RE.match(command):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": command, "description": description})
        key = self._commands_key(params)
        if clean:
            bot.commands[key] = clean
        else:
            bot.commands.pop(key, None)
        return True

    async def _m_get_my_commands(self, bot: _Bot, params: _Params) -> Any:
        return [dict(c) for c in bot.commands.get(self._commands_key(params), [])]

    async def _m_delete_my_commands(self, bot: _Bot, params: _Params) -> Any:
        bot.commands.pop(self._commands_key(params), None)
        return True

    def _commands_key(self, params: _Params) -> tuple[str, str]:
        scope = params.json("scope", "can't parse BotCommandScope JSON object") or {
            "type": "default"
        }
        if not isinstance(scope, dict) or scope.get("type") not in (
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ):
            raise _bad("can't parse BotCommandScope JSON object")
        language = params.str("language_code") or ""
        if language and not re.match(r"^[a-z]{2}$", language):
            raise _bad("invalid language code specified")
        return _scope_key(scope), language

    async def _m_set_chat_menu_button(self, bot: _Bot, params: _Params) -> Any:
        button = params.json("menu_button", "can't parse menu button JSON object") or {
            "type": "default"
        }
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise _bad("can't parse menu button JSON object")
        if params.str("chat_id"):
            self._chat(bot, params).menu_button = button
        else:
            bot.default_menu_button = button
        return True

    async def _m_get_chat_menu_button(self, bot: _Bot, params: _Params) -> Any:
        if params.str("chat_id"):
            chat = self._chat(bot, params)
            if chat.menu_button is not None:
                return chat.menu_button
        return bot.default_menu_button or {"type": "commands"}

    async def _m_get_chat(self, bot: _Bot, params: _Params) -> Any:
        chat = self._chat(bot, params)
        data = chat.user.chat_api()
        data.update(
            accent_color_id=chat.user.id % 7,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        )
        return data

    async def _m_get_file(self, bot: _Bot, params: _Params) -> Any:
        stored = self._files.get(params.str("file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        if stored.size > DOWNLOAD_LIMIT:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _validate_inline_keyboard(rows: Any) -> dict[str, Any]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    total = sum(len(r) for r in rows)
    if total > MAX_INLINE_BUTTONS:
        raise _bad("reply markup is too long")
    norm_rows = []
    for row in rows:
        norm_row = []
        for button in row:
            if not isinstance(button, dict):
                raise _bad(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            text = button.get("text")
            if not isinstance(text, str):
                raise _bad(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not text.strip():
                raise _bad("BUTTON_TEXT_INVALID")
            actions = [a for a in _BUTTON_ACTIONS if button.get(a) is not None]
            if not actions:
                raise _bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if "callback_data" in actions:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise _bad("BUTTON_DATA_INVALID")
            if "url" in actions:
                url = button["url"]
                if not isinstance(url, str) or _check_link(url) is None:
                    raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
                host = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0].split(":", 1)[0]
                if url.startswith(("http://", "https://")) and (
                    host == "localhost" or "." not in host
                ):
                    raise _bad("BUTTON_URL_INVALID")
            norm = {"text": text}
            for action in actions:
                norm[action] = button[action]
            norm_row.append(norm)
        if norm_row:
            norm_rows.append(norm_row)
    return {"inline_keyboard": norm_rows}


def _scope_key(scope: dict[str, Any]) -> str:
    clean = {k: v for k, v in scope.items() if v is not None}
    for key in ("chat_id", "user_id"):
        if key in clean:
            with contextlib.suppress(TypeError, ValueError):
                clean[key] = int(clean[key])
    return json.dumps(clean, sort_keys=True)


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception as exc:  # PIL raises many kinds of errors for junk input
        raise _bad("IMAGE_PROCESS_FAILED") from exc


def _photo_sizes(photo: StoredFile) -> list[dict[str, Any]]:
    width, height = photo.width or 1, photo.height or 1
    sizes = []
    scale = min(1.0, 90 / max(width, height))
    if scale < 1.0:
        sizes.append(
            {
                "file_id": photo.file_id + "_s",
                "file_unique_id": photo.file_unique_id + "s",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": min(photo.size, 2000),
            }
        )
    sizes.append(
        {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "width": width,
            "height": height,
            "file_size": photo.size,
        }
    )
    return sizes


def _max_in_window(times: list[float], window: float) -> int:
    best = 0
    start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
