"""Term marks: the journal suggests, the teacher confirms or overrides, until the period ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import Forbidden
from domain.grading import (
    EXEMPT,
    NOT_ASSESSED,
    TermMarkSuggestion,
    WeightedMark,
    suggest_term_mark,
    term_marks_due_from,
    term_marks_early,
    term_marks_shown,
    term_marks_shown_from,
)
from domain.journal import (
    Attendance,
    EntryKind,
    ReasonRequired,
    TermMark,
    entry_change,
    entry_deadline,
    is_late,
)
from domain.model import Assignment, Grading, Period, SchoolClass, Subject
from domain.people import Actor
from domain.ports import Clock, UnitOfWork
from domain.usecases.kernel import (
    acting_school,
    acting_teacher,
    clean_reason,
    current_period,
    local_now,
)
from domain.usecases.teaching import sort_key


class EarlyTermMark(Forbidden):
    """Before the period's last two weeks a term mark is set only when the teacher says so once
    more (`early=True`)."""

    message = "{period} ends on {ends}; set the term marks now?"


@dataclass(slots=True)
class TermLine:
    pupil_id: int
    name: str
    suggestion: TermMarkSuggestion
    term_mark: str | None


@dataclass(slots=True)
class TermSheet:
    period: Period
    school_class: SchoolClass
    subject: Subject
    values: tuple[str, ...]
    lines: list[TermLine]
    closed: bool  # the period's last day has passed: changes need a reason
    early: bool = False  # before the period's last two weeks: a confirmation is asked once more
    due_from: dt.date | None = None  # the first day of the period's last two weeks
    shown: bool = True  # families see the period's term marks today
    shown_from: dt.date | None = None  # families see them from this day on (its last week)

    def open_lines(self) -> list[TermLine]:
        """Pupils without a term mark yet."""
        return [x for x in self.lines if x.term_mark is None]

    def to_confirm(self) -> list[TermLine]:
        """What «confirm the suggested marks» sets: pupils without a term mark whose suggestion
        rests on enough marks. Those flagged «!» (too few marks) are confirmed one by one."""
        return [
            x
            for x in self.open_lines()
            if x.suggestion.value is not None and not x.suggestion.too_few_marks
        ]

    def left_out(self) -> list[TermLine]:
        """Pupils without a term mark whom the bulk confirmation leaves out: a suggestion
        flagged «!», too few marks (a pupil with no suggestion at all has none to confirm)."""
        return [
            x
            for x in self.open_lines()
            if x.suggestion.value is not None and x.suggestion.too_few_marks
        ]


@dataclass(slots=True)
class Confirmed:
    """What a bulk confirmation did: how many it set, and whom it left out (too few marks)."""

    count: int
    left_out: list[TermLine]


async def _course(
    uow: UnitOfWork, actor: Actor, class_id: int, subject_id: int
) -> tuple[Assignment, SchoolClass, Subject]:
    staff_id = acting_teacher(actor)
    assert actor.school_id is not None
    assignments = await uow.journal.assignments_of(actor.school_id, staff_id)
    mine = [a for a in assignments if a.class_id == class_id and a.subject_id == subject_id]
    if not mine:
        raise Forbidden("you do not teach this subject in this class")
    [cls] = await uow.people.classes(actor.school_id, [class_id])
    [subject] = await uow.people.subjects(actor.school_id, [subject_id])
    return mine[0], cls, subject


async def term_sheet(
    uow: UnitOfWork, actor: Actor, class_id: int, subject_id: int, clock: Clock
) -> TermSheet:
    async with uow:
        return await _sheet(uow, actor, class_id, subject_id, clock)


async def _sheet(
    uow: UnitOfWork, actor: Actor, class_id: int, subject_id: int, clock: Clock
) -> TermSheet:
    school = await acting_school(uow, actor)
    assert school.id is not None
    assignment, cls, subject = await _course(uow, actor, class_id, subject_id)
    if subject.grading is Grading.NONE:
        raise Forbidden("this subject is not graded with marks")
    now = local_now(clock, school)
    period = current_period(await uow.journal.periods(school.id), cls.grade, now.date())
    if period is None:
        raise Forbidden("there is no period for this class yet")
    pupils = [
        p
        for p in await uow.people.roster(school.id, class_id, assignment.subgroup_id, now.date())
        if p.in_journal(min(now.date(), period.ends))
    ]
    pupils.sort(key=lambda p: (sort_key(p.last_name), sort_key(p.first_name)))
    lessons = [
        x
        for x in await uow.journal.lessons_of(
            school.id, class_id, subject_id, period.starts, min(period.ends, now.date())
        )
        if assignment.subgroup_id is None or x.subgroup_id in (None, assignment.subgroup_id)
    ]
    lesson_ids = [x.id for x in lessons if x.id is not None]
    weights = {k.code: k.weight for k in await uow.schools.work_kinds(school.id)}
    marks = await uow.journal.marks(lesson_ids) if lesson_ids else []
    absences = await uow.journal.attendance(lesson_ids) if lesson_ids else []
    assert period.id is not None
    pupil_ids = [p.id for p in pupils if p.id is not None]
    existing = {
        t.pupil_id: t.value
        for t in await uow.journal.term_marks(school.id, period.id, subject_id, pupil_ids)
    }
    held = sum(1 for x in lessons if x.attendance_taken)
    lines = []
    for p in pupils:
        assert p.id is not None
        own = [
            WeightedMark(m.value, weights.get(m.work_kind, Decimal(1)))
            for m in marks
            if m.pupil_id == p.id
        ]
        missed = sum(1 for a in absences if a.pupil_id == p.id and a.status is Attendance.ABSENT)
        suggestion = suggest_term_mark(
            own,
            settings=school.grading,
            hours_per_week=assignment.hours_per_week,
            lessons_held=held,
            lessons_missed=missed,
            grading=subject.grading.value,
        )
        lines.append(
            TermLine(
                pupil_id=p.id,
                name=f"{p.last_name} {p.first_name}",
                suggestion=suggestion,
                term_mark=existing.get(p.id),
            )
        )
    values = (*school.grading.values_for(subject.grading.value), NOT_ASSESSED, EXEMPT)
    closed = is_late(
        now,
        entry_deadline(EntryKind.TERM_MARK, period.ends, school.timezone, period_ends=period.ends),
    )
    return TermSheet(
        period=period,
        school_class=cls,
        subject=subject,
        values=values,
        lines=lines,
        closed=closed,
        early=term_marks_early(period.ends, now.date()),
        due_from=term_marks_due_from(period.ends),
        shown=term_marks_shown(period.ends, now.date()),
        shown_from=term_marks_shown_from(period.ends),
    )


def _not_early(sheet: TermSheet, early: bool) -> None:
    """Refuse an early term mark the teacher has not confirmed once more."""
    if sheet.early and not early:
        raise EarlyTermMark(
            period=sheet.period.name,
            ends=sheet.period.ends.strftime("%d.%m.%Y"),
        )


async def set_term_mark(
    uow: UnitOfWork,
    actor: Actor,
    class_id: int,
    subject_id: int,
    pupil_id: int,
    value: str,
    clock: Clock,
    reason: str | None = None,
    *,
    early: bool = False,
) -> TermMark:
    """One pupil's term mark; before the period's last two weeks only with `early`."""
    reason_text = clean_reason(reason)
    async with uow:
        sheet = await _sheet(uow, actor, class_id, subject_id, clock)
        line = next((x for x in sheet.lines if x.pupil_id == pupil_id), None)
        if line is None:
            raise Forbidden("this pupil is not in this class")
        if value not in sheet.values:
            raise Forbidden("{value} is not a mark of this subject", value=value)
        _not_early(sheet, early)
        saved = await _store(uow, actor, sheet, line, value, clock, reason_text)
        await uow.commit()
    return saved


async def confirm_suggestions(
    uow: UnitOfWork,
    actor: Actor,
    class_id: int,
    subject_id: int,
    clock: Clock,
    *,
    early: bool = False,
) -> Confirmed:
    """Set every pupil still without a term mark to the suggestion, except those with too few
    marks (flagged «!»: they are set one by one); before the period's last two weeks only with
    `early`."""
    async with uow:
        sheet = await _sheet(uow, actor, class_id, subject_id, clock)
        if sheet.closed:
            raise ReasonRequired()
        chosen = sheet.to_confirm()
        left_out = sheet.left_out()
        if chosen:
            _not_early(sheet, early)
        for line in chosen:
            assert line.suggestion.value is not None
            await _store(uow, actor, sheet, line, line.suggestion.value, clock, "")
        await uow.commit()
    return Confirmed(count=len(chosen), left_out=left_out)


async def _store(
    uow: UnitOfWork,
    actor: Actor,
    sheet: TermSheet,
    line: TermLine,
    value: str,
    clock: Clock,
    reason: str,
) -> TermMark:
    school = await acting_school(uow, actor)
    now = local_now(clock, school)
    # A closed sheet is the record as reported: a blank there stood too, so filling it is late.
    change = entry_change(line.term_mark, value, late=sheet.closed, stood=sheet.closed or None)
    change.require_reason(reason)
    assert school.id is not None and sheet.subject.id is not None and sheet.period.id is not None
    term_mark = TermMark(
        id=None,
        school_id=school.id,
        pupil_id=line.pupil_id,
        subject_id=sheet.subject.id,
        period_id=sheet.period.id,
        value=value,
        suggested=line.suggestion.value,
        author_id=acting_teacher(actor),
        set_at=now,
    )
    await uow.journal.save_term_mark(term_mark)
    if change.recorded:
        assert term_mark.id is not None
        await uow.journal.add_audit(
            [
                change.audit(
                    school_id=school.id,
                    entity="term_mark",
                    entity_id=term_mark.id,
                    field_name="value",
                    author_id=acting_teacher(actor),
                    at=now,
                    reason=reason,
                )
            ]
        )
    line.term_mark = value
    return term_mark
