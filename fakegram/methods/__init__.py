"""The Bot API methods the fake server answers, by their Telegram names.

Each is ``async def method(state, bot, params) -> result``, grouped by what it does: the
session and polling, sending, editing and deleting, callback queries, chat and bot info, files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fakegram.methods import callbacks, chats, edits, files, messages, session
from fakegram.parsers import Params
from fakegram.state import Bot, ServerState

Handler = Callable[[ServerState, Bot, Params], Awaitable[Any]]

METHODS: dict[str, Handler] = {
    "getMe": session.get_me,
    "logOut": session.log_out,
    "close": session.close,
    "setWebhook": session.set_webhook,
    "deleteWebhook": session.delete_webhook,
    "getWebhookInfo": session.get_webhook_info,
    "getUpdates": session.get_updates,
    "sendMessage": messages.send_message,
    "sendDocument": messages.send_document,
    "sendPhoto": messages.send_photo,
    "sendContact": messages.send_contact,
    "sendChatAction": messages.send_chat_action,
    "editMessageText": edits.edit_message_text,
    "editMessageReplyMarkup": edits.edit_message_reply_markup,
    "editMessageCaption": edits.edit_message_caption,
    "editMessageMedia": edits.edit_message_media,
    "answerCallbackQuery": callbacks.answer_callback_query,
    "deleteMessage": edits.delete_message,
    "deleteMessages": edits.delete_messages,
    "setMyCommands": chats.set_my_commands,
    "getMyCommands": chats.get_my_commands,
    "deleteMyCommands": chats.delete_my_commands,
    "setChatMenuButton": chats.set_chat_menu_button,
    "getChatMenuButton": chats.get_chat_menu_button,
    "getChat": chats.get_chat,
    "getFile": files.get_file,
}
