"""The command list Telegram shows, in Russian by default and in English for English users."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from locales import N_, translator

COMMANDS = (
    ("menu", N_("main menu: today's lessons and everything else")),
    ("help", N_("how to get help")),
    ("lang", N_("language: Русский / English")),
    ("start", N_("start, or join with an invitation code")),
)


def command_list(language: str) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(command=name, description=t(text)) for name, text in COMMANDS]


async def register_commands(bot: Bot) -> None:
    await bot.set_my_commands(command_list("ru"))
    await bot.set_my_commands(command_list("en"), language_code="en")


async def register_commands_for_chat(bot: Bot, chat_id: int, language: str) -> None:
    """After /lang the menu of commands follows the chosen language in this chat."""
    try:
        await bot.set_my_commands(
            command_list(language), scope=BotCommandScopeChat(chat_id=chat_id)
        )
    except TelegramAPIError:
        pass  # the commands are a convenience; the language is saved either way
