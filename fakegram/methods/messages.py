"""Sending: sendMessage, sendDocument, sendPhoto, sendContact, sendChatAction."""

from __future__ import annotations

from typing import Any

from fakegram.entities import format_text
from fakegram.errors import bad
from fakegram.limits import TEXT_LIMIT
from fakegram.methods.files import resolve_file
from fakegram.parsers import Params, read_caption, read_markup
from fakegram.state import Bot, Chat, ChatMessage, ServerState

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


async def send_message(state: ServerState, bot: Bot, params: Params) -> Any:
    text, entities = format_text(
        params.str("text"),
        params.str("parse_mode"),
        params.raw("entities"),
        limit=TEXT_LIMIT,
        too_long="message is too long",
        empty="message text is empty",
    )
    chat, markup, reply_to = send_common(state, bot, params)
    return finish_send(state, bot, chat, params, markup, reply_to, text=text, entities=entities)


async def send_document(state: ServerState, bot: Bot, params: Params) -> Any:
    caption, caption_entities = read_caption(params)
    markup = read_markup(params)
    chat = state.chat(bot, params)
    stored = resolve_file(state, bot, params, "document", "document")
    chat, markup, reply_to = send_common(state, bot, params)
    return finish_send(
        state,
        bot,
        chat,
        params,
        markup,
        reply_to,
        document=stored,
        caption=caption,
        caption_entities=caption_entities,
    )


async def send_photo(state: ServerState, bot: Bot, params: Params) -> Any:
    caption, caption_entities = read_caption(params)
    read_markup(params)
    state.chat(bot, params)
    stored = resolve_file(state, bot, params, "photo", "photo")
    chat, markup, reply_to = send_common(state, bot, params)
    return finish_send(
        state,
        bot,
        chat,
        params,
        markup,
        reply_to,
        photo=stored,
        caption=caption,
        caption_entities=caption_entities,
    )


async def send_contact(state: ServerState, bot: Bot, params: Params) -> Any:
    phone, first_name = params.str("phone_number"), params.str("first_name")
    if not phone:
        raise bad("phone number is empty")  # pragma: no cover - rarely used
    if not first_name:
        raise bad("first name is empty")
    contact = {"phone_number": phone, "first_name": first_name}
    if params.str("last_name"):
        contact["last_name"] = params.str("last_name") or ""
    chat, markup, reply_to = send_common(state, bot, params)
    return finish_send(state, bot, chat, params, markup, reply_to, contact=contact)


async def send_chat_action(state: ServerState, bot: Bot, params: Params) -> Any:
    action = params.str("action")
    chat = state.chat(bot, params)
    if action not in _CHAT_ACTIONS:
        raise bad("wrong parameter action in request")
    state.check_blocked(chat)
    chat.last_action = action
    return True


def send_common(
    state: ServerState, bot: Bot, params: Params
) -> tuple[Chat, dict[str, Any] | None, int | None]:
    markup = read_markup(params)
    chat = state.chat(bot, params)
    reply_to = reply_target(chat, params)
    state.check_blocked(chat)
    state.flood(bot, chat.user.id, "send")
    return chat, markup, reply_to


def finish_send(
    state: ServerState,
    bot: Bot,
    chat: Chat,
    params: Params,
    markup: dict[str, Any] | None,
    reply_to: int | None,
    **content: Any,
) -> dict[str, Any]:
    msg = state.store(bot, chat, from_bot=True)
    for key, value in content.items():
        setattr(msg, key, value)
    msg.reply_to_message_id = reply_to
    msg.protect_content = params.bool("protect_content")
    apply_markup(chat, msg, markup)
    chat.last_action = None
    return state.message_api(bot, chat, msg)


def reply_target(chat: Chat, params: Params) -> int | None:
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
        raise bad("message to be replied not found")
    return int(message_id)


def apply_markup(chat: Chat, msg: ChatMessage, markup: dict[str, Any] | None) -> None:
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
