"""A deputy head's written remark to a teacher about their journal, with a due date.

The seed's deputy control: remarks at least monthly, fixed by the teacher by a due date. A remark
is open until the teacher says it is fixed; the deputy then accepts it or opens it again.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

MAX_REMARK_TEXT = 1000


class RemarkStatus(enum.StrEnum):
    OPEN = "open"
    FIXED = "fixed"  # the teacher says so; the deputy has not looked yet
    ACCEPTED = "accepted"


@dataclass(slots=True)
class JournalRemark:
    id: int | None
    school_id: int
    deputy_id: int
    teacher_id: int
    text: str
    due: dt.date
    status: RemarkStatus
    created_at: dt.datetime
    fixed_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    reopened: int = 0
    last_reminded_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is RemarkStatus.OPEN

    def overdue(self, today: dt.date) -> bool:
        """Open after its due day: the due day itself is still in time."""
        return self.is_open and today > self.due
