"""fakegram: a fake Telegram Bot API server and a scripted user for testing the bot."""

from fakegram.server import (
    CallbackAnswer,
    ChatMessage,
    FakeTelegram,
    FloodLimits,
    RequestRecord,
    StoredFile,
    TelegramError,
    TgUser,
    parse_html,
    parse_markdown_v2,
)
from fakegram.user import FakeUser

__all__ = [
    "CallbackAnswer",
    "ChatMessage",
    "FakeTelegram",
    "FakeUser",
    "FloodLimits",
    "RequestRecord",
    "StoredFile",
    "TelegramError",
    "TgUser",
    "parse_html",
    "parse_markdown_v2",
]
