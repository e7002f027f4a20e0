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


# The codec's own methods, under the names the adapter's handlers call.
encode = CODEC.encode
decode = CODEC.decode
decode_as = CODEC.decode_as
