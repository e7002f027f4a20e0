"""The class teacher's day: the absence register with reasons Б / У / Н, and class reports.

A class teacher sees only their own class; a deputy head sees the classes of the grades they
supervise (and may read, not set, the register).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from domain.clock import day_range, school_time
from domain.errors import Forbidden
from domain.family import AbsenceCode, AbsenceReason, ReportedReason
from domain.forecast import Forecast
from domain.intents import SetAbsenceReason
from domain.journal import Attendance, sort_key
from domain.model import GradeRange, Period, PeriodKind, Pupil, School, SchoolClass
from domain.names import PersonName
from domain.people import Actor, PersonKind
from domain.ports import Clock, UnitOfWork
from domain.readmodels import DigestFacts
from domain.usecases.diary import subject_forecasts
from domain.usecases.kernel import (
    acting_school,
    current_period,
    local_now,
    materialise_lessons,
    stored_id,
)
from domain.usecases.scheduling import DailyJob, Msg, Notice, msg, school_day


class NotYourClass(Forbidden):
    message = "this is not your class"


async def class_for(
    uow: UnitOfWork, actor: Actor, class_id: int, *, write: bool = False
) -> SchoolClass:
    """The class if the actor is its class teacher (or, to read, a deputy of its grade)."""
    if actor.school_id is None:
        raise NotYourClass()
    for cls in actor.class_teacher_of:
        if cls.id == class_id:
            return cls
    if not write and actor.is_deputy and actor.staff and actor.staff.deputy_grades:
        found = await uow.people.classes(actor.school_id, [class_id])
        if found and found[0].grade in actor.staff.deputy_grades:
            return found[0]
    raise NotYourClass()


async def classes_visible(uow: UnitOfWork, actor: Actor) -> list[SchoolClass]:
    """Own classes first, then a deputy's grades."""
    result = list(actor.class_teacher_of)
    if actor.is_deputy and actor.staff and actor.staff.deputy_grades and actor.school_id:
        known = {c.id for c in result}
        async with uow:
            others = await uow.people.classes(actor.school_id)
        result += [c for c in others if c.grade in actor.staff.deputy_grades and c.id not in known]
    return result


# --------------------------------------------------------------------------- the register


@dataclass(slots=True)
class RegisterLine:
    pupil_id: int
    name: str
    missed: list[str]  # "2 Математика"
    late: list[str]
    lessons_today: int
    reported: ReportedReason | None
    reported_text: str
    code: AbsenceCode | None

    @property
    def whole_day(self) -> bool:
        return self.lessons_today > 0 and len(self.missed) == self.lessons_today


@dataclass(slots=True)
class Register:
    school_class: SchoolClass
    day: dt.date
    lines: list[RegisterLine] = field(default_factory=list)

    @property
    def open(self) -> list[RegisterLine]:
        return [x for x in self.lines if x.missed and x.code is None]


async def _register(uow: UnitOfWork, school: School, cls: SchoolClass, day: dt.date) -> Register:
    assert school.id is not None and cls.id is not None
    await materialise_lessons(
        uow,
        school,
        day,
        [
            s
            for s in await uow.journal.timetable(school.id, day.isoweekday())
            if s.class_id == cls.id
        ],
    )
    pupils = [p for p in await uow.people.roster(school.id, cls.id, None, day) if p.in_journal(day)]
    ids = [p.id for p in pupils if p.id is not None]
    lessons = await uow.family.lessons_of_class(school.id, cls.id, day, day)
    entries = await uow.family.attendance_of_pupils(school.id, ids, day, day)
    reasons = {
        r.pupil_id: r.code for r in await uow.family.absence_reasons(school.id, ids, day, day)
    }
    reports = {r.pupil_id: r for r in await uow.family.absence_reports(school.id, ids, day, day)}
    subjects = {
        s.id: s.name
        for s in await uow.people.subjects(school.id, sorted({x.subject_id for x in lessons}))
    }
    memberships: dict[int, set[int]] = {}
    register = Register(cls, day)
    for pupil in sorted(pupils, key=lambda p: (sort_key(p.last_name), sort_key(p.first_name))):
        assert pupil.id is not None
        own = [e for e, _ in entries if e.pupil_id == pupil.id]
        if not own and pupil.id not in reports:
            continue
        if pupil.id not in memberships:
            memberships[pupil.id] = set(await uow.people.subgroups_of_pupil(school.id, pupil.id))
        mine = [
            x for x in lessons if x.subgroup_id is None or x.subgroup_id in memberships[pupil.id]
        ]
        named = {x.id: f"{x.lesson_number} {subjects.get(x.subject_id, '?')}" for x in lessons}
        missed = [
            named[e.lesson_id]
            for e, _ in entries
            if e.pupil_id == pupil.id and e.status is Attendance.ABSENT
        ]
        late = [
            named[e.lesson_id]
            for e, _ in entries
            if e.pupil_id == pupil.id and e.status is Attendance.LATE
        ]
        report = reports.get(pupil.id)
        register.lines.append(
            RegisterLine(
                pupil_id=pupil.id,
                name=f"{pupil.last_name} {pupil.first_name}",
                missed=sorted(missed),
                late=sorted(late),
                lessons_today=len(mine),
                reported=report.reason if report else None,
                reported_text=report.text if report else "",
                code=reasons.get(pupil.id),
            )
        )
    return register


async def absence_register(uow: UnitOfWork, actor: Actor, class_id: int, day: dt.date) -> Register:
    async with uow:
        cls = await class_for(uow, actor, class_id)
        school = await acting_school(uow, actor)
        register = await _register(uow, school, cls, day)
        await uow.commit()
    return register


async def set_absence_reason(
    uow: UnitOfWork,
    actor: Actor,
    class_id: int,
    pupil_id: int,
    day: dt.date,
    code: AbsenceCode,
    clock: Clock,
) -> AbsenceReason:
    """The class teacher's Б / У / Н for a pupil who missed lessons that day."""
    async with uow:
        cls = await class_for(uow, actor, class_id, write=True)
        school = await acting_school(uow, actor)
        now = local_now(clock, school)
        if day > now.date():
            raise Forbidden("the day has not come yet")
        register = await _register(uow, school, cls, day)
        line = next((x for x in register.lines if x.pupil_id == pupil_id), None)
        if line is None or not line.missed:
            raise Forbidden("this pupil missed no lessons that day")
        reason = AbsenceReason(
            id=None,
            school_id=stored_id(school.id),
            pupil_id=pupil_id,
            day=day,
            code=AbsenceCode(code),
            set_by=actor.staff_id,
            set_at=now,
        )
        await uow.family.set_absence_reason(reason)
        await uow.commit()
    return reason


def register_buttons(
    register: Register, only_open: bool = False
) -> tuple[tuple[tuple[str, SetAbsenceReason], ...], ...]:
    """[pupil], under it [Б][У][Н] with the chosen code marked; the pupil's button asks what
    the pupil missed."""
    class_id = register.school_class.id
    assert class_id is not None
    rows: list[tuple[tuple[str, SetAbsenceReason], ...]] = []
    for line in register.lines:
        if not line.missed or (only_open and line.code is not None):
            continue
        ask = SetAbsenceReason(class_id=class_id, day=register.day, pupil_id=line.pupil_id)
        codes = [
            (
                f"•{c.value}•" if line.code is c else c.value,
                SetAbsenceReason(
                    class_id=class_id, day=register.day, pupil_id=line.pupil_id, reason=c
                ),
            )
            for c in AbsenceCode
        ]
        rows.append(((line.name, ask),))  # the name has its own row: a phone shows it whole
        rows.append(tuple(codes))
    return tuple(rows)


def register_lines(register: Register) -> list[Msg]:
    lines: list[Msg] = []
    for x in register.lines:
        if not x.missed and not x.late:
            continue
        parts = []
        if x.missed:
            parts.append(msg("missed: {lessons}", lessons=", ".join(x.missed)))
        if x.late:
            parts.append(msg("late: {lessons}", lessons=", ".join(x.late)))
        if x.reported is not None:
            parts.append(
                msg("guardian says: {reason} {text}", reason=x.reported.value, text=x.reported_text)
            )
        if x.code is not None:
            parts.append(msg("reason: {code}", code=x.code.value))
        lines.append(msg("{name}: {parts}", name=x.name, parts=tuple(parts)))
    return lines


# --------------------------------------------------------------------------- prompts


async def _class_teacher_accounts(uow: UnitOfWork, school: School, cls: SchoolClass) -> list:
    if cls.class_teacher_id is None:
        return []
    assert school.id is not None
    accounts = await uow.accounts.accounts_of(school.id, PersonKind.STAFF, cls.class_teacher_id)
    return [a for a in accounts if a.unreachable_at is None]


class AbsencePrompt(DailyJob):
    """On school days at 15:00: the day's absences of the class with Б / У / Н buttons."""

    name = "absence_prompt"
    at = dt.time(15, 0)

    async def notices(
        self, uow: UnitOfWork, school: School, key: str, now: dt.datetime
    ) -> list[Notice]:
        day = dt.date.fromisoformat(key)
        return self.for_the_day(
            school, key, await _prompts(uow, school, day, key, self.name, False)
        )


class AbsenceReminder(DailyJob):
    """The next school morning at 08:30: what is still without a reason from the day before."""

    name = "absence_reminder"
    at = dt.time(8, 30)

    async def notices(
        self, uow: UnitOfWork, school: School, key: str, now: dt.datetime
    ) -> list[Notice]:
        today = dt.date.fromisoformat(key)
        day = today - dt.timedelta(days=1)
        for _ in range(7):
            if await school_day(uow, school, day):
                break
            day -= dt.timedelta(days=1)
        else:
            return []
        return await _prompts(uow, school, day, key, self.name, True)


async def _prompts(
    uow: UnitOfWork, school: School, day: dt.date, key: str, kind: str, only_open: bool
) -> list[Notice]:
    assert school.id is not None
    result = []
    for cls in await uow.people.classes(school.id):
        accounts = await _class_teacher_accounts(uow, school, cls)
        if not accounts:
            continue
        register = await _register(uow, school, cls, day)
        buttons = register_buttons(register, only_open=only_open)
        if not buttons:
            continue
        head = (
            msg(
                "Absences in {cls} on {day}: give each a reason (Б ill, У valid, Н none).",
                cls=cls.name,
                day=day.strftime("%d.%m"),
            )
            if not only_open
            else msg(
                "Still without a reason in {cls} on {day}:", cls=cls.name, day=day.strftime("%d.%m")
            )
        )
        shown = [x for x in register.lines if not only_open or (x.missed and x.code is None)]
        lines = register_lines(Register(cls, day, shown))
        for account in accounts:
            result.append(
                Notice(
                    account=account,
                    school_id=school.id,
                    kind=kind,
                    dedup_key=f"{kind}:{cls.id}:{key}:{account.id}",
                    lines=(head, *lines),
                    buttons=buttons,
                )
            )
    return result


# --------------------------------------------------------------------------- class reports


@dataclass(slots=True)
class AttendanceLine:
    pupil_id: int
    name: str
    lessons_missed: int = 0
    days_missed: int = 0
    ill: int = 0  # lessons missed on days coded Б
    valid: int = 0  # coded У
    no_reason: int = 0  # coded Н: no valid reason
    late: int = 0
    unknown: int = 0  # on days the class teacher has not coded yet: the reason is not known


@dataclass(slots=True)
class ProgressLine:
    pupil_id: int
    name: str
    subject: str
    mean: Decimal | None
    forecast: Forecast | None
    marks: int


@dataclass(slots=True)
class ClassReport:
    school_class: SchoolClass
    first: dt.date
    last: dt.date
    attendance: list[AttendanceLine]
    progress: list[ProgressLine]

    @property
    def at_risk(self) -> list[ProgressLine]:
        return [
            p
            for p in self.progress
            if p.forecast and (p.forecast.at_risk_of_2 or p.forecast.at_risk_of_na)
        ]

    def at_risk_by_pupil(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each pupil at risk once, in the class list's order: their name and, per subject, the
        risk: «2», «н/а» or both."""
        order = {a.pupil_id: n for n, a in enumerate(self.attendance)}
        by_pupil: dict[int, tuple[str, list[tuple[str, str]]]] = {}
        for p in sorted(self.at_risk, key=lambda p: (order.get(p.pupil_id, len(order)), p.name)):
            f = p.forecast
            assert f is not None
            risk = ", ".join(
                r for r, on in (("«2»", f.at_risk_of_2), ("«н/а»", f.at_risk_of_na)) if on
            )
            by_pupil.setdefault(p.pupil_id, (p.name, []))[1].append((p.subject, risk))
        return list(by_pupil.values())

    def at_risk_text(self) -> str:
        """«Абрамов Анна: Математика «2», Физика «н/а»; Белова Борис: …»: data, no words."""
        return "; ".join(
            f"{name}: " + ", ".join(f"{subject} {risk}" for subject, risk in subjects)
            for name, subjects in self.at_risk_by_pupil()
        )


async def class_report(
    uow: UnitOfWork, actor: Actor, class_id: int, first: dt.date, last: dt.date, clock: Clock
) -> ClassReport:
    """Attendance (lessons and days missed, of them Б / У / Н and not coded yet, lateness) and
    progress (mean, forecast, number of marks, risks) for any range of dates."""
    if last < first or (last - first).days > 366:
        raise Forbidden("choose a range of dates within a school year")
    async with uow:
        cls = await class_for(uow, actor, class_id)
        school = await acting_school(uow, actor)
        report = await _class_report(uow, school, cls, first, last, local_now(clock, school).date())
    return report


async def _class_report(
    uow: UnitOfWork,
    school: School,
    cls: SchoolClass,
    first: dt.date,
    last: dt.date,
    today: dt.date,
) -> ClassReport:
    assert school.id is not None and cls.id is not None
    pupils = [
        p
        for p in await uow.people.roster(school.id, cls.id, None, min(last, today))
        if p.in_journal(min(last, today))
    ]
    pupils.sort(key=lambda p: (sort_key(p.last_name), sort_key(p.first_name)))
    ids = [p.id for p in pupils if p.id is not None]
    entries = await uow.family.attendance_of_pupils(school.id, ids, first, last)
    codes = {
        (r.pupil_id, r.day): r.code
        for r in await uow.family.absence_reasons(school.id, ids, first, last)
    }
    lessons = await uow.family.lessons_of_class(school.id, cls.id, first, last)
    per_day: dict[dt.date, list] = defaultdict(list)
    for x in lessons:
        per_day[x.day].append(x)
    attendance = []
    progress = []
    period = Period(
        id=None,
        school_id=school.id,
        school_year_id=None,
        name=day_range(first, last),
        kind=PeriodKind.QUARTER,
        grades=_grades(cls.grade),
        starts=first,
        ends=last,
    )
    for pupil in pupils:
        pupil_id = stored_id(pupil.id)
        line = AttendanceLine(pupil_id=pupil_id, name=f"{pupil.last_name} {pupil.first_name}")
        missed_by_day: dict[dt.date, int] = defaultdict(int)
        groups = set(await uow.people.subgroups_of_pupil(school.id, pupil_id))
        for entry, lesson in entries:
            if entry.pupil_id != pupil.id:
                continue
            if entry.status is Attendance.LATE:
                line.late += 1
                continue
            line.lessons_missed += 1
            missed_by_day[lesson.day] += 1
            code = codes.get((pupil_id, lesson.day))
            if code is AbsenceCode.ILL:
                line.ill += 1
            elif code is AbsenceCode.VALID:
                line.valid += 1
            elif code is AbsenceCode.NO_REASON:
                line.no_reason += 1
            else:
                line.unknown += 1
        for day, count in missed_by_day.items():
            own = [x for x in per_day[day] if x.subgroup_id is None or x.subgroup_id in groups]
            if own and count >= len(own):
                line.days_missed += 1
        attendance.append(line)
        for s in await subject_forecasts(uow, school, pupil, cls, period, min(last, today)):
            if s.forecast is None:
                continue
            progress.append(
                ProgressLine(
                    pupil_id=pupil_id,
                    name=line.name,
                    subject=s.subject.name,
                    mean=s.forecast.mean,
                    forecast=s.forecast,
                    marks=s.forecast.marks_count,
                )
            )
    return ClassReport(
        school_class=cls, first=first, last=last, attendance=attendance, progress=progress
    )


def _grades(grade: int) -> GradeRange:
    return GradeRange(grade, grade)


class PreliminaryReport:
    """Two weeks before a period ends the class teacher and the deputies get the class's
    attendance and progress, with the pupils at risk."""

    name = "preliminary_report"
    at = dt.time(9, 0)

    async def due(self, uow: UnitOfWork, school: School, local: dt.datetime) -> str | None:
        """The first period in its last fortnight whose report has not gone yet: a tick runs
        one key, so two periods ending together (II четверть and I полугодие) are served on
        consecutive ticks instead of the second never."""
        if local.time() < self.at:
            return None
        assert school.id is not None
        for period in await uow.journal.periods(school.id):
            if (
                period.kind != PeriodKind.YEAR
                and period.ends - dt.timedelta(days=14) <= local.date() <= period.ends
                and not await uow.jobs.ran(self.name, school.id, f"{period.id}")
            ):
                return f"{period.id}"
        return None

    async def notices(
        self, uow: UnitOfWork, school: School, key: str, now: dt.datetime
    ) -> list[Notice]:
        assert school.id is not None
        period = next(p for p in await uow.journal.periods(school.id) if str(p.id) == key)
        today = school_time(now, school.timezone).date()
        deputies = [s for s in await uow.people.all_staff(school.id) if s.deputy_grades]
        result = []
        for cls in await uow.people.classes(school.id):
            if cls.grade not in period.grades:
                continue
            report = await _class_report(uow, school, cls, period.starts, today, today)
            missed = sum(x.lessons_missed for x in report.attendance)
            lines = [
                msg(
                    "Preliminary report, {cls}, {period} (ends {ends}):",
                    cls=cls.name,
                    period=period.name,
                    ends=period.ends.strftime("%d.%m"),
                ),
                msg(
                    "Lessons missed: {count}; without a valid reason: {none}; reason not entered "
                    "yet: {unknown}",
                    count=missed,
                    none=sum(x.no_reason for x in report.attendance),
                    unknown=sum(x.unknown for x in report.attendance),
                ),
            ]
            if report.at_risk:
                lines.append(msg("At risk: {list}", list=report.at_risk_text()))
            else:
                lines.append(msg("Nobody is at risk of 2 or «н/а»."))
            recipients = await _class_teacher_accounts(uow, school, cls)
            for deputy in deputies:
                if deputy.deputy_grades and cls.grade in deputy.deputy_grades:
                    recipients += await uow.accounts.accounts_of(
                        school.id, PersonKind.STAFF, stored_id(deputy.id)
                    )
            seen = set()
            for account in recipients:
                if account.id in seen:
                    continue
                seen.add(account.id)
                result.append(
                    Notice(
                        account=account,
                        school_id=school.id,
                        kind=self.name,
                        dedup_key=f"{self.name}:{key}:{cls.id}:{account.id}",
                        lines=tuple(lines),
                    )
                )
        return result


# --------------------------------------------------------------------------- families of a class


@dataclass(slots=True)
class GuardianState:
    guardian: str
    children: str
    joined: bool
    blocked: bool
    last_digest: str | None  # outbox status of the latest digest: sent, pending, failed, blocked
    acknowledged: dt.datetime | None = None  # the latest, in the school's time zone
    notified: bool = False
    person: PersonName | None = None  # the name's parts: the words about them agree with it

    @property
    def needs_print(self) -> bool:
        """Parents without the messenger get a printout."""
        return not self.joined or self.blocked


async def families(
    uow: UnitOfWork, actor: Actor, class_id: int, clock: Clock
) -> list[GuardianState]:
    """Every guardian of the class: joined the bot or not, blocked it, the last digest's state,
    and whether they acknowledged the latest term marks."""

    async with uow:
        cls = await class_for(uow, actor, class_id)
        school = await acting_school(uow, actor)
        assert school.id is not None and cls.id is not None
        today = local_now(clock, school).date()
        pupils = [
            p
            for p in await uow.people.roster(school.id, cls.id, None, today)
            if p.in_journal(today)
        ]
        by_id = {stored_id(p.id): p for p in pupils}
        period = current_period(await uow.journal.periods(school.id), cls.grade, today)
        acks = await uow.family.acknowledgements(
            school.id, period.id if period else None, [p.id for p in pupils if p.id]
        )
        result = []
        for guardian in await uow.people.guardians_of(school.id, list(by_id)):
            assert guardian.id is not None
            kids = [
                by_id[c.id]
                for c in await uow.people.children(school.id, guardian.id)
                if c.id in by_id
            ]
            accounts = await uow.accounts.accounts_of(school.id, PersonKind.GUARDIAN, guardian.id)
            last = await uow.outbox.last_status([a.id for a in accounts if a.id], "digest")
            mine = [a for a in acks if a.guardian_id == guardian.id]
            done = [a.acknowledged_at for a in mine if a.acknowledged_at]
            result.append(
                GuardianState(
                    guardian=guardian.full_name,
                    children=", ".join(k.first_name for k in kids),
                    joined=bool(accounts),
                    blocked=bool(accounts) and all(a.unreachable_at is not None for a in accounts),
                    last_digest=last,
                    acknowledged=school_time(max(done), school.timezone) if done else None,
                    notified=bool(mine),
                    person=PersonName.of(guardian),
                )
            )
    return sorted(result, key=lambda g: sort_key(g.guardian))


@dataclass(slots=True)
class PrintableDigest:
    pupil: Pupil
    school_class: SchoolClass
    period: Period
    first: dt.date
    last: dt.date
    subjects: list
    facts: DigestFacts


async def printable_digests(
    uow: UnitOfWork, actor: Actor, class_id: int, clock: Clock, only_offline: bool = True
) -> tuple[School, dict[str, str], list[PrintableDigest]]:
    """The fortnight's digest per pupil, for guardians who do not use the bot (or everyone)."""
    from domain.usecases.family_jobs import digest_facts

    async with uow:
        cls = await class_for(uow, actor, class_id)
        school = await acting_school(uow, actor)
        assert school.id is not None and cls.id is not None
        today = local_now(clock, school).date()
        period = current_period(await uow.journal.periods(school.id), cls.grade, today)
        if period is None:
            raise Forbidden("there is no period for this class yet")
        since = today - dt.timedelta(weeks=school.schedule.digest_weeks) + dt.timedelta(days=1)
        result = []
        for pupil in await uow.people.roster(school.id, cls.id, None, today):
            if not pupil.in_journal(today):
                continue
            if only_offline and await _reachable_family(uow, school.id, pupil):
                continue
            subjects = await subject_forecasts(uow, school, pupil, cls, period, today)
            facts = await digest_facts(uow, school, pupil, cls, subjects, since, today)
            result.append(
                PrintableDigest(
                    pupil=pupil,
                    school_class=cls,
                    period=period,
                    first=since,
                    last=today,
                    subjects=subjects,
                    facts=facts,
                )
            )
        names = {k.code: k.name for k in await uow.schools.work_kinds(school.id)}
        await uow.commit()
    result.sort(key=lambda d: (sort_key(d.pupil.last_name), sort_key(d.pupil.first_name)))
    return school, names, result


async def _reachable_family(uow: UnitOfWork, school_id: int, pupil: Pupil) -> bool:
    assert pupil.id is not None
    for guardian in await uow.people.guardians_of(school_id, [pupil.id]):
        for account in await uow.accounts.accounts_of(
            school_id, PersonKind.GUARDIAN, stored_id(guardian.id)
        ):
            if account.unreachable_at is None:
                return True
    return False


REPORT_RANGES = ("period", "previous", "month", "week")


def report_range(
    periods: list[Period], grade: int, today: dt.date, which: str
) -> tuple[dt.date, dt.date]:
    """The dates a class report covers: this period, the previous one, 30 or 7 days."""

    if which == "week":
        return today - dt.timedelta(days=6), today
    if which == "month":
        return today - dt.timedelta(days=29), today
    current = current_period(periods, grade, today)
    if which == "previous":
        terms = sorted(
            (
                p
                for p in periods
                if grade in p.grades
                and p.kind != PeriodKind.YEAR
                and current is not None
                and p.ends < current.starts
            ),
            key=lambda p: p.ends,
        )
        if terms:
            return terms[-1].starts, terms[-1].ends
        raise Forbidden("there is no earlier period")
    if current is None:
        return today - dt.timedelta(days=29), today
    return current.starts, min(current.ends, today)


async def class_report_this_period(
    uow: UnitOfWork, actor: Actor, class_id: int, clock: Clock, which: str = "period"
) -> ClassReport:
    """The class report for this period (or the previous one, the last 30 or 7 days)."""
    if which not in REPORT_RANGES:
        raise Forbidden("there is no such range")
    async with uow:
        cls = await class_for(uow, actor, class_id)
        school = await acting_school(uow, actor)
        today = local_now(clock, school).date()
        periods = await uow.journal.periods(stored_id(school.id))
    first, last = report_range(periods, cls.grade, today, which)
    return await class_report(uow, actor, class_id, first, last, clock)


async def open_class(uow: UnitOfWork, actor: Actor, class_id: int) -> SchoolClass:
    """The class, if the actor may see it (its class teacher, or a deputy of its grade)."""
    async with uow:
        return await class_for(uow, actor, class_id)
