"""Jobs the clock runs: what is due for each school, in its time zone, on its school days.

A job's run for a period (a day, a fortnight) is recorded under a unique key in the same
transaction that queues its messages: a run missed while the process was down happens when it
comes back, and no run happens twice, whichever process gets there first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from domain.clock import school_time
from domain.delivery import (
    DEFAULT_QUIET_FROM,
    DEFAULT_QUIET_TO,
    OutboxMessage,
    QuietHours,
    deliver_at,
)
from domain.intents import Intent
from domain.journal import LessonState, end_of_day, is_school_day
from domain.model import ALL_GRADES, School
from domain.notices import NoticeBody
from domain.people import Account, PersonKind
from domain.ports import Clock, UnitOfWork
from domain.text import Label, Msg, msg
from domain.usecases.kernel import lesson_views, materialise_lessons


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell one account later; the outbox keeps what it says (`body`), rendered
    when it is sent (text and button labels) in the account's language, by its messenger."""

    account: Account
    school_id: int
    kind: str
    dedup_key: str
    lines: tuple[Msg, ...]
    urgent: bool = False
    buttons: tuple[tuple[tuple[Label, Intent], ...], ...] = field(default=())  # (label, intent)
    photo: bytes | None = None
    not_after: dt.datetime | None = None  # not delivered after this (see OutboxMessage)

    @property
    def body(self) -> NoticeBody:
        """What it says, in no language yet: as the outbox keeps it."""
        return NoticeBody(lines=self.lines, buttons=self.buttons)


class Job(Protocol):
    name: str

    async def due(self, uow: UnitOfWork, school: School, local: dt.datetime) -> str | None:
        """The period this job is due for now, or None."""
        ...

    async def notices(
        self, uow: UnitOfWork, school: School, period_key: str, now: dt.datetime
    ) -> list[Notice]: ...


async def school_day(uow: UnitOfWork, school: School, day: dt.date) -> bool:
    """A day with lessons for at least one grade: not a day off, not a whole-school holiday."""
    assert school.id is not None
    holidays = await uow.journal.holidays(school.id)
    six = school.schedule.six_day_week
    return any(is_school_day(day, grade, holidays, six) for grade in range(ALL_GRADES.first, 12))


async def daily_due(uow: UnitOfWork, school: School, local: dt.datetime, at: dt.time) -> str | None:
    """Once a school day, from `at` until midnight (after midnight it is the next day's run)."""
    if local.time() < at or not await school_day(uow, school, local.date()):
        return None
    return local.date().isoformat()


class DailyJob:
    """A job that runs once each school day at its hour, in the school's time zone."""

    name: str
    at: dt.time

    async def due(self, uow: UnitOfWork, school: School, local: dt.datetime) -> str | None:
        return await daily_due(uow, school, local, self.at)

    @staticmethod
    def for_the_day(school: School, key: str, notices: list[Notice]) -> list[Notice]:
        """Notices about the day `key` only: none is delivered after that day ends at the
        school (held by quiet hours or a sender that was down, it would tell a stale day)."""
        ends = end_of_day(dt.date.fromisoformat(key), school.timezone)
        return [replace(n, not_after=ends) for n in notices]


# --------------------------------------------------------------------------- evening reminder

STATE_WORDS = {
    LessonState.ATTENDANCE_MISSING: "attendance",
    LessonState.TOPIC_MISSING: "topic",
    LessonState.HOMEWORK_MISSING: "homework",
}


class EveningReminder:
    """At the school's evening hour, each teacher hears which of today's lessons are unfinished."""

    name = "evening_reminder"

    async def due(self, uow: UnitOfWork, school: School, local: dt.datetime) -> str | None:
        return await daily_due(uow, school, local, school.schedule.evening_reminder)

    async def notices(
        self, uow: UnitOfWork, school: School, period_key: str, now: dt.datetime
    ) -> list[Notice]:
        assert school.id is not None
        day = dt.date.fromisoformat(period_key)
        await materialise_lessons(
            uow, school, day, await uow.journal.timetable(school.id, day.isoweekday())
        )
        lessons = await uow.journal.lessons_on(school.id, day)
        views = await lesson_views(uow, school, lessons, None)
        by_teacher: dict[int, list[Msg]] = {}
        for v in views:
            if v.state == [LessonState.DONE]:
                continue
            missing = tuple(Msg(STATE_WORDS[s]) for s in v.state)
            by_teacher.setdefault(v.lesson.acting_teacher_id, []).append(
                msg("{number}. {title} — missing: {what}", number=v.lesson.lesson_number,
                       title=v.title, what=missing)
            )  # fmt: skip
        result = []
        for teacher_id, lines in sorted(by_teacher.items()):
            head = msg("Today's lessons still to fill in ({day}):", day=day.strftime("%d.%m"))
            for account in await uow.accounts.accounts_of(school.id, PersonKind.STAFF, teacher_id):
                result.append(
                    Notice(account=account, school_id=school.id, kind=self.name,
                           dedup_key=f"{self.name}:{school.id}:{period_key}:{account.id}",
                           lines=(head, *lines, Msg("Open /menu to fill them in.")))
                )  # fmt: skip
        return result


JOBS: tuple[Job, ...] = (EveningReminder(),)


# --------------------------------------------------------------------------- running jobs


@dataclass(frozen=True, slots=True)
class JobRun:
    job: str
    school_id: int
    period_key: str
    messages: int


def quiet_hours(account: Account) -> QuietHours:
    return QuietHours(
        account.quiet_from or DEFAULT_QUIET_FROM, account.quiet_to or DEFAULT_QUIET_TO
    )


def to_outbox(notice: Notice, school: School, now: dt.datetime) -> OutboxMessage:
    """The notice as a message of the outbox: what it says, to be rendered when it is sent (in
    the recipient's language then, by their messenger), held until their quiet hours end unless
    urgent."""
    assert notice.account.id is not None
    return OutboxMessage(
        id=None, school_id=notice.school_id, account_id=notice.account.id,
        chat_id=notice.account.chat_id, kind=notice.kind, dedup_key=notice.dedup_key,
        text="", notice=notice.body,
        not_before=deliver_at(now, school.timezone, quiet_hours(notice.account),
                              urgent=notice.urgent),
        created_at=now, urgent=notice.urgent,
        photo=notice.photo, not_after=notice.not_after, messenger=notice.account.messenger,
    )  # fmt: skip


async def run_due_jobs(
    make_uow: Callable[[], UnitOfWork],
    clock: Clock,
    jobs: Sequence[Job] = JOBS,
) -> list[JobRun]:
    """One tick of the clock: every job due for every school runs once, in its own transaction."""
    now = clock.now()
    async with make_uow() as uow:
        schools = await uow.schools.all()
    runs: list[JobRun] = []
    for school in schools:
        assert school.id is not None
        local = school_time(now, school.timezone)
        for job in jobs:
            async with make_uow() as uow:
                key = await job.due(uow, school, local)
                if key is None or not await uow.jobs.start(job.name, school.id, key, now):
                    continue
                notices = [
                    n for n in await job.notices(uow, school, key, now)
                    if n.account.unreachable_at is None and n.account.id is not None
                ]  # fmt: skip
                messages = [to_outbox(n, school, now) for n in notices]
                await uow.outbox.add(messages)
                await uow.jobs.set_count(job.name, school.id, key, len(messages))
                await uow.commit()
                runs.append(
                    JobRun(
                        job=job.name, school_id=school.id, period_key=key, messages=len(messages)
                    )
                )
    return runs
