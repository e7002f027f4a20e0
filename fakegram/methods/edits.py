"""Editing and deleting: editMessageText/Caption/ReplyMarkup/Media, deleteMessage(s)."""

from __future__ import annotations

import time
from typing import Any

from fakegram.entities import format_text
from fakegram.errors import NOT_MODIFIED, bad
from fakegram.limits import DELETE_WINDOW, TEXT_LIMIT
from fakegram.methods.files import resolve_file
from fakegram.parsers import Params, read_caption, read_markup
from fakegram.state import Bot, Chat, ChatMessage, ServerState


async def edit_message_text(state: ServerState, bot: Bot, params: Params) -> Any:
    text, entities = format_text(
        params.str("text"),
        params.str("parse_mode"),
        params.raw("entities"),
        limit=TEXT_LIMIT,
        too_long="message is too long",
        empty="message text is empty",
    )
    markup = read_markup(params, inline_only=True)
    chat, msg = target(state, bot, params, "edit")
    if not msg.from_bot:
        raise bad("message can't be edited")
    if msg.text is None:
        raise bad("there is no text in the message to edit")
    if msg.text == text and msg.entities == entities and msg.reply_markup == markup:
        raise bad(NOT_MODIFIED)
    state.check_blocked(chat)
    state.flood(bot, chat.user.id, "edit")
    msg.history.append(msg.content)
    msg.text, msg.entities, msg.reply_markup = text, entities, markup
    return edited(state, bot, chat, msg)


async def edit_message_caption(state: ServerState, bot: Bot, params: Params) -> Any:
    caption, caption_entities = read_caption(params)
    markup = read_markup(params, inline_only=True)
    chat, msg = target(state, bot, params, "edit")
    if not msg.from_bot:
        raise bad("message can't be edited")
    if msg.document is None and msg.photo is None:
        raise bad("there is no caption in the message to edit")
    if (
        msg.caption == caption
        and msg.caption_entities == caption_entities
        and msg.reply_markup == markup
    ):
        raise bad(NOT_MODIFIED)
    state.check_blocked(chat)
    state.flood(bot, chat.user.id, "edit")
    msg.history.append(msg.content)
    msg.caption, msg.caption_entities, msg.reply_markup = caption, caption_entities, markup
    return edited(state, bot, chat, msg)


async def edit_message_reply_markup(state: ServerState, bot: Bot, params: Params) -> Any:
    markup = read_markup(params, inline_only=True)
    chat, msg = target(state, bot, params, "edit")
    if not msg.from_bot:
        raise bad("message can't be edited")
    if msg.reply_markup == markup:
        raise bad(NOT_MODIFIED)
    state.check_blocked(chat)
    state.flood(bot, chat.user.id, "edit")
    msg.history.append(msg.content)
    msg.reply_markup = markup
    return edited(state, bot, chat, msg)


async def edit_message_media(state: ServerState, bot: Bot, params: Params) -> Any:
    media = params.json("media", "can't parse InputMedia JSON object")
    if not isinstance(media, dict) or media.get("type") not in ("document", "photo"):
        raise bad("can't parse InputMedia JSON object")  # only document/photo simulated
    kind = media["type"]
    inner = Params(dict(media), params.files)
    caption, caption_entities = read_caption(inner)
    markup = read_markup(params, inline_only=True)
    chat, msg = target(state, bot, params, "edit")
    if not msg.from_bot:
        raise bad("message can't be edited")
    if msg.document is None and msg.photo is None:
        raise bad("there is no media in the message to edit")
    stored = resolve_file(state, bot, inner, "media", kind)
    state.check_blocked(chat)
    state.flood(bot, chat.user.id, "edit")
    msg.history.append(msg.content)
    msg.document = stored if kind == "document" else None
    msg.photo = stored if kind == "photo" else None
    msg.caption, msg.caption_entities, msg.reply_markup = caption, caption_entities, markup
    return edited(state, bot, chat, msg)


async def delete_message(state: ServerState, bot: Bot, params: Params) -> Any:
    chat, msg = target(state, bot, params, "delete")
    delete(state, bot, chat, msg)
    return True


async def delete_messages(state: ServerState, bot: Bot, params: Params) -> Any:
    chat = state.chat(bot, params)
    ids = params.json("message_ids", "can't parse message identifiers JSON object")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad("message identifiers are not specified")
    found = [chat.messages[i] for i in ids if i in chat.messages and not chat.messages[i].deleted]
    if not found:
        raise bad("message to delete not found")
    for msg in found:
        delete(state, bot, chat, msg)
    return True


def delete(state: ServerState, bot: Bot, chat: Chat, msg: ChatMessage) -> None:
    if state.clock() - msg.created_at > DELETE_WINDOW:
        raise bad("message can't be deleted for everyone")
    msg.deleted = True
    state.notify(bot, chat.user.id)


def target(state: ServerState, bot: Bot, params: Params, action: str) -> tuple[Chat, ChatMessage]:
    if params.str("inline_message_id"):
        raise bad("MESSAGE_ID_INVALID")  # inline mode is not simulated
    chat = state.chat(bot, params)
    message_id = params.int("message_id")
    if message_id is None:
        raise bad("message identifier is not specified")
    msg = chat.messages.get(message_id)
    if msg is None or msg.deleted:
        raise bad(f"message to {action} not found")
    return chat, msg


def edited(state: ServerState, bot: Bot, chat: Chat, msg: ChatMessage) -> dict[str, Any]:
    msg.edit_count += 1
    msg.edit_date = int(time.time())
    state.notify(bot, chat.user.id)
    return state.message_api(bot, chat, msg)
