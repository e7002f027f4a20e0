"""Telegram's gateway: one outbox message sent through aiogram, its answers mapped to outcomes."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from domain.delivery import OutboxMessage, SendOutcome, SendResult


class TelegramGateway:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: OutboxMessage) -> SendResult:
        markup = None
        if message.buttons:
            markup = InlineKeyboardMarkup(inline_keyboard=[
                [InlineKeyboardButton(text=b["text"], callback_data=b["data"]) for b in row]
                for row in message.buttons
            ])  # fmt: skip
        try:
            if message.photo:
                await self.bot.send_photo(
                    int(message.chat_id),
                    BufferedInputFile(message.photo, "chart.png"),
                    caption=message.text[:1024] or None,
                    reply_markup=markup,
                )
            else:
                await self.bot.send_message(int(message.chat_id), message.text, reply_markup=markup)
        except TelegramRetryAfter as err:
            return SendResult(SendOutcome.RETRY_AFTER, float(err.retry_after), str(err))
        except TelegramForbiddenError as err:
            return SendResult(SendOutcome.BLOCKED, error=str(err))
        except TelegramBadRequest as err:
            if "chat not found" in str(err).lower():
                return SendResult(SendOutcome.BLOCKED, error=str(err))
            return SendResult(SendOutcome.PERMANENT, error=str(err))
        except TelegramUnauthorizedError as err:
            return SendResult(SendOutcome.TEMPORARY, error=str(err))
        except (TelegramNetworkError, TelegramServerError, OSError, TimeoutError) as err:
            return SendResult(SendOutcome.TEMPORARY, error=f"{type(err).__name__}: {err}")
        return SendResult(SendOutcome.SENT)
