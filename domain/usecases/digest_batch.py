"""Digests for a whole class at once: what `subject_forecasts` and `digest_facts` work out per
pupil (about 15 queries each), from rows read set-based, one class at a time.

A school's lists (work kinds, timetable, holidays, assignments, subjects, plan topics, which plan
topics each class has reached) are read once; then each class costs the same handful of queries
whatever its size (`DigestRepository.class_rows`), and the pure functions below compute the same
`SubjectMarks` with forecasts and the same `DigestFacts` as the per-pupil code. `class_batches`
yields one class at a time, so memory stays flat however many pupils a district has.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import (
    AsyncGenerator,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from domain.clock import school_time
from domain.forecast import MARK_NUMBERS, MarkTally, Weighing, forecast_tally
from domain.grading import PASS_FAIL, term_marks_shown
from domain.journal import Attendance, school_days
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
from domain.readmodels import (
    AccountFact,
    ClassRows,
    DigestFacts,
    DigestRemark,
    RemarkFact,
    SchoolRows,
    TermMarkFact,
)
from domain.usecases.diary import MarkComment, SubjectMarks
from domain.usecases.kernel import current_period


@dataclass(frozen=True, slots=True)
class Part:
    """One of `count` shares of every school's classes, so that several processes can build a
    district's digests side by side: class ids are dealt out by their remainder, a rule that
    does not depend on what is read, so every class is in exactly one share however the
    journal changes between the shares' readings (a pupil moved between two shares' classes
    meanwhile: see `scheduler.workers`)."""

    index: int  # 0 … count − 1
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"no share {self.index + 1} of {self.count}")

    def holds(self, class_id: int) -> bool:
        return class_id % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index + 1}/{self.count}"


WHOLE = Part(0, 1)


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
    weighing: Weighing  # the school's weights and settings, scaled once for its forecasts
    slots: dict[int, list[TimetableSlot]] = field(default_factory=dict)
    assignments: dict[int, list[Assignment]] = field(default_factory=dict)
    class_plans: dict[tuple[int, int], list[PlanTopic]] = field(default_factory=dict)
    grade_plans: dict[tuple[int, int], list[PlanTopic]] = field(default_factory=dict)
    used: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    # subjects in the order a pupil reads them: by name, then as created
    name_order: dict[int, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, school: School, rows: SchoolRows) -> SchoolIndex:
        subjects = {s.id: s for s in rows.subjects if s.id is not None}
        index = cls(
            school=school,
            kinds={k.code: k for k in rows.work_kinds},
            subjects=subjects,
            holidays=list(rows.holidays),
            weighing=Weighing({k.code: k.weight for k in rows.work_kinds}, school.grading),
            used=rows.used_plan_topics,
            name_order={i: (subject.name.casefold(), i) for i, subject in subjects.items()},
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


# --------------------------------------------------------------------------- one class


def subject_id_of(marks: SubjectMarks) -> int:
    assert marks.subject.id is not None
    return marks.subject.id


# R: a row of a `…Fact`, the pupil's id first.
def _by_pupil[R: tuple[Any, ...]](rows: Iterable[R]) -> dict[int, list[R]]:
    found: dict[int, list[R]] = defaultdict(list)
    for row in rows:
        found[row[0]].append(row)
    return found


def _member[V](groups: frozenset[int], keyed: Mapping[int | None, V]) -> list[V]:
    """The per-group tables a pupil sees: the whole class's (None) and their subgroups'."""
    return [keyed[g] for g in (None, *groups) if g in keyed]


# Lessons by subgroup (None: the whole class), then by subject or by day.
ByGroup = dict[int | None, dict[int, list[int]]]


@dataclass(slots=True)
class ClassLessons:
    """A class's lessons for its digests: held lesson ids per subject in the period, lessons
    per day in the digest's window, and lessons left by the timetable, each by subgroup."""

    held_by: ByGroup
    per_day_by: dict[int | None, dict[dt.date, int]]
    left_by: dict[int | None, dict[int, int]]

    @classmethod
    def of(
        cls, index: SchoolIndex, school_class: SchoolClass, period: Period, rows: ClassRows,
        day: dt.date, since: dt.date,
    ) -> ClassLessons:  # fmt: skip
        starts, last = period.starts, min(period.ends, day)
        held_by: ByGroup = defaultdict(lambda: defaultdict(list))
        per_day_by: dict[int | None, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
        for lesson_id, lesson_day, subject_id, subgroup_id, taken, _ in rows.lessons:
            if starts <= lesson_day <= last:
                ids = held_by[subgroup_id][subject_id]  # the subject counts even if none held
                if taken:
                    ids.append(lesson_id)
            if since <= lesson_day <= day:
                per_day_by[subgroup_id][lesson_day] += 1
        future = school_days(
            day + dt.timedelta(days=1),
            period.ends,
            school_class.grade,
            index.holidays,
            index.school.schedule.six_day_week,
        )
        left_by: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        assert school_class.id is not None
        for slot in index.slots.get(school_class.id, []):
            left_by[slot.subgroup_id][slot.subject_id] += sum(1 for d in future if slot.valid_on(d))
        return cls(held_by=held_by, per_day_by=per_day_by, left_by=left_by)


@dataclass(slots=True)
class GroupLessons:
    """What pupils in the same subgroups share: held lesson ids and lessons left per subject,
    and the weekly hours their forecasts weigh by."""

    held: dict[int, list[int]]
    left: dict[int, int]
    hours: dict[int, Decimal]


def group_lessons(
    groups: frozenset[int], lessons: ClassLessons, assignments: Sequence[Any]
) -> GroupLessons:
    held: dict[int, list[int]] = defaultdict(list)
    for held_table in _member(groups, lessons.held_by):
        for subject_id, held_ids in held_table.items():
            held[subject_id].extend(held_ids)
    left: dict[int, int] = defaultdict(int)
    for left_table in _member(groups, lessons.left_by):
        for subject_id, n in left_table.items():
            left[subject_id] += n
    hours: dict[int, Decimal] = defaultdict(Decimal)
    for a in assignments:
        if a.subgroup_id is None or a.subgroup_id in groups:
            hours[a.subject_id] = max(hours[a.subject_id], a.hours_per_week)
    return GroupLessons(held=dict(held), left=dict(left), hours=dict(hours))


@dataclass(slots=True)
class ClassMarks:
    """A class's marks: counted per kind for the forecasts, shown as (day, value, kind name),
    their comments, and the subjects each pupil has marks in."""

    tallies: dict[tuple[int, int], MarkTally]
    shown_of: dict[tuple[int, int], list[tuple[dt.date, str, str]]]
    comments_of: dict[tuple[int, int], list[MarkComment]]
    subjects_of: dict[int, set[int]]

    @classmethod
    def of(cls, index: SchoolIndex, rows: ClassRows) -> ClassMarks:
        tallies: dict[tuple[int, int], MarkTally] = {}
        for pupil_id, subject_id, kind, numbers, total, others in rows.mark_counts:
            key = (pupil_id, subject_id)
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = MarkTally()
            tally.kinds[kind] = [numbers, total, others]
        shown_of: dict[tuple[int, int], list[tuple[dt.date, str, str]]] = {}
        comments_of: dict[tuple[int, int], list[MarkComment]] = {}
        name_of = {code: k.name for code, k in index.kinds.items()}.get
        for pupil_id, mark_day, subject_id, kind, value, comment in rows.marks:
            key = (pupil_id, subject_id)
            shown = shown_of.get(key)
            if shown is None:
                shown = shown_of[key] = []
            kind_name = name_of(kind, kind)
            shown.append((mark_day, value, kind_name))
            if comment:  # seldom: most marks have none
                comments_of.setdefault(key, []).append(
                    MarkComment(day=mark_day, value=value, work_kind=kind_name, text=comment)
                )
        subjects_of: dict[int, set[int]] = defaultdict(set)
        known = index.subjects.keys()
        for pupil_id, subject_id in tallies:
            if subject_id in known:
                subjects_of[pupil_id].add(subject_id)
        return cls(
            tallies=tallies, shown_of=shown_of, comments_of=comments_of, subjects_of=subjects_of
        )


def pupil_digests(
    index: SchoolIndex,
    cls: SchoolClass,
    period: Period,
    pupils: Sequence[tuple[Pupil, frozenset[int]]],
    accounts: Sequence[AccountFact],
    rows: ClassRows,
    day: dt.date,
    since: dt.date,
    remarks: Mapping[int, Sequence[RemarkFact]],
    terms: Mapping[int, Sequence[TermMarkFact]],
) -> Iterator[PupilDigest]:
    """The digests of a class's pupils, one at a time: the same subjects, forecasts and facts
    as the per-pupil `subject_forecasts` and `digest_facts`, from the class's rows.

    Rows are read by position (a driver's records or tuples in the order of the `…Fact`
    types); `remarks` and `terms` (the period's) are by pupil id. A class has thousands of
    marks: the database counts them, and only those shown are listed. `SubjectMarks.marks`
    holds those: the digest's own, or the whole period's for a pupil whose chart is drawn.
    """
    assert cls.id is not None and period.id is not None
    lessons = ClassLessons.of(index, cls, period, rows, day, since)
    marks = ClassMarks.of(index, rows)
    assignments = index.assignments.get(cls.id, [])
    attendance = _by_pupil(rows.attendance)
    family_of = _by_pupil(accounts)
    control: dict[tuple[int, ...], list[str]] = {}
    # Pupils in the same subgroups see the same lessons: worked out once per set of subgroups.
    lessons_for: dict[frozenset[int], GroupLessons] = {}
    for pupil, groups in pupils:
        assert pupil.id is not None
        shared = lessons_for.get(groups)
        if shared is None:
            shared = lessons_for[groups] = group_lessons(groups, lessons, assignments)
        entries = attendance.get(pupil.id, ())
        subjects = _pupil_subjects(index, period, day, pupil.id, shared, marks, entries, terms)
        control_key = tuple(subject_id_of(s) for s in subjects)
        if control_key not in control:
            control[control_key] = control_works(index, cls, subjects)
        facts = _pupil_facts(
            index, pupil.id, groups, lessons, entries, day, since, remarks, control[control_key]
        )
        family = [(guardian_id, account) for _, guardian_id, account in family_of.get(pupil.id, ())]
        yield PupilDigest(pupil, cls, subjects, facts, family)


def _pupil_subjects(
    index: SchoolIndex,
    period: Period,
    day: dt.date,
    pupil_id: int,
    shared: GroupLessons,
    marks: ClassMarks,
    entries: Sequence[Any],
    terms: Mapping[int, Sequence[TermMarkFact]],
) -> list[SubjectMarks]:
    """A pupil's subjects in the order a pupil reads them (by name, then as created), each
    with its marks, forecast and term mark."""
    starts, last = period.starts, min(period.ends, day)
    known = index.subjects.keys()
    absent = Attendance.ABSENT.value
    absent_in_period = {
        lesson_id
        for _, lesson_id, entry_day, status in entries
        if status == absent and starts <= entry_day <= last
    }
    own_terms = {subject_id: value for _, _, subject_id, value in terms.get(pupil_id, ())}
    base_subjects = (shared.held.keys() | shared.hours.keys()) & known
    taught = marks.subjects_of.get(pupil_id)
    subjects = []
    for subject_id in sorted(
        base_subjects | taught if taught else base_subjects, key=index.name_order.__getitem__
    ):
        subject = index.subjects[subject_id]
        key = (pupil_id, subject_id)
        prediction = None
        if subject.grading is Grading.MARKS:
            ids = shared.held.get(subject_id, [])
            prediction = forecast_tally(
                marks.tallies.get(key) or _NO_MARKS,
                index.weighing,
                hours_per_week=shared.hours.get(subject_id, _ONE_HOUR),
                lessons_held=len(ids),
                lessons_missed=len(absent_in_period.intersection(ids)) if absent_in_period else 0,
                lessons_left=shared.left.get(subject_id, 0),
            )
        subjects.append(
            SubjectMarks(
                subject=subject,
                marks=marks.shown_of.get(key) or [],
                forecast=prediction,
                term_mark=own_terms.get(subject_id),
                comments=marks.comments_of.get(key) or [],
            )
        )
    return subjects


def _pupil_facts(
    index: SchoolIndex,
    pupil_id: int,
    groups: frozenset[int],
    lessons: ClassLessons,
    entries: Sequence[Any],
    day: dt.date,
    since: dt.date,
    remarks: Mapping[int, Sequence[RemarkFact]],
    upcoming: list[str],
) -> DigestFacts:
    """The facts of the digest's window: absences (a day counts when every lesson of it was
    missed), lateness, remarks and the control works ahead."""
    absent, late_ = Attendance.ABSENT.value, Attendance.LATE.value
    missed_per_day: dict[dt.date, int] = defaultdict(int)
    late = 0
    for _, _, entry_day, status in entries:
        if not since <= entry_day <= day:
            continue
        if status == absent:
            missed_per_day[entry_day] += 1
        elif status == late_:
            late += 1
    days = 0
    if missed_per_day:
        per_day: dict[dt.date, int] = defaultdict(int)
        for day_table in _member(groups, lessons.per_day_by):
            for d, n in day_table.items():
                per_day[d] += n
        days = sum(1 for d, n in missed_per_day.items() if n >= per_day.get(d, 0) > 0)
    zone = index.school.timezone
    return DigestFacts(
        lessons_missed=sum(missed_per_day.values()),
        days_missed=days,
        late=late,
        remarks=[
            DigestRemark(day=school_time(created_at, zone).date(), text=text, teacher=teacher)
            for _, created_at, text, teacher in remarks.get(pupil_id, ())
        ],
        upcoming=list(upcoming),
    )


_ONE_HOUR = Decimal(1)
_NO_MARKS = MarkTally()


def next_control_work(
    subject_name: str, plan: Sequence[PlanTopic], used: Collection[int]
) -> str | None:
    """«Subject: topic» of the first control work among the next six topics of the plan after
    the furthest one a lesson has reached, or None."""
    done = max((t.number for t in plan if t.id in used), default=0)
    for topic in [t for t in plan if t.number > done][:6]:
        kind = topic.work_kind.casefold()
        if "контрол" in kind or "control" in kind or "контрол" in topic.topic.casefold():
            return f"{subject_name}: {topic.topic}"
    return None


def control_works(
    index: SchoolIndex, cls: SchoolClass, subjects: Sequence[SubjectMarks]
) -> list[str]:
    """The next control work of each subject, by how far the class got (the school's lists
    instead of `family_jobs._control_works`'s queries)."""
    assert cls.id is not None
    found = []
    for s in subjects:
        assert s.subject.id is not None
        used = index.used.get((cls.id, s.subject.id), set())
        work = next_control_work(s.subject.name, index.plan(s.subject.id, cls), used)
        if work is not None:
            found.append(work)
    return found


# --------------------------------------------------------------------------- streaming


_PUPILS_BETWEEN_READS = 2  # a class's reading is 4 statements; a class about 30 pupils


def _reachable(account: Account) -> bool:
    return account.id is not None and account.unreachable_at is None


async def class_batches(
    uow: UnitOfWork,
    school: School,
    day: dt.date,
    since: dt.date,
    *,
    reachable_only: bool = False,
    charts: bool = False,
    part: Part = WHOLE,
) -> AsyncGenerator[list[PupilDigest], None]:
    """The digests of a school, one class at a time (classes without a period or pupils are
    skipped, and not read); with `part`, only that share of the classes. With
    `reachable_only`, pupils without a reachable family account are left out. With `charts`,
    a pupil whose family has a reachable account that wants charts has the whole period's
    marks listed (for the chart); the others have the digest's own.

    While a class is worked out and then used by whoever iterates, the next class is being
    read: whenever the event loop runs, the reading sends its next statement, so the database
    works while Python does (every few pupils here; whoever iterates may await in between too).
    So whoever iterates must not use the unit of work until the iteration is over, and must
    close it however the loop ends (`contextlib.aclosing`): the reading in flight ends when
    the iteration is closed, not before. A failed reading fails the iteration before the
    next class.
    """
    assert school.id is not None
    school_id = school.id
    periods = await uow.journal.periods(school_id)
    todo = []
    period_ids = set()
    for cls in await uow.people.classes(school_id):
        period = current_period(periods, cls.grade, day)
        if cls.id is None or not part.holds(cls.id):
            continue
        if period is not None and period.id is not None:
            todo.append((cls, period))
            period_ids.add(period.id)
    if not todo:
        return
    moment = dt.datetime.combine(since, dt.time(0), ZoneInfo(school.timezone))
    school_rows = await uow.digests.school_rows(
        school_id, day=day, remarks_since=moment, period_ids=period_ids
    )
    index = SchoolIndex.of(school, school_rows)
    family_of = _by_pupil(school_rows.accounts)
    remarks = _by_pupil(school_rows.remarks)
    terms: dict[int | None, dict[int, list[TermMarkFact]]] = defaultdict(lambda: defaultdict(list))
    for term_mark in school_rows.term_marks:
        terms[term_mark.period_id][term_mark.pupil_id].append(term_mark)

    def shown(period: Period) -> Mapping[int, Sequence[TermMarkFact]]:
        """The period's term marks, from its last week on (families do not see them before)."""
        return terms[period.id] if term_marks_shown(period.ends, day) else {}

    # Pupils whose chart is drawn: their whole period's marks are listed.
    wanted = (
        a.pupil_id for a in school_rows.accounts if a.account.charts and _reachable(a.account)
    )
    charted = frozenset(wanted) if charts else frozenset()
    # Only classes with pupils to write to are read.
    classes = []
    for cls, period in todo:
        assert cls.id is not None
        pupils = [(p, g) for p, g in school_rows.pupils.get(cls.id, ()) if p.in_journal(day)]
        # a stored pupil always has its id; None is never a key here
        accounts = [a for p, _ in pupils for a in family_of.get(p.id, ())]  # type: ignore[arg-type]
        if reachable_only:
            reachable = {a.pupil_id for a in accounts if _reachable(a.account)}
            pupils = [(p, g) for p, g in pupils if p.id in reachable]
        if pupils:
            classes.append((cls, period, pupils, accounts))

    def read(n: int) -> asyncio.Task[ClassRows]:
        """The reading of the n-th class to digest, started."""
        cls, period, pupils, _ = classes[n]
        assert cls.id is not None
        reading = uow.digests.class_rows(
            school_id,
            cls.id,
            [p.id for p, _ in pupils if p.id is not None],
            day=day,
            first=min(since, period.starts),
            last=day,
            marks_from=period.starts,
            marks_to=min(period.ends, day),
            shown_from=since,
            charted=charted,
            numbers=MARK_NUMBERS,
            others=PASS_FAIL,
        )
        return asyncio.ensure_future(reading)

    pending = read(0) if classes else None
    try:
        for n, (cls, period, pupils, accounts) in enumerate(classes):
            assert pending is not None
            rows = await pending
            pending = read(n + 1) if n + 1 < len(classes) else None
            if pending is not None:
                await asyncio.sleep(0)  # its first statement goes now, not after the tallies
            batch = []
            digests = pupil_digests(
                index, cls, period, pupils, accounts, rows, day, since, remarks, shown(period)
            )
            for batch_size, digest in enumerate(digests, 1):
                batch.append(digest)
                if pending is not None and batch_size % _PUPILS_BETWEEN_READS == 0:
                    await asyncio.sleep(0)  # the next class's reading sends its next statement
            yield batch  # the reading goes on while the batch is used: it is awaited above
    finally:
        if pending is not None:  # closed early: the reading in flight ends first
            await asyncio.wait([pending])
            if not pending.cancelled():
                pending.exception()  # retrieved: the failure that matters is already raised
