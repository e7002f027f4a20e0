"""One family across two messengers, for the tests of the seam and of MAX: the mother (GF) on
Telegram and on another messenger, A10's father (GA10) on that other messenger only; a digest
and the term marks queued for them, not yet sent, and the father switched to English since."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import update

from domain.clock import FixedClock
from domain.people import Actor, PersonKind
from domain.usecases import teaching
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.family_jobs import Digest, TermMarksNotice
from domain.usecases.import_school import import_school
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.schools import create_school
from domain.usecases.term_marks import set_term_mark
from storage import models as m
from storage.uow import SqlUnitOfWork
from tests.school_data import bot_school, raw_tables

MSK = ZoneInfo("Europe/Moscow")


def telegram_user(chat: int) -> MessengerUser:
    return MessengerUser(messenger="telegram", user_id=str(chat), chat_id=str(chat), language="ru")


async def family_with_term_marks(
    make_uow: Callable[[], SqlUnitOfWork],
    clock: FixedClock,
    *,
    mother: MessengerUser,
    father: MessengerUser,
) -> Actor:
    """`mother`: the mother's account beside her Telegram one; `father`: his only account.
    Returns the father, as the journal knows him."""
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
        seven = (await uow.people.class_by_name(school.id, "7А")).id
    ids = {p.external_id: p.id for p in snap.pupils}
    ids |= {x.external_id: x.id for x in snap.staff}
    ids |= {g.external_id: g.id for g in snap.guardians}
    maths = next(x.id for x in snap.subjects if x.name == "Математика")

    async def join(kind: PersonKind, person: int, user: MessengerUser) -> Actor:
        [issued] = await issue_invitations(make_uow(), school.id, kind, [person], clock)
        return await redeem_invitation(make_uow(), user, issued.code, clock)

    teacher = await join(PersonKind.STAFF, ids["T1"], telegram_user(1))
    await join(PersonKind.GUARDIAN, ids["GF"], telegram_user(2))
    await join(PersonKind.GUARDIAN, ids["GF"], mother)
    # A term mark is acknowledged once per guardian, its notice sent to each of the guardian's
    # accounts: A10's other guardian is on the other messenger only.
    joined = await join(PersonKind.GUARDIAN, ids["GA10"], father)
    views = await teaching.todays_lessons(make_uow(), teacher, clock)
    first = next(v.lesson.id for v in views if v.lesson.lesson_number == 1)
    await teaching.put_mark(make_uow(), teacher, first, ids["A10"], "oral", "4", clock)

    clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    await run_due_jobs(make_uow, clock, (Digest(),))
    clock.moment = dt.datetime(2026, 12, 25, 10, 0, tzinfo=MSK)
    await set_term_mark(make_uow(), teacher, seven, maths, ids["A10"], "5", clock)
    clock.moment = dt.datetime(2026, 12, 29, 17, 0, tzinfo=MSK)
    await run_due_jobs(make_uow, clock, (TermMarksNotice(),))
    # Queued, not yet sent: the father now reads the journal in English. What he is sent is
    # rendered when it is sent, so in English; the mother's stays Russian.
    async with make_uow() as uow:
        await uow.session.execute(
            update(m.AccountRow)
            .where(
                m.AccountRow.messenger == father.messenger,
                m.AccountRow.user_id == father.user_id,
            )
            .values(language="en")
        )
        await uow.commit()
    return joined
