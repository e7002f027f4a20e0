"""Records of the fake MAX server: bots, users, messages, uploads, callbacks, updates."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fakemax.errors import MaxError


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class MaxUser:
    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False
    locale: str = "ru"

    def to_json(self) -> dict[str, Any]:
        name = f"{self.first_name} {self.last_name}" if self.last_name else self.first_name
        return {
            "user_id": self.user_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "is_bot": self.is_bot,
            "name": name,
            "last_activity_time": now_ms(),
        }


@dataclass
class Subscription:
    url: str
    secret: str | None
    update_types: list[str] | None
    time: int

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "time": self.time, "update_types": self.update_types}


@dataclass
class Bot:
    token: str
    user: MaxUser
    description: str | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    confirmed: int = 0
    subscriptions: list[Subscription] = field(default_factory=list)
    request_times: deque[float] = field(default_factory=deque)
    new_update: asyncio.Condition = field(default_factory=asyncio.Condition)


@dataclass
class StoredMessage:
    mid: str
    seq: int
    chat_id: int
    sender: MaxUser
    recipient_user: MaxUser
    text: str | None
    format: str | None
    attachments: list[dict[str, Any]]
    timestamp: int
    deleted: bool = False
    history: list[str | None] = field(default_factory=list)

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    def to_json(self) -> dict[str, Any]:
        return {
            "sender": self.sender.to_json(),
            "recipient": {
                "chat_id": self.chat_id,
                "chat_type": "dialog",
                "user_id": self.recipient_user.user_id,
            },
            "timestamp": self.timestamp,
            "body": {
                "mid": self.mid,
                "seq": self.seq,
                "text": self.text,
                "attachments": self.attachments or None,
                "markup": [],
            },
        }

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows (empty without one)."""
        for attachment in self.attachments:
            if attachment.get("type") == "inline_keyboard":
                rows: list[list[dict[str, Any]]] = attachment["payload"]["buttons"]
                return rows
        return []

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]


@dataclass
class Upload:
    upload_id: str
    type: str
    token: str
    data: bytes | None = None
    filename: str | None = None
    content_type: str | None = None


@dataclass
class Callback:
    callback_id: str
    mid: str
    user: MaxUser
    payload: str
    answers: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RequestRecord:
    t: float
    method: str
    path: str
    status: int
    code: str | None = None


@dataclass
class Failure:
    """A failure forced by the test (`FakeMax.fail_next`)."""

    method: str
    path: str
    error: MaxError
    times: int | None
    user_id: int | None
