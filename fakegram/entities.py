"""Text and entities: UTF-16 offsets, the HTML/MarkdownV2/Markdown parse modes, auto entities.

Ports of tdlib's parsers, with their error texts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fakegram.errors import EntityParseError, bad

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


def check_link(url: str) -> str | None:
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
        checked = check_link(url)
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
            kind, argument, i = _mdv2_open(text, i)
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
            i, skip_link = _mdv2_close_link(text, i, kind, "".join(out[out_index:]), entity)
            skip = skip or skip_link
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


def _mdv2_open(text: str, i: int) -> tuple[str, str, int]:
    """The entity an opening MarkdownV2 mark at ``text[i]`` starts: kind, argument, last index."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    c = text[i]
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
    return kind, argument, i


def _mdv2_close_link(
    text: str, i: int, kind: str, label: str, entity: dict[str, Any]
) -> tuple[int, bool]:
    """Read the ``(url)`` after a closing ']' into ``entity``: the last index, and whether the
    entity is dropped (an invalid URL)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    skip = False
    if at(i + 1) != "(":
        if kind == "custom_emoji":
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        url = label
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
            raise EntityParseError(f"Can't find end of a URL at byte offset {boff(url_begin)}")
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
                "first_name": label,
            }
        else:
            checked = check_link(url)
            if checked is None:
                skip = True
            else:
                entity["url"] = checked
    return i, skip


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
            checked = check_link(url or body)
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


def auto_entities(text: str, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


WHITESPACE = " \t\n\v\f"


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
            raise bad(empty)
        return None, []
    text = text.replace("\r", "")
    mode = (parse_mode or "").strip().lower()
    if mode and mode != "none":
        parser = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
        if mode not in parser:
            raise bad("unsupported parse_mode")
        try:
            plain, ents = parser[mode](text)
        except EntityParseError as exc:
            raise bad(f"can't parse entities: {exc}") from exc
        _finish_code_languages(ents)
    else:
        plain = text
        ents = _explicit_entities(entities, utf16_len(text))

    stripped = plain.lstrip(WHITESPACE)
    left = utf16_len(plain[: len(plain) - len(stripped)])
    plain = stripped.rstrip(WHITESPACE)
    total = utf16_len(plain)
    clipped: list[dict[str, Any]] = []
    for ent in ents:
        start = max(ent["offset"] - left, 0)
        end = min(ent["offset"] - left + ent["length"], total)
        if end > start:
            clipped.append({**ent, "offset": start, "length": end - start})
    if not plain:
        if empty is not None:
            raise bad(empty)
        return None, []
    if len(plain) > limit:
        raise bad(too_long)
    clipped.extend(auto_entities(plain, clipped))
    clipped.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, clipped


def _explicit_entities(raw: Any, total: int) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise bad("can't parse entities JSON object") from exc
    if not isinstance(raw, list):
        raise bad("can't parse entities JSON object")
    result = []
    for ent in raw:
        if not isinstance(ent, dict) or not isinstance(ent.get("type"), str):
            raise bad('can\'t parse MessageEntity: Field "type" must be of type String')
        offset, length = ent.get("offset"), ent.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise bad('can\'t parse MessageEntity: Field "offset" must be of type Number')
        if length <= 0 or offset < 0 or offset >= total:
            continue
        clean = {k: v for k, v in ent.items() if v is not None}
        clean["length"] = min(length, total - offset)
        result.append(clean)
    return result
