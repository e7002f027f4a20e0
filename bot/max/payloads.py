"""MAX's callback payloads: each intent of the domain written into a callback button's payload
and read back, through the codec every messenger shares (`bot.codec`), with MAX's own prefixes
and MAX's limit (1024 bytes). Forged, huge or foreign data is refused with `StaleInput`."""

from __future__ import annotations

from bot.codec import IntentCodec
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
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


# The codec's own methods, under the names the adapter's handlers call.
encode = CODEC.encode
decode = CODEC.decode
decode_as = CODEC.decode_as
