"""Telegram's button data: the one module that writes an intent of the domain into a button's
callback data and reads it back, through the codec every messenger shares (`bot.codec`).

The strings are those the bot has always written, so buttons of messages sent or queued before
still work.
"""

from __future__ import annotations

from bot.codec import IntentCodec
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
    Intent,
    OpenRemark,
    RemindTeacher,
    SetAbsenceReason,
)

ACK_PREFIX = "ack:"  # + acknowledgement id
CONTACT_PREFIX = "ctc:"  # + pupil id
REMIND_PREFIX = "rm:"  # + teacher id
REMARK_PREFIX = "rmk:"  # + remark id
REGISTER_PREFIX = "ar:"  # + class:day:pupil:code, the code «?» asking what the pupil missed
MAX_DATA = 64  # Telegram's limit of a button's data, in bytes

CODEC = IntentCodec(
    {
        AcknowledgeTermMarks: ACK_PREFIX,
        ContactClassTeacher: CONTACT_PREFIX,
        RemindTeacher: REMIND_PREFIX,
        OpenRemark: REMARK_PREFIX,
        SetAbsenceReason: REGISTER_PREFIX,
    },
    limit=MAX_DATA,
)


def encode(intent: Intent) -> str:
    """The callback data of a button offering `intent`."""
    return CODEC.encode(intent)


def decode(data: str | None) -> Intent:
    """The intent a button's data names; `StaleInput` for anything we did not write."""
    return CODEC.decode(data)


def decode_as[IntentKind: Intent](data: str | None, kind: type[IntentKind]) -> IntentKind:
    """The intent of a handler's own kind: data of another kind is refused too."""
    return CODEC.decode_as(data, kind)
