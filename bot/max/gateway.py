"""MAX's gateway: one outbox message sent through maxo (POST /messages, its buttons an inline
keyboard attachment, a photo uploaded first), MAX's answers mapped to outcomes."""

from __future__ import annotations

from maxo import Bot
from maxo.enums import TextFormat, UploadType
from maxo.errors import (
    MaxBotApiError,
    MaxBotClientError,
    MaxBotForbiddenError,
    MaxBotNetworkError,
    MaxBotNotFoundError,
    MaxBotServerError,
    MaxBotTooManyRequestsError,
    MaxBotUnauthorizedError,
    MaxoError,
)
from maxo.types import (
    CallbackButton,
    InlineKeyboardAttachmentRequest,
    InlineKeyboardAttachmentRequestPayload,
    PhotoAttachmentRequest,
)
from maxo.types.attachments import Attachments, AttachmentsRequests
from unihttp.http import UploadFile

from domain.delivery import OutboxMessage, SendOutcome, SendResult

# MAX answers 429 without saying for how long: the sender waits this long, then tries again.
RETRY_AFTER_SECONDS = 1.0
# Words of MAX's error answers meaning the user is out of reach: a chat or dialog not found is
# gone; any refusal saying the bot is blocked is the user's doing.
GONE = ("chat", "dialog", "user")
BLOCKED = ("blocked", "denied", "suspended")


def keyboard(rows: list[list[dict[str, str]]]) -> InlineKeyboardAttachmentRequest:
    """The outbox's buttons as MAX's inline keyboard of callback buttons."""
    return InlineKeyboardAttachmentRequest(
        payload=InlineKeyboardAttachmentRequestPayload(
            buttons=[
                [CallbackButton(text=b["text"], payload=b["data"]) for b in row] for row in rows
            ]
        )
    )


def outcome_of(err: MaxoError) -> SendResult:
    """What MAX's refusal means for the message."""
    error = f"{type(err).__name__}: {err}"
    if isinstance(err, MaxBotTooManyRequestsError):
        return SendResult(SendOutcome.RETRY_AFTER, RETRY_AFTER_SECONDS, error)
    said = f"{err.code} {err.message}".lower() if isinstance(err, MaxBotApiError) else ""
    if isinstance(err, MaxBotForbiddenError) or (
        isinstance(err, MaxBotClientError) and any(word in said for word in BLOCKED)
    ):
        return SendResult(SendOutcome.BLOCKED, error=error)
    if isinstance(err, MaxBotNotFoundError):
        gone = any(word in said for word in GONE)
        return SendResult(SendOutcome.BLOCKED if gone else SendOutcome.PERMANENT, error=error)
    if isinstance(err, MaxBotUnauthorizedError):
        return SendResult(SendOutcome.TEMPORARY, error=error)  # a token being changed
    if isinstance(err, MaxBotClientError):
        return SendResult(SendOutcome.PERMANENT, error=error)
    if isinstance(err, MaxBotServerError | MaxBotNetworkError):
        return SendResult(SendOutcome.TEMPORARY, error=error)
    if isinstance(err, MaxBotApiError):
        return SendResult(SendOutcome.PERMANENT, error=error)
    return SendResult(SendOutcome.TEMPORARY, error=error)


class MaxGateway:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _photo(self, photo: bytes) -> PhotoAttachmentRequest:
        endpoint = await self.bot.get_upload_url(type=UploadType.IMAGE)
        uploaded = await self.bot.upload_media(
            upload_url=endpoint.url, file=UploadFile(file=photo, filename="chart.png")
        )
        return PhotoAttachmentRequest.factory(token=uploaded.last_token)

    async def send(self, message: OutboxMessage) -> SendResult:
        attachments: list[AttachmentsRequests | Attachments] = []
        try:
            await self.bot.start()  # once: maxo's Bot asks MAX who it is first
            if message.photo:
                attachments.append(await self._photo(message.photo))
            if message.buttons:
                attachments.append(keyboard(message.buttons))
            await self.bot.send_message(
                chat_id=int(message.chat_id),
                text=message.text or None,
                format=TextFormat.HTML,
                attachments=attachments or None,
            )
        except MaxoError as err:
            return outcome_of(err)
        except (OSError, TimeoutError) as err:
            return SendResult(SendOutcome.TEMPORARY, error=f"{type(err).__name__}: {err}")
        return SendResult(SendOutcome.SENT)
