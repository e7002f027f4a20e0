"""Digests for a whole class at once: what `subject_forecasts` and `digest_facts` work out per
pupil (about 15 queries each), from rows read set-based, one class at a time.

A school's lists (work kinds, timetable, holidays, assignments, subjects, plan topics, which plan
topics each class has reached) are read once; then each class costs the same handful of queries
whatever its size (`DigestRepository.class_rows`), and the pure functions below compute the same
`SubjectMarks` with forecasts and the same `DigestFacts` as the per-pupil code. `class_batches`
yields one class at a time, so memory stays flat however many pupils a district has.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from domain.forecast import forecast_values
from domain.journal import Attendance, is_school_day
from domain.model import (
    Assignment,
    Grading,
    Holiday,
    Period,
    PlanTopic,
    Pupil,
    School,
    SchoolClass,
    Subject,
    TimetableSlot,
    WorkKind,
)
from domain.people import Account
from domain.ports import UnitOfWork
from domain.usecases.diary import SubjectMarks
from domain.usecases.family_jobs import DigestFacts
from domain.usecases.term_marks import current_period

ONE = Decimal(1)  # the weight of a mark whose work kind the school no longer has

# --------------------------------------------------------------------------- rows read


class LessonFact(NamedTuple):
    """A lesson of the class, as much of it as the digest needs."""

    id: int
    day: dt.date
    subject_id: int
    subgroup_id: int | None
    attendance_taken: bool
    plan_topic_id: int | None


class MarkFact(NamedTuple):
    """A mark of a pupil with its lesson's day and subject, in (day, mark id) order."""

    pupil_id: int
    day: dt.date
    subject_id: int
    work_kind: str
    value: str


class AttendanceFact(NamedTuple):
    """An attendance entry of a pupil (any lesson, any class), with its lesson's day."""

    pupil_id: int
    lesson_id: int
    day: dt.date
    status: Attendance


class RemarkFact(NamedTuple):
    pupil_id: int
    created_at: dt.datetime
    text: str


class AccountFact(NamedTuple):
    """An account of a pupil's family: a guardian's (guardian_id set) or the pupil's own."""

    pupil_id: int
    guardian_id: int | None
    account: Account


class TermMarkFact(NamedTuple):
    pupil_id: int
    subject_id: int
    value: str


@dataclass(slots=True)
class SchoolRows:
    """A school's lists, read once per run."""

    work_kinds: list[WorkKind]
    timetable: list[TimetableSlot]
    holidays: list[Holiday]
    assignments: list[Assignment]
    subjects: list[Subject]
    plan_topics: list[PlanTopic]
    used_plan_topics: dict[tuple[int, int], set[int]]  # (class id, subject id) → plan topic ids


@dataclass(slots=True)
class ClassRows:
    """One class's journal for one digest: a constant number of queries whatever its size."""

    lessons: list[LessonFact]  # the class's lessons from min(since, period start) to the day
    marks: list[MarkFact]  # the pupils' marks in the period up to the day
    attendance: list[AttendanceFact]  # from min(since, period start) to the day
    remarks: list[RemarkFact]  # since the moment, oldest first
    term_marks: list[TermMarkFact]  # of the period


class PupilDigest(NamedTuple):
    pupil: Pupil
    school_class: SchoolClass
    subjects: list[SubjectMarks]
    facts: DigestFacts
    accounts: list[tuple[int | None, Account]]


# --------------------------------------------------------------------------- the school


@dataclass(slots=True)
class SchoolIndex:
    """A school's lists arranged for lookups by class, subject and grade."""

    school: School
    kinds: dict[str, WorkKind]
    subjects: dict[int, Subject]
    holidays: list[Holiday]
    slots: dict[int, list[TimetableSlot]] = field(default_factory=dict)
    assignments: dict[int, list[Assignment]] = field(default_factory=dict)
    class_plans: dict[tuple[int, int], list[PlanTopic]] = field(default_factory=dict)
    grade_plans: dict[tuple[int, int], list[PlanTopic]] = field(default_factory=dict)
    used: dict[tuple[int, int], set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, school: School, rows: SchoolRows) -> SchoolIndex:
        index = cls(
            school,
            {k.code: k for k in rows.work_kinds},
            {s.id: s for s in rows.subjects if s.id is not None},
            list(rows.holidays),
            used=rows.used_plan_topics,
        )
        for slot in rows.timetable:
            index.slots.setdefault(slot.class_id, []).append(slot)
        for a in rows.assignments:
            index.assignments.setdefault(a.class_id, []).append(a)
        for t in sorted(rows.plan_topics, key=lambda t: t.number):
            if t.class_id is not None:
                index.class_plans.setdefault((t.subject_id, t.class_id), []).append(t)
            elif t.grade is not None:
                index.grade_plans.setdefault((t.subject_id, t.grade), []).append(t)
        return index

    def plan(self, subject_id: int, cls: SchoolClass) -> list[PlanTopic]:
        """The class's own plan when it has one, else the grade's (as `journal.plan`)."""
        assert cls.id is not None
        return self.class_plans.get((subject_id, cls.id)) or self.grade_plans.get(
            (subject_id, cls.grade), []
        )


def school_days(
    school: School, grade: int, holidays: Sequence[Holiday], first: dt.date, last: dt.date
) -> list[dt.date]:
    days = []
    day = first
    while day <= last:
        if is_school_day(day, grade, holidays, school.schedule.six_day_week):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


# --------------------------------------------------------------------------- one class


def _by_pupil(rows: Iterable[tuple]) -> dict[int, list]:  # type: ignore[type-arg]
    found: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    for row in rows:
        found[row[0]].append(row)
    return found


def _member(groups: frozenset[int], keyed: dict[int | None, dict[int, object]]) -> list:  # type: ignore[type-arg]
    """The per-group tables a pupil sees: the whole class's (None) and their subgroups'."""
    return [keyed[g] for g in (None, *groups) if g in keyed]


def class_digests(
    index: SchoolIndex,
    cls: SchoolClass,
    period: Period,
    pupils: Sequence[tuple[Pupil, frozenset[int]]],
    accounts: Sequence[AccountFact],
    rows: ClassRows,
    day: dt.date,
    since: dt.date,
) -> list[PupilDigest]:
    """Every pupil's digest of one class: the same subjects, forecasts and facts as the
    per-pupil `subject_forecasts` and `digest_facts`, from the class's rows."""
    school = index.school
    assert cls.id is not None and period.id is not None
    last = min(period.ends, day)
    weights = {code: k.weight for code, k in index.kinds.items()}
    names = {code: k.name for code, k in index.kinds.items()}

    # Lessons by subgroup (None: the whole class): held lesson ids per subject in the period,
    # and lessons per day in the digest's window.
    held_by: dict[int | None, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    per_day_by: dict[int | None, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for x in rows.lessons:
        if period.starts <= x.day <= last:
            ids = held_by[x.subgroup_id][x.subject_id]  # the subject counts even if none held
            if x.attendance_taken:
                ids.append(x.id)
        if since <= x.day <= day:
            per_day_by[x.subgroup_id][x.day] += 1

    # Lessons left by the timetable, per subgroup and subject.
    future = school_days(school, cls.grade, index.holidays, day + dt.timedelta(days=1), period.ends)
    left_by: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for slot in index.slots.get(cls.id, []):
        left_by[slot.subgroup_id][slot.subject_id] += sum(1 for d in future if slot.valid_on(d))
    assignments = index.assignments.get(cls.id, [])

    marks = _by_pupil(rows.marks)
    attendance = _by_pupil(rows.attendance)
    remarks = _by_pupil(rows.remarks)
    family_of = _by_pupil(accounts)
    terms = _by_pupil(rows.term_marks)
    zone = ZoneInfo(school.timezone)
    control: dict[tuple[int, ...], list[str]] = {}

    result = []
    for pupil, groups in pupils:
        assert pupil.id is not None
        held: dict[int, list[int]] = defaultdict(list)
        for table in _member(groups, held_by):
            for subject_id, ids in table.items():
                held[subject_id].extend(ids)
        left: dict[int, int] = defaultdict(int)
        for table in _member(groups, left_by):
            for subject_id, n in table.items():
                left[subject_id] += n
        hours: dict[int, Decimal] = defaultdict(Decimal)
        for a in assignments:
            if a.subgroup_id is None or a.subgroup_id in groups:
                hours[a.subject_id] = max(hours[a.subject_id], a.hours_per_week)
        entries = attendance.get(pupil.id, [])
        absent_in_period = {
            e.lesson_id
            for e in entries
            if e.status is Attendance.ABSENT and period.starts <= e.day <= last
        }
        mine: dict[int, list[MarkFact]] = defaultdict(list)
        for mk in marks.get(pupil.id, []):
            mine[mk.subject_id].append(mk)
        own_terms = {t.subject_id: t.value for t in terms.get(pupil.id, [])}

        subjects = []
        for subject_id in sorted(set(held) | set(mine) | set(hours)):
            subject = index.subjects.get(subject_id)
            if subject is None:
                continue
            given = mine.get(subject_id, [])
            prediction = None
            if subject.grading is Grading.MARKS:
                ids = held.get(subject_id, [])
                prediction = forecast_values(
                    [(mk.value, mk.work_kind, weights.get(mk.work_kind, ONE)) for mk in given],
                    settings=school.grading,
                    hours_per_week=hours.get(subject_id, Decimal(1)),
                    lessons_held=len(ids),
                    lessons_missed=(
                        sum(1 for i in ids if i in absent_in_period) if absent_in_period else 0
                    ),
                    lessons_left=left.get(subject_id, 0),
                )
            subjects.append(
                SubjectMarks(
                    subject,
                    [(mk.day, mk.value, names.get(mk.work_kind, mk.work_kind)) for mk in given],
                    prediction,
                    own_terms.get(subject_id),
                )
            )
        subjects.sort(key=lambda s: s.subject.name.casefold())

        # The facts: absences in the window (a day counts when every lesson of it was missed).
        missed_per_day: dict[dt.date, int] = defaultdict(int)
        late = 0
        for e in entries:
            if not since <= e.day <= day:
                continue
            if e.status is Attendance.ABSENT:
                missed_per_day[e.day] += 1
            elif e.status is Attendance.LATE:
                late += 1
        days = 0
        if missed_per_day:
            per_day: dict[dt.date, int] = defaultdict(int)
            for table in _member(groups, per_day_by):
                for d, n in table.items():
                    per_day[d] += n
            days = sum(1 for d, n in missed_per_day.items() if n >= per_day.get(d, 0) > 0)
        key = tuple(s.subject.id for s in subjects)  # type: ignore[misc]
        if key not in control:
            control[key] = control_works(index, cls, subjects)
        facts = DigestFacts(
            sum(missed_per_day.values()),
            days,
            late,
            [(r.created_at.astimezone(zone).date(), r.text) for r in remarks.get(pupil.id, [])],
            list(control[key]),
        )
        family = [(a.guardian_id, a.account) for a in family_of.get(pupil.id, [])]
        result.append(PupilDigest(pupil, cls, subjects, facts, family))
    return result


def control_works(
    index: SchoolIndex, cls: SchoolClass, subjects: Sequence[SubjectMarks]
) -> list[str]:
    """The next plan topics of each subject that are control works, by how far the class got
    (as `family_jobs._control_works`)."""
    assert cls.id is not None
    found = []
    for s in subjects:
        assert s.subject.id is not None
        plan = index.plan(s.subject.id, cls)
        if not plan:
            continue
        used = index.used.get((cls.id, s.subject.id), set())
        done = max((t.number for t in plan if t.id in used), default=0)
        for topic in [t for t in plan if t.number > done][:6]:
            kind = topic.work_kind.casefold()
            if "контрол" in kind or "control" in kind or "контрол" in topic.topic.casefold():
                found.append(f"{s.subject.name}: {topic.topic}")
                break
    return found


# --------------------------------------------------------------------------- streaming


def _reachable(account: Account) -> bool:
    return account.id is not None and account.unreachable_at is None


async def class_batches(
    uow: UnitOfWork,
    school: School,
    day: dt.date,
    since: dt.date,
    *,
    reachable_only: bool = False,
) -> AsyncIterator[list[PupilDigest]]:
    """The digests of a school, one class at a time (classes without a period or pupils are
    skipped). With `reachable_only`, pupils without a reachable family account are left out."""
    assert school.id is not None
    periods = await uow.journal.periods(school.id)
    index = SchoolIndex.of(school, await uow.digests.school_rows(school.id))
    moment = dt.datetime.combine(since, dt.time(0), ZoneInfo(school.timezone))
    for cls in await uow.people.classes(school.id):
        assert cls.id is not None
        period = current_period(periods, cls.grade, day)
        if period is None or period.id is None:
            continue
        pupils = [
            (p, g) for p, g in await uow.digests.pupils(school.id, cls.id, day) if p.in_journal(day)
        ]
        ids = [p.id for p, _ in pupils if p.id is not None]
        accounts = await uow.digests.accounts(school.id, ids)
        if reachable_only:
            reachable = {a.pupil_id for a in accounts if _reachable(a.account)}
            pupils = [(p, g) for p, g in pupils if p.id in reachable]
            ids = [i for i in ids if i in reachable]
        if not pupils:
            continue
        rows = await uow.digests.class_rows(
            school.id,
            cls.id,
            ids,
            period.id,
            first=min(since, period.starts),
            last=day,
            marks_from=period.starts,
            marks_to=min(period.ends, day),
            remarks_since=moment,
        )
        yield class_digests(index, cls, period, pupils, accounts, rows, day, since)
