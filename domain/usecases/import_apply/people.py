"""The people: staff, students (with their enrolments) and guardians (with their links)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from domain.importing import ValidatedImport, class_key, latest_enrolments, school_key
from domain.model import Enrolment, Guardian, Guardianship, Pupil, SchoolYear, StaffMember
from domain.usecases.import_apply.merge import stored_id
from domain.usecases.import_apply.state import ApplyState


async def apply_staff(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming = [
        StaffMember(
            id=None,
            school_id=sid,
            external_id=r.external_id,
            last_name=r.last_name,
            first_name=r.first_name,
            middle_name=r.middle_name,
            roles=r.roles,
            deputy_grades=r.deputy_grades,
        )
        for r in v.staff
    ]
    stored = await a.store(
        "staff",
        a.snap.staff,
        incoming,
        lambda s: school_key(s.external_id),
        keeps=[r.keep for r in v.staff],
    )
    a.staff = dict(stored)


async def apply_students(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming = [
        Pupil(
            id=None,
            school_id=sid,
            external_id=r.external_id,
            last_name=r.last_name,
            first_name=r.first_name,
            middle_name=r.middle_name,
            birth_date=r.birth_date,
            enrolled_on=r.enrolled_on,
            left_on=r.left_on,
            home_schooled=r.home_schooled,
        )
        for r in v.students
    ]
    stored = await a.store(
        "students",
        a.snap.pupils,
        incoming,
        lambda p: school_key(p.external_id),
        keeps=[r.keep for r in v.students],
    )
    a.pupils = dict(stored)
    latest = latest_enrolments(a.snap.enrolments)
    closes: list[Enrolment] = []
    opens: list[Enrolment] = []
    for r in v.students:
        # The pupil as stored now: dates the file did not give are the stored ones.
        pupil = a.pupils[r.external_id]
        class_id = a.classes[class_key(r.class_name)].id
        assert pupil.id is not None and class_id is not None
        left_on = pupil.left_on
        current = latest.get(pupil.id)
        if current is not None and current.class_id == class_id:
            if current.ends != left_on:
                closes.append(replace(current, ends=left_on))
            continue
        # Without an arrival date the pupil is taken to be in the class since the school
        # year began: a November import must not drop them from September's lessons.
        starts = pupil.enrolled_on or SchoolYear.bounds_for(a.today)[0]
        if left_on and left_on < starts:
            starts = left_on
        if current is not None:
            # A move: the old class ends yesterday, the new one starts today.
            move_day = max(a.today, current.starts + dt.timedelta(days=1))
            if current.ends is None or current.ends >= move_day:
                closes.append(replace(current, ends=move_day - dt.timedelta(days=1)))
            starts = move_day
        opens.append(
            Enrolment(
                id=None,
                school_id=sid,
                pupil_id=pupil.id,
                class_id=class_id,
                starts=starts,
                ends=left_on,
            )
        )
    if opens or closes:
        await a.directory.save(opens, closes)


async def apply_guardians(a: ApplyState, v: ValidatedImport) -> None:
    sid = a.school_id
    people: dict[str, Guardian] = {}
    keeps: dict[str, frozenset[str]] = {}
    for r in v.guardians:
        if r.external_id not in people:
            keeps[r.external_id] = r.keep
            people[r.external_id] = Guardian(
                id=None,
                school_id=sid,
                external_id=r.external_id,
                last_name=r.last_name,
                first_name=r.first_name,
                middle_name=r.middle_name,
                phone=r.phone,
            )
    stored = await a.store(
        "guardians",
        a.snap.guardians,
        list(people.values()),
        lambda g: school_key(g.external_id),
        keeps=list(keeps.values()),
    )
    a.guardians = dict(stored)
    links = [
        Guardianship(
            id=None,
            school_id=sid,
            guardian_id=stored_id(a.guardians[r.external_id]),
            pupil_id=stored_id(a.pupils[r.student_id]),
            relation=r.relation,
        )
        for r in v.guardians
    ]
    await a.store(
        "guardian_links",
        a.snap.guardianships,
        links,
        lambda g: (g.guardian_id, g.pupil_id),
        keeps=[r.keep for r in v.guardians],
    )
