"""Checks of request bodies: text, format, inline keyboards and attachments."""

from __future__ import annotations

import html
import re
from typing import Any

from fakemax.errors import bad_request
from fakemax.limits import MAX_BUTTONS, MAX_ROW_BUTTONS, MAX_ROWS, TEXT_FORMATS, TEXT_LIMIT

BUTTON_TYPES = frozenset(
    {
        "callback",
        "link",
        "request_contact",
        "request_geo_location",
        "open_app",
        "message",
        "clipboard",
    }
)

MEDIA_TYPES = frozenset({"image", "video", "audio", "file"})

PAYLOAD_LIMIT = 1024
"""A callback button's payload, at most 1024 characters."""

_MD = re.compile(r"\*\*|__|~~|\+\+|`|\^\^")


def check_text(text: Any, fmt: Any) -> tuple[str | None, str | None]:
    """The text as stored (markup removed) and the format; raises on a bad one."""
    if fmt is not None and fmt not in TEXT_FORMATS:
        raise bad_request(f"Invalid format: {fmt!r}, expected one of markdown, html")
    if text is None:
        return None, fmt
    if not isinstance(text, str):
        raise bad_request("text: must be a string")
    if len(text) > TEXT_LIMIT:
        raise bad_request(f"text: size must be between 0 and {TEXT_LIMIT}")
    if fmt == "html":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    elif fmt == "markdown":
        text = _MD.sub("", text)
    return text, fmt


def check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("button: text is required")
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise bad_request(f"button: unknown type {kind!r}")
    if not button["text"] or len(button["text"]) > 128:
        raise bad_request("button.text: size must be between 1 and 128")
    if kind == "callback":
        payload = button.get("payload")
        if not isinstance(payload, str) or len(payload) > PAYLOAD_LIMIT:
            raise bad_request(f"button.payload: size must be between 0 and {PAYLOAD_LIMIT}")
    if kind == "link" and not isinstance(button.get("url"), str):
        raise bad_request("button.url: is required")


def check_keyboard(payload: Any) -> dict[str, Any]:
    """An ``inline_keyboard`` attachment's payload: at most 30 rows of 7, 210 in all."""
    rows = payload.get("buttons") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("inline_keyboard: buttons must be an array of arrays")
    if len(rows) > MAX_ROWS:
        raise bad_request(f"inline_keyboard: at most {MAX_ROWS} rows are allowed")
    for row in rows:
        if len(row) > MAX_ROW_BUTTONS:
            raise bad_request(f"inline_keyboard: at most {MAX_ROW_BUTTONS} buttons in a row")
        for button in row:
            check_button(button)
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request(f"inline_keyboard: at most {MAX_BUTTONS} buttons are allowed")
    return {"buttons": [[dict(button) for button in row] for row in rows]}
