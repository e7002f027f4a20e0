"""Files: getFile and resolving an upload, a file_id or a URL into a stored file."""

from __future__ import annotations

import re
from typing import Any, Literal

from fakegram.errors import TelegramError, bad
from fakegram.limits import DOWNLOAD_LIMIT, PHOTO_LIMIT, UPLOAD_LIMIT
from fakegram.parsers import Params, image_size
from fakegram.state import Bot, ServerState, StoredFile


async def get_file(state: ServerState, bot: Bot, params: Params) -> Any:
    stored = state.files.get(params.str("file_id") or "")
    if stored is None:
        raise bad("invalid file_id")
    if stored.size > DOWNLOAD_LIMIT:
        raise bad("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


def resolve_file(
    state: ServerState,
    bot: Bot,
    params: Params,
    field_name: str,
    kind: Literal["document", "photo"],
) -> StoredFile:
    source = params.upload(field_name)
    if source is None:
        raise bad(f"there is no {kind} in the request")
    if isinstance(source, str):
        if re.match(r"^[a-zA-Z]+://", source):
            raise bad("failed to get HTTP URL content")
        stored = state.files.get(source)
        if stored is None:
            raise bad("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad(f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}")
        return stored
    if not source.data:
        raise bad("file must be non-empty")
    if kind == "document":
        if len(source.data) > UPLOAD_LIMIT:
            raise TelegramError(413, "Request Entity Too Large")
        content_type = source.content_type
        if content_type in (None, "application/octet-stream"):
            content_type = None
        return state.new_file("document", source.data, source.filename, content_type)
    if len(source.data) > PHOTO_LIMIT:
        raise bad("PHOTO_INVALID_DIMENSIONS")
    width, height = image_size(source.data)
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad("PHOTO_INVALID_DIMENSIONS")
    return state.new_file("photo", source.data, source.filename, "image/jpeg", width, height)
