"""MAX's callback payloads: each intent of the domain written into a callback button's payload
and read back, through the codec every messenger shares (`bot.codec`), with MAX's own prefixes
and MAX's limit (1024 bytes). Forged, huge or foreign data is refused with `StaleInput`."""

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

MAX_PAYLOAD = 1024  # MAX's limit of a callback button's payload, in bytes

CODEC = IntentCodec(
    {
        AcknowledgeTermMarks: "seen:",  # + acknowledgement id
        ContactClassTeacher: "contact:",  # + pupil id
        RemindTeacher: "remind:",  # + teacher id
        OpenRemark: "remark:",  # + remark id
        SetAbsenceReason: "absence:",  # + class:day:pupil:code, «?» asking what was missed
    },
    limit=MAX_PAYLOAD,
)


def encode(intent: Intent) -> str:
    """The payload of a callback button offering `intent`."""
    return CODEC.encode(intent)


def decode(data: str | None) -> Intent:
    """The intent a callback's payload names; `StaleInput` for anything we did not write."""
    return CODEC.decode(data)


def decode_as[IntentKind: Intent](data: str | None, kind: type[IntentKind]) -> IntentKind:
    """The intent of a handler's own kind: a payload of another kind is refused too."""
    return CODEC.decode_as(data, kind)
