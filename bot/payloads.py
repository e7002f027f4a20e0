"""Telegram's button data: the one module that writes an intent of the domain into a button's
callback data and reads it back.

The data comes back from the user's phone, and anything may be in it (forged, huge, or left from
an older bot): `decode` checks every part through `domain.ids` and refuses with `StaleInput`
what we did not write. The strings are those the bot has always written, so buttons of messages
sent or queued before still work.
"""

from __future__ import annotations

from domain.family import AbsenceCode
from domain.ids import StaleInput, parse_day, parse_id, parse_member
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
_ASK = "?"


def encode(intent: Intent) -> str:
    """The callback data of a button offering `intent`."""
    match intent:
        case AcknowledgeTermMarks(ack_id=ack_id):
            return f"{ACK_PREFIX}{ack_id}"
        case ContactClassTeacher(pupil_id=pupil_id):
            return f"{CONTACT_PREFIX}{pupil_id}"
        case RemindTeacher(teacher_id=teacher_id):
            return f"{REMIND_PREFIX}{teacher_id}"
        case OpenRemark(remark_id=remark_id):
            return f"{REMARK_PREFIX}{remark_id}"
        case SetAbsenceReason():
            code = _ASK if intent.reason is None else intent.reason.value
            return (
                f"{REGISTER_PREFIX}{intent.class_id}:{intent.day.isoformat()}:"
                f"{intent.pupil_id}:{code}"
            )
    raise TypeError(f"not an intent: {intent!r}")


def _register(rest: str) -> SetAbsenceReason:
    parts = rest.split(":")
    if len(parts) != 4:
        raise StaleInput()
    class_id, day, pupil_id, code = parts
    return SetAbsenceReason(
        class_id=parse_id(class_id),
        day=parse_day(day),
        pupil_id=parse_id(pupil_id),
        reason=None if code == _ASK else parse_member(code, AbsenceCode),
    )


def decode(data: str | None) -> Intent:
    """The intent a button's data names; `StaleInput` for anything we did not write."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_DATA:
        raise StaleInput()
    if data.startswith(REMARK_PREFIX):
        return OpenRemark(parse_id(data[len(REMARK_PREFIX) :]))
    if data.startswith(REMIND_PREFIX):
        return RemindTeacher(parse_id(data[len(REMIND_PREFIX) :]))
    if data.startswith(ACK_PREFIX):
        return AcknowledgeTermMarks(parse_id(data[len(ACK_PREFIX) :]))
    if data.startswith(CONTACT_PREFIX):
        return ContactClassTeacher(parse_id(data[len(CONTACT_PREFIX) :]))
    if data.startswith(REGISTER_PREFIX):
        return _register(data[len(REGISTER_PREFIX) :])
    raise StaleInput()


def decode_as[IntentKind: Intent](data: str | None, kind: type[IntentKind]) -> IntentKind:
    """The intent of a handler's own kind: data of another kind is refused too."""
    intent = decode(data)
    if not isinstance(intent, kind):
        raise StaleInput()
    return intent
