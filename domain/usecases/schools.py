"""Creating a school, finding the one a command means, and a summary a secretary can read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from domain.delivery import OutboxMessage
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.grading import DEFAULT_WORK_KINDS
from domain.model import Role, ScheduleSettings, School, WorkKind
from domain.ports import UnitOfWork


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "unknown time zone {value}; use a name such as Europe/Moscow", value=name
        ) from None
    if name not in available_timezones() and "/" not in name and name != "UTC":
        raise InvalidInput(
            "unknown time zone {value}; use a name such as Europe/Moscow", value=name
        )
    return name


async def create_school(uow: UnitOfWork, name: str, timezone: str) -> School:
    """A new school with the seed's grading defaults and kinds of work."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("the school needs a name")
    if len(name) > 200:
        raise InvalidInput("the school name is longer than {limit} characters", limit=200)
    check_timezone(timezone)
    async with uow:
        if await uow.schools.by_name(name) is not None:
            raise AlreadyExists("a school named {name} already exists", name=name)
        school = await uow.schools.add(School(id=None, name=name, timezone=timezone))
        assert school.id is not None
        await uow.schools.add_work_kinds(
            [
                WorkKind(
                    id=None,
                    school_id=school.id,
                    code=k.code,
                    name=k.name,
                    weight=k.weight,
                    written=k.written,
                )
                for k in DEFAULT_WORK_KINDS
            ]
        )
        await uow.commit()
        return school


async def update_school(
    uow: UnitOfWork,
    school: School,
    *,
    name: str | None = None,
    timezone: str | None = None,
    help_contacts: str | None = None,
    schedule: ScheduleSettings | None = None,
    messengers: tuple[str, ...] | None = None,
) -> School:
    """Rename, move to another time zone, set the help contacts /help shows, the schedule, or
    the messengers offered to the school's people."""
    if name is not None:
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("the school needs a name")
        if len(name) > 200:
            raise InvalidInput("the school name is longer than {limit} characters", limit=200)
    if timezone is not None:
        check_timezone(timezone)
    if help_contacts is not None and len(help_contacts) > 1000:
        raise InvalidInput("the help contacts are longer than {limit} characters", limit=1000)
    async with uow:
        if name is not None and name.casefold() != school.name.casefold():
            if await uow.schools.by_name(name) is not None:
                raise AlreadyExists("a school named {name} already exists", name=name)
        if name is not None:
            school.name = name
        if timezone is not None:
            school.timezone = timezone
        if help_contacts is not None:
            school.help_contacts = help_contacts.strip()
        if schedule is not None:
            if not 1 <= schedule.digest_weekday <= 7 or not 1 <= schedule.digest_weeks <= 4:
                raise InvalidInput("the digest goes on a weekday 1–7, every 1 to 4 weeks")
            school.schedule = schedule
        if messengers is not None:
            school.messengers = messengers
        await uow.schools.update(school)
        await uow.commit()
    return school


async def find_school(uow: UnitOfWork, ref: str | None) -> School:
    """The school a command names by id or name; may be left out when there is only one."""
    async with uow:
        schools = await uow.schools.all()
    if ref is None or not ref.strip():
        if len(schools) == 1:
            return schools[0]
        if not schools:
            raise NotFound("there is no school yet; create one with: journal school create")
        raise InvalidInput(
            "there are {count} schools; name one with --school: {names}",
            count=len(schools),
            names=", ".join(s.name for s in schools),
        )
    wanted = ref.strip()
    for school in schools:
        if str(school.id) == wanted or school.name.casefold() == wanted.casefold():
            return school
    raise NotFound("there is no school {name}", name=wanted)


@dataclass(frozen=True, slots=True)
class SchoolSummary:
    school: School
    classes: int
    pupils: int
    home_schooled: int
    left: int
    guardians: int
    guardians_without_pupil: int
    staff: int
    teachers: int
    subjects: int
    lessons_a_week: int
    periods: int
    holidays: int
    bells: int
    plan_topics: int
    school_year: str | None


async def school_summary(uow: UnitOfWork, school: School, today: dt.date) -> SchoolSummary:
    """Counts as of `today`: pupils in the journal, timetable lessons in this week."""
    assert school.id is not None
    async with uow:
        snap = await uow.directory.snapshot(school.id)
    in_journal = [p for p in snap.pupils if p.in_journal(today)]
    left = [p for p in snap.pupils if p.left_on and p.left_on < today]
    monday = today - dt.timedelta(days=today.weekday())
    week = [monday + dt.timedelta(days=i) for i in range(6)]
    lessons = sum(1 for slot in snap.timetable for day in week if slot.valid_on(day))
    linked = {g.guardian_id for g in snap.guardianships}
    current_years = [y for y in snap.school_years if y.starts <= today <= y.ends]
    year = current_years[0] if current_years else None
    return SchoolSummary(
        school=school,
        classes=len(snap.classes),
        pupils=len(in_journal),
        home_schooled=sum(1 for p in snap.pupils if p.home_schooled and not p.left_on),
        left=len(left),
        guardians=len(snap.guardians),
        guardians_without_pupil=sum(1 for g in snap.guardians if g.id not in linked),
        staff=len(snap.staff),
        teachers=sum(1 for s in snap.staff if Role.TEACHER in s.roles),
        subjects=len(snap.subjects),
        lessons_a_week=lessons,
        periods=sum(1 for p in snap.periods if year is None or p.school_year_id == year.id),
        holidays=sum(
            1 for h in snap.holidays if year is None or year.starts <= h.starts <= year.ends
        ),
        bells=len(snap.bells),
        plan_topics=len(snap.plan),
        school_year=year.name if year else None,
    )


@dataclass(frozen=True, slots=True)
class OutboxReport:
    counts: dict[str, int]
    failures: list[OutboxMessage]


async def outbox_report(uow: UnitOfWork, limit: int = 10) -> OutboxReport:
    """Pending, sent and failed messages, and the latest failures with their reasons."""
    async with uow:
        return OutboxReport(await uow.outbox.counts(), await uow.outbox.latest_failures(limit))


async def actor_school(uow: UnitOfWork, school_id: int | None) -> School | None:
    """The school a person acts in (its name, zone, help contacts), if they are linked to one."""
    if school_id is None:
        return None
    async with uow:
        return await uow.schools.get(school_id)
