"""What a notice offers its reader to do, as typed values: each messenger encodes them into its
own button payload and decodes them back (for Telegram: `bot/payloads.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.family import AbsenceCode


@dataclass(frozen=True, slots=True)
class AcknowledgeTermMarks:
    """«I have seen them» under the term marks of one pupil."""

    ack_id: int


@dataclass(frozen=True, slots=True)
class ContactClassTeacher:
    """The class teacher's contact, under a digest with a teacher's word."""

    pupil_id: int


@dataclass(frozen=True, slots=True)
class RemindTeacher:
    """The deputy's «remind» under the morning summary."""

    teacher_id: int


@dataclass(frozen=True, slots=True)
class OpenRemark:
    """Open a deputy's remark about a journal, from the notice of it."""

    remark_id: int


@dataclass(frozen=True, slots=True)
class SetAbsenceReason:
    """The class teacher's reason for a pupil's absence; without a reason, the question what the
    pupil missed that day."""

    class_id: int
    day: dt.date
    pupil_id: int
    reason: AbsenceCode | None = None


Intent = AcknowledgeTermMarks | ContactClassTeacher | RemindTeacher | OpenRemark | SetAbsenceReason
