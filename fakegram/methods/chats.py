"""Chat and bot info: the command menus, the menu button, getChat."""

from __future__ import annotations

import re
from typing import Any

from fakegram.errors import bad
from fakegram.parsers import Params, commands_key
from fakegram.state import Bot, ServerState

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


async def set_my_commands(state: ServerState, bot: Bot, params: Params) -> Any:
    commands = params.json("commands", "can't parse commands JSON object")
    if not isinstance(commands, list):
        raise bad("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad("BOT_COMMANDS_TOO_MUCH")
    clean = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad("can't parse BotCommand: expected an Object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.match(command):
            raise bad("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": command, "description": description})
    key = commands_key(params)
    if clean:
        bot.commands[key] = clean
    else:
        bot.commands.pop(key, None)
    return True


async def get_my_commands(state: ServerState, bot: Bot, params: Params) -> Any:
    return [dict(c) for c in bot.commands.get(commands_key(params), [])]


async def delete_my_commands(state: ServerState, bot: Bot, params: Params) -> Any:
    bot.commands.pop(commands_key(params), None)
    return True


async def set_chat_menu_button(state: ServerState, bot: Bot, params: Params) -> Any:
    button = params.json("menu_button", "can't parse menu button JSON object") or {
        "type": "default"
    }
    if not isinstance(button, dict) or button.get("type") not in (
        "default",
        "commands",
        "web_app",
    ):
        raise bad("can't parse menu button JSON object")
    if params.str("chat_id"):
        state.chat(bot, params).menu_button = button
    else:
        bot.default_menu_button = button
    return True


async def get_chat_menu_button(state: ServerState, bot: Bot, params: Params) -> Any:
    if params.str("chat_id"):
        chat = state.chat(bot, params)
        if chat.menu_button is not None:
            return chat.menu_button
    return bot.default_menu_button or {"type": "commands"}


async def get_chat(state: ServerState, bot: Bot, params: Params) -> Any:
    chat = state.chat(bot, params)
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
