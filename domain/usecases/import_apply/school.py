"""The school's frame: subjects, classes, bells, school years, periods and holidays."""

from __future__ import annotations

from domain.importing import ValidatedImport, class_key, fold
from domain.model import Bell, Holiday, Period, SchoolClass, SchoolYear, Subject
from domain.usecases.import_apply.state import ApplyState


async def apply_subjects(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_subjects = [
        Subject(id=None, school_id=sid, name=r.name, short_name=r.short_name, grading=r.grading)
        for r in v.subjects
    ]
    stored = await a.store(
        "subjects",
        a.snap.subjects,
        incoming_subjects,
        lambda s: fold(s.name),
        keeps=[r.keep for r in v.subjects],
    )
    a.subjects = dict(stored)


async def apply_classes(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_classes = [
        SchoolClass(
            id=None,
            school_id=sid,
            name=r.name,
            grade=r.grade,
            class_teacher_id=a.staff[r.class_teacher].id if r.class_teacher else None,
        )
        for r in v.classes
    ]
    stored = await a.store(
        "classes",
        a.snap.classes,
        incoming_classes,
        lambda c: class_key(c.name),
        keeps=[r.keep for r in v.classes],
    )
    a.classes = dict(stored)


async def apply_bells(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_bells = [
        Bell(
            id=None,
            school_id=sid,
            shift=r.shift,
            lesson=r.lesson,
            starts=r.starts,
            ends=r.ends,
        )
        for r in v.bells
    ]
    await a.store("bells", a.snap.bells, incoming_bells, lambda b: (b.shift, b.lesson))


async def apply_years(a: ApplyState, v: ValidatedImport) -> None:
    wanted: dict[str, SchoolYear] = {}
    for day in [r.starts for r in v.periods] + [r.starts for r in v.holidays]:
        name = SchoolYear.name_for(day)
        if name not in a.years and name not in wanted:
            starts, ends = SchoolYear.bounds_for(day)
            wanted[name] = SchoolYear(
                id=None, school_id=a.school_id, name=name, starts=starts, ends=ends
            )
    if wanted:
        await a.directory.save(list(wanted.values()), [])
        a.years.update(wanted)


async def apply_periods(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_periods = [
        Period(
            id=None,
            school_id=sid,
            school_year_id=a.years[SchoolYear.name_for(r.starts)].id,
            name=r.name,
            kind=r.kind,
            grades=r.grades,
            starts=r.starts,
            ends=r.ends,
        )
        for r in v.periods
    ]
    await a.store(
        "periods",
        a.snap.periods,
        incoming_periods,
        lambda p: (p.school_year_id, fold(p.name), str(p.grades)),
    )


async def apply_holidays(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_holidays = [
        Holiday(
            id=None,
            school_id=sid,
            name=r.name,
            starts=r.starts,
            ends=r.ends,
            grades=r.grades,
        )
        for r in v.holidays
    ]
    await a.store(
        "holidays",
        a.snap.holidays,
        incoming_holidays,
        lambda h: (SchoolYear.name_for(h.starts), fold(h.name), str(h.grades)),
    )
