"""Reading and validating Bot API parameters: request bodies, uploads, markup, scopes, images."""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fakegram.entities import check_link, format_text
from fakegram.errors import bad
from fakegram.limits import CAPTION_LIMIT, MAX_INLINE_BUTTONS

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


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str | None


class Params:
    """Request parameters from the query string, JSON, urlencoded or multipart bodies."""

    def __init__(self, data: dict[builtins.str, Any], files: dict[builtins.str, Upload]) -> None:
        self.data = data
        self.files = files

    def raw(self, name: builtins.str) -> Any:
        return self.data.get(name)

    def str(self, name: builtins.str) -> builtins.str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def int(self, name: builtins.str) -> builtins.int | None:
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

    def float(self, name: builtins.str) -> builtins.float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    def bool(self, name: builtins.str) -> builtins.bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1", "yes")

    def json(self, name: builtins.str, error: builtins.str) -> Any:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad(error) from exc
        return value

    def upload(self, name: builtins.str) -> Upload | builtins.str | None:
        """A file: direct multipart field, ``attach://key`` reference, or a string id/URL."""
        if name in self.files:
            return self.files[name]
        value = self.str(name)
        if value is None:
            return None
        if value.startswith("attach://"):
            key = value[len("attach://") :]
            if key not in self.files:
                raise bad(f"there is no {name} in the request")
            return self.files[key]
        return value


async def read_params(request: web.Request) -> Params:
    data: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad("can't parse JSON encoded request") from exc
            if isinstance(body, dict):
                data.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.filename, value.file.read(), value.content_type)
                else:
                    data[key] = value
    return Params(data, files)


def read_markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    raw = params.json("reply_markup", "can't parse reply keyboard markup JSON object")
    return parse_markup(raw, inline_only=inline_only)


def parse_markup(raw: Any, *, inline_only: bool) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return validate_inline_keyboard(raw["inline_keyboard"])
    if inline_only:
        raise bad("inline keyboard expected")
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad("can't parse reply keyboard markup JSON object")
        norm_rows = []
        for row in rows:
            norm_row = []
            for button in row:
                if isinstance(button, str):
                    button = {"text": button}
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad('can\'t parse keyboard button: Field "text" must be of type String')
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
    raise bad("can't parse reply keyboard markup JSON object")


def validate_inline_keyboard(rows: Any) -> dict[str, Any]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    total = sum(len(r) for r in rows)
    if total > MAX_INLINE_BUTTONS:
        raise bad("reply markup is too long")
    norm_rows = []
    for row in rows:
        norm_row = []
        for button in row:
            if not isinstance(button, dict):
                raise bad(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            text = button.get("text")
            if not isinstance(text, str):
                raise bad(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not text.strip():
                raise bad("BUTTON_TEXT_INVALID")
            actions = [a for a in _BUTTON_ACTIONS if button.get(a) is not None]
            if not actions:
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if "callback_data" in actions:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
            if "url" in actions:
                url = button["url"]
                if not isinstance(url, str) or check_link(url) is None:
                    raise bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
                host = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0].split(":", 1)[0]
                if url.startswith(("http://", "https://")) and (
                    host == "localhost" or "." not in host
                ):
                    raise bad("BUTTON_URL_INVALID")
            norm = {"text": text}
            for action in actions:
                norm[action] = button[action]
            norm_row.append(norm)
        if norm_row:
            norm_rows.append(norm_row)
    return {"inline_keyboard": norm_rows}


def read_caption(params: Params, prefix: str = "") -> tuple[str | None, list[dict[str, Any]]]:
    return format_text(
        params.str(prefix + "caption"),
        params.str(prefix + "parse_mode"),
        params.raw(prefix + "caption_entities"),
        limit=CAPTION_LIMIT,
        too_long="message caption is too long",
        empty=None,
    )


def commands_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in (
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    ):
        raise bad("can't parse BotCommandScope JSON object")
    language = params.str("language_code") or ""
    if language and not re.match(r"^[a-z]{2}$", language):
        raise bad("invalid language code specified")
    return scope_key(scope), language


def scope_key(scope: dict[str, Any]) -> str:
    clean = {k: v for k, v in scope.items() if v is not None}
    for key in ("chat_id", "user_id"):
        if key in clean:
            with contextlib.suppress(TypeError, ValueError):
                clean[key] = int(clean[key])
    return json.dumps(clean, sort_keys=True)


def image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception as exc:  # PIL raises many kinds of errors for junk input
        raise bad("IMAGE_PROCESS_FAILED") from exc
