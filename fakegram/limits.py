"""The Bot API's size limits and flood control (token buckets)."""

from __future__ import annotations

from dataclasses import dataclass

TEXT_LIMIT = 4096

CAPTION_LIMIT = 1024

CALLBACK_ANSWER_LIMIT = 200

CALLBACK_DATA_LIMIT = 64

MAX_INLINE_BUTTONS = 100

UPLOAD_LIMIT = 50 * 1024 * 1024

PHOTO_LIMIT = 10 * 1024 * 1024

DOWNLOAD_LIMIT = 20 * 1024 * 1024

DELETE_WINDOW = 48 * 3600.0

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendContact"})

EDIT_METHODS = frozenset(
    {"editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia"}
)


@dataclass
class FloodLimits:
    """Flood control limits (token buckets; Telegram documents 30/s per bot, ~1/s per chat)."""

    global_per_second: float = 30.0
    global_burst: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 5
    edits_per_chat_per_second: float = 1.0
    edits_per_chat_burst: int = 10


class Bucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0
