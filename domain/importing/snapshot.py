"""What the school already has that an import may refer to or update."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.model import (
    Assignment,
    Bell,
    Enrolment,
    Guardian,
    Guardianship,
    Holiday,
    Period,
    PlanTopic,
    Pupil,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
)

# --------------------------------------------------------------------------- the snapshot


@dataclass(slots=True)
class SchoolSnapshot:
    """Everything the school has now that an import can refer to or update."""

    school_id: int
    staff: list[StaffMember] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    classes: list[SchoolClass] = field(default_factory=list)
    pupils: list[Pupil] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    guardianships: list[Guardianship] = field(default_factory=list)
    subgroups: list[Subgroup] = field(default_factory=list)
    subgroup_members: list[tuple[int, int]] = field(default_factory=list)  # (subgroup, pupil)
    assignments: list[Assignment] = field(default_factory=list)
    bells: list[Bell] = field(default_factory=list)
    school_years: list[SchoolYear] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    holidays: list[Holiday] = field(default_factory=list)
    timetable: list[TimetableSlot] = field(default_factory=list)
    plan: list[PlanTopic] = field(default_factory=list)


def latest_enrolments(enrolments: Iterable[Enrolment]) -> dict[int, Enrolment]:
    """Each pupil's latest stay in a class: the current one, or the last before leaving."""
    latest: dict[int, Enrolment] = {}
    for e in enrolments:
        known = latest.get(e.pupil_id)
        if known is None or e.starts > known.starts:
            latest[e.pupil_id] = e
    return latest
