"""An intent of the domain as a button's payload, and back: what every messenger's payloads
module shares. A messenger names each intent kind by its own prefix and has its own limit of a
payload's size; the fields are written the same way (decimal ids, ISO days, «:» between them).

The payload comes back from the user's phone, and anything may be in it (forged, huge, or left
from an older bot): `IntentCodec.decode` checks every part through `domain.ids` and refuses with
`StaleInput` what we did not write.
"""

from __future__ import annotations

from collections.abc import Mapping

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

SEPARATOR = ":"
ASK = "?"  # the absence code of «what did the pupil miss?»


def fields_of(intent: Intent) -> str:
    """An intent's fields as a payload carries them, after its prefix."""
    match intent:
        case AcknowledgeTermMarks(ack_id=ack_id):
            return str(ack_id)
        case ContactClassTeacher(pupil_id=pupil_id):
            return str(pupil_id)
        case RemindTeacher(teacher_id=teacher_id):
            return str(teacher_id)
        case OpenRemark(remark_id=remark_id):
            return str(remark_id)
        case SetAbsenceReason():
            code = ASK if intent.reason is None else intent.reason.value
            return SEPARATOR.join(
                [str(intent.class_id), intent.day.isoformat(), str(intent.pupil_id), code]
            )
    raise TypeError(f"not an intent: {intent!r}")


def intent_of(kind: type[Intent], rest: str) -> Intent:
    """The intent of `kind` whose fields are `rest`; `StaleInput` if they are not ours."""
    if kind is SetAbsenceReason:
        parts = rest.split(SEPARATOR)
        if len(parts) != 4:
            raise StaleInput()
        class_id, day, pupil_id, code = parts
        return SetAbsenceReason(
            class_id=parse_id(class_id),
            day=parse_day(day),
            pupil_id=parse_id(pupil_id),
            reason=None if code == ASK else parse_member(code, AbsenceCode),
        )
    if kind is AcknowledgeTermMarks:
        return AcknowledgeTermMarks(parse_id(rest))
    if kind is ContactClassTeacher:
        return ContactClassTeacher(parse_id(rest))
    if kind is RemindTeacher:
        return RemindTeacher(parse_id(rest))
    if kind is OpenRemark:
        return OpenRemark(parse_id(rest))
    raise TypeError(f"not an intent kind: {kind!r}")


class IntentCodec:
    """One messenger's payloads: a prefix per intent kind (ending in «:»), a limit in bytes."""

    def __init__(self, prefixes: Mapping[type[Intent], str], limit: int) -> None:
        if any(not p.endswith(SEPARATOR) or p.count(SEPARATOR) != 1 for p in prefixes.values()):
            raise ValueError("a prefix is a word and «:»")
        self.prefixes = dict(prefixes)
        self.kinds = {prefix: kind for kind, prefix in prefixes.items()}
        if len(self.kinds) != len(self.prefixes):
            raise ValueError("two intent kinds share a prefix")
        self.limit = limit

    def encode(self, intent: Intent) -> str:
        """The payload of a button offering `intent`."""
        prefix = self.prefixes.get(type(intent))
        if prefix is None:
            raise TypeError(f"not an intent: {intent!r}")
        return prefix + fields_of(intent)

    def decode(self, data: str | None) -> Intent:
        """The intent a payload names; `StaleInput` for anything we did not write."""
        if not isinstance(data, str) or not data:
            raise StaleInput()
        if len(data.encode("utf-8", "replace")) > self.limit:
            raise StaleInput()
        head, separator, rest = data.partition(SEPARATOR)
        kind = self.kinds.get(head + separator)
        if kind is None:
            raise StaleInput()
        return intent_of(kind, rest)

    def decode_as[IntentKind: Intent](self, data: str | None, kind: type[IntentKind]) -> IntentKind:
        """The intent of a handler's own kind: data of another kind is refused too."""
        intent = self.decode(data)
        if not isinstance(intent, kind):
            raise StaleInput()
        return intent
