"""What families see and say: absence reasons, absences reported ahead, acknowledged term marks."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class AbsenceCode(enum.StrEnum):
    """The class teacher's reason for a day's absence (Регламент)."""

    ILL = "Б"
    VALID = "У"
    NO_REASON = "Н"


class ReportedReason(enum.StrEnum):
    """What a guardian gives as the reason when reporting an absence ahead."""

    ILL = "Б"
    VALID = "У"  # a family matter, a competition, a doctor's appointment


@dataclass(slots=True)
class AbsenceReason:
    id: int | None
    school_id: int
    pupil_id: int
    day: dt.date
    code: AbsenceCode
    set_by: int | None
    set_at: dt.datetime


@dataclass(slots=True)
class AbsenceReport:
    id: int | None
    school_id: int
    pupil_id: int
    guardian_id: int
    starts: dt.date
    ends: dt.date
    reason: ReportedReason
    text: str
    created_at: dt.datetime

    def covers(self, day: dt.date) -> bool:
        return self.starts <= day <= self.ends


@dataclass(slots=True)
class TermAcknowledgement:
    id: int | None
    school_id: int
    guardian_id: int
    pupil_id: int
    period_id: int
    notified_at: dt.datetime
    reminders: int = 0
    last_reminded_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    account_id: int | None = None

    def reminder_due(self, now: dt.datetime, every: dt.timedelta, most: int) -> bool:
        """Every two days until acknowledged, three times at most."""
        if self.acknowledged_at is not None or self.reminders >= most:
            return False
        last = self.last_reminded_at or self.notified_at
        return now - last >= every
