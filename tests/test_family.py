"""Families on SQLite and PostgreSQL: the diary, privacy between families, mark notices, the
digest with a forecast worked out by hand, term marks acknowledged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from app.process import digest_worker_parts
from domain.clock import FixedClock
from domain.errors import Forbidden
from domain.family import ReportedReason
from domain.model import ScheduleSettings
from domain.people import Actor, PersonKind
from domain.usecases import diary, teaching
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.digest_batch import Part
from domain.usecases.family_jobs import Digest, TermMarksNotice, announce_marks
from domain.usecases.import_school import import_school
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.schools import create_school, update_school
from domain.usecases.term_marks import set_term_mark
from scheduler.clock import JournalClock
from scheduler.workers import DigestWorkers
from storage.uow import SqlUnitOfWork
from tests.rendered import rendered_outbox
from tests.school_data import bot_school, raw_tables

MSK = ZoneInfo("Europe/Moscow")
MONDAY = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
UowFactory = Callable[[], SqlUnitOfWork]


class Family(SimpleNamespace):
    make_uow: UowFactory
    clock: FixedClock
    school_id: int
    ids: dict[str, int]
    teacher: Actor
    mother: Actor  # GF: A10 in 7А and B20 in 8Б
    other: Actor  # GA3: A3 only


async def join(w: Family, kind: PersonKind, person: int, user_id: int) -> Actor:
    [issued] = await issue_invitations(w.make_uow(), w.school_id, kind, [person], w.clock)
    user = MessengerUser(
        messenger="telegram", user_id=str(user_id), chat_id=str(user_id), language="ru"
    )
    return await redeem_invitation(w.make_uow(), user, issued.code, w.clock)


@pytest.fixture
async def family(make_uow: UowFactory) -> Family:
    clock = FixedClock(MONDAY)
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    ids = {p.external_id: p.id for p in snap.pupils}
    ids |= {s.external_id: s.id for s in snap.staff}
    ids |= {g.external_id: g.id for g in snap.guardians}
    w = Family(make_uow=make_uow, clock=clock, school_id=school.id, ids=ids)
    w.teacher = await join(w, PersonKind.STAFF, ids["T1"], 1)
    w.mother = await join(w, PersonKind.GUARDIAN, ids["GF"], 2)
    w.other = await join(w, PersonKind.GUARDIAN, ids["GA3"], 3)
    return w


async def lesson_at(w: Family, number: int) -> int:
    views = await teaching.todays_lessons(w.make_uow(), w.teacher, w.clock)
    return next(v.lesson.id for v in views if v.lesson.lesson_number == number)


async def outbox(w: Family) -> list[SimpleNamespace]:
    return await rendered_outbox(w.make_uow)


async def test_a_guardian_of_two_sees_each_child_and_nobody_else(family: Family) -> None:
    w = family
    first = await lesson_at(w, 1)  # 7А maths
    third = await lesson_at(w, 3)  # 8Б maths
    await teaching.put_mark(w.make_uow(), w.teacher, first, w.ids["A10"], "oral", "5", w.clock)
    await teaching.put_mark(w.make_uow(), w.teacher, third, w.ids["B20"], "control", "3", w.clock)
    await teaching.put_mark(w.make_uow(), w.teacher, first, w.ids["A3"], "oral", "2", w.clock)
    assert sorted(p.external_id for p in diary.children(w.mother)) == ["A10", "B20"]
    seven = await diary.diary_marks(w.make_uow(), w.mother, w.ids["A10"], w.clock)
    eight = await diary.diary_marks(w.make_uow(), w.mother, w.ids["B20"], w.clock)
    assert (seven.school_class.name, eight.school_class.name) == ("7А", "8Б")
    maths7 = next(s for s in seven.subjects if s.subject.name == "Математика")
    maths8 = next(s for s in eight.subjects if s.subject.name == "Математика")
    assert [v for _, v, _ in maths7.marks] == ["5"] and [v for _, v, _ in maths8.marks] == ["3"]
    for forbidden in ("A3", "B5"):
        with pytest.raises(diary.NotYourChild):
            await diary.diary_marks(w.make_uow(), w.mother, w.ids[forbidden], w.clock)
    with pytest.raises(Forbidden):
        await diary.diary_marks(w.make_uow(), w.teacher, w.ids["A10"], w.clock)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(min_value=-5, max_value=400))
async def test_forged_child_ids_never_show_another_family(family: Family, pupil_id: int) -> None:
    w = family
    own = {p.id for p in diary.children(w.other)}
    calls = [
        diary.diary_marks(w.make_uow(), w.other, pupil_id, w.clock),
        diary.diary_absences(w.make_uow(), w.other, pupil_id, w.clock),
        diary.diary_homework(w.make_uow(), w.other, pupil_id, w.clock),
        diary.report_absence(
            w.make_uow(),
            w.other,
            pupil_id,
            MONDAY.date(),
            MONDAY.date(),
            ReportedReason.ILL,
            "",
            w.clock,
        ),
    ]
    for call in calls:
        if pupil_id in own:
            await call
        else:
            with pytest.raises(diary.NotYourChild):
                await call


async def test_absences_homework_and_reports(family: Family) -> None:
    w = family
    first = await lesson_at(w, 1)
    await teaching.save_attendance(w.make_uow(), w.teacher, first, {w.ids["A10"]: "Н"}, w.clock)
    await teaching.set_homework(w.make_uow(), w.teacher, first, "§ 7, № 1–3", w.clock)
    report = await diary.report_absence(
        w.make_uow(),
        w.mother,
        w.ids["A10"],
        MONDAY.date(),
        MONDAY.date() + dt.timedelta(days=1),
        ReportedReason.ILL,
        "Температура",
        w.clock,
    )
    assert report.id is not None
    [day] = await diary.diary_absences(w.make_uow(), w.mother, w.ids["A10"], w.clock)
    assert (day.day, day.lessons, day.reported) == (
        MONDAY.date(),
        ["Математика"],
        ReportedReason.ILL,
    )
    [homework] = await diary.diary_homework(w.make_uow(), w.mother, w.ids["A10"], w.clock)
    assert (homework.subject, homework.text, homework.day) == (
        "Математика",
        "§ 7, № 1–3",
        dt.date(2026, 11, 17),
    )
    with pytest.raises(Forbidden):  # pupils and teachers do not report for families
        await diary.report_absence(
            w.make_uow(),
            w.teacher,
            w.ids["A10"],
            MONDAY.date(),
            MONDAY.date(),
            ReportedReason.ILL,
            "",
            w.clock,
        )


async def test_a_corrected_mark_notifies_once(family: Family) -> None:
    w = family
    first = await lesson_at(w, 1)
    await teaching.put_mark(w.make_uow(), w.teacher, first, w.ids["A10"], "oral", "3", w.clock)
    w.clock.advance(dt.timedelta(minutes=4))
    await teaching.put_mark(w.make_uow(), w.teacher, first, w.ids["A10"], "oral", "4", w.clock)
    w.clock.advance(dt.timedelta(minutes=9))  # 13 minutes after the first tap, 9 after the fix
    assert await announce_marks(w.make_uow, w.clock) == 0
    w.clock.advance(dt.timedelta(minutes=2))
    # Both guardians of A10 with accounts: only GF (the mother) has joined.
    assert await announce_marks(w.make_uow, w.clock) == 1
    assert await announce_marks(w.make_uow, w.clock) == 0
    [notice] = await outbox(w)
    assert notice.chat_id == "2"
    assert notice.text == "Вера: 4 по предмету «Математика» (Устный ответ), 16.11"
    # The school's privacy mode keeps names and marks out of the push.
    school = await _school(w)
    await update_school(w.make_uow(), school, schedule=ScheduleSettings(private_notifications=True))
    await teaching.put_mark(w.make_uow(), w.teacher, first, w.ids["A10"], "homework", "5", w.clock)
    w.clock.advance(dt.timedelta(minutes=11))
    await announce_marks(w.make_uow, w.clock)
    private = (await outbox(w))[-1]
    assert private.text == "В дневнике новые записи. Откройте /menu, чтобы посмотреть."


HOSTILE = "<b>Молодец</b>, </a> & <i>"  # a teacher's comment: it must arrive as text
ESCAPED = "&lt;b&gt;Молодец&lt;/b&gt;, &lt;/a&gt; &amp; &lt;i&gt;"


async def test_a_teachers_comment_to_a_mark_reaches_the_family(family: Family) -> None:
    w = family
    first = await lesson_at(w, 1)
    put = teaching.put_mark
    await put(w.make_uow(), w.teacher, first, w.ids["A10"], "oral", "4", w.clock)
    await put(w.make_uow(), w.teacher, first, w.ids["A10"], "oral", "4", w.clock, comment=HOSTILE)
    # The diary: the comment under the subject's marks, the teacher's text as it is.
    book = await diary.diary_marks(w.make_uow(), w.mother, w.ids["A10"], w.clock)
    maths = next(s for s in book.subjects if s.subject.name == "Математика")
    assert [(c.day, c.value, c.work_kind, c.text) for c in maths.comments] == [
        (MONDAY.date(), "4", "Устный ответ", HOSTILE)
    ]
    # The mark's notice (held ten minutes): the comment with it, escaped for Telegram's HTML.
    w.clock.advance(dt.timedelta(minutes=11))
    assert await announce_marks(w.make_uow, w.clock) == 1
    [notice] = await outbox(w)
    assert notice.text == (
        f"Вера: 4 по предмету «Математика» (Устный ответ), 16.11\n💬 Комментарий учителя: {ESCAPED}"
    )
    # The digest: under the subject's new marks.
    w.clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    await run_due_jobs(w.make_uow, w.clock, (Digest(),))
    [digest] = [
        x for x in await outbox(w) if x.kind == "digest" and "Лебедев Вера</b>, 7А" in x.text
    ]
    assert (
        f"<b>Математика</b>: новые отметки 4\n💬 Комментарий к отметке 4 за 16.11: {ESCAPED}"
    ) in digest.text


async def test_no_comment_in_a_notification_in_the_privacy_mode(family: Family) -> None:
    w = family
    school = await _school(w)
    await update_school(w.make_uow(), school, schedule=ScheduleSettings(private_notifications=True))
    first = await lesson_at(w, 1)
    await teaching.put_mark(
        w.make_uow(), w.teacher, first, w.ids["A10"], "oral", "4", w.clock, comment="Тайна"
    )
    w.clock.advance(dt.timedelta(minutes=11))
    await announce_marks(w.make_uow, w.clock)
    w.clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    await run_due_jobs(w.make_uow, w.clock, (Digest(),))
    sent = await outbox(w)
    assert {x.kind for x in sent} >= {"mark", "digest"}
    assert not [x.text for x in sent if "Тайна" in x.text or "4" in x.text]
    # It is there when the guardian opens the diary.
    book = await diary.diary_marks(w.make_uow(), w.mother, w.ids["A10"], w.clock)
    assert [c.text for s in book.subjects for c in s.comments] == ["Тайна"]


async def _school(w: Family):
    async with w.make_uow() as uow:
        return await uow.schools.get(w.school_id)


async def test_digest_shows_the_forecast_worked_out_by_hand(family: Family) -> None:
    w = family
    # Oral 4 on Monday 16.11 (lessons 1 and 2), oral 3 on Tuesday 17.11:
    # mean (4 + 4 + 3) / 3 = 3.67 → 4; a 5 needs (11 + 5n) / (3 + n) ≥ 4.5 → n ≥ 5.
    for number in (1, 2):
        lesson = await lesson_at(w, number)
        await teaching.put_mark(w.make_uow(), w.teacher, lesson, w.ids["A10"], "oral", "4", w.clock)
    w.clock.moment = dt.datetime(2026, 11, 17, 9, 0, tzinfo=MSK)
    tuesday = await lesson_at(w, 1)
    await teaching.put_mark(w.make_uow(), w.teacher, tuesday, w.ids["A10"], "oral", "3", w.clock)
    # The digest goes on Fridays at 18:00 every other week from the week of 1 September:
    # 20.11 is in week 11 (odd), 27.11 in week 12 (even).
    w.clock.moment = dt.datetime(2026, 11, 20, 18, 0, tzinfo=MSK)
    assert await run_due_jobs(w.make_uow, w.clock, (Digest(),)) == []
    w.clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    [run] = await run_due_jobs(w.make_uow, w.clock, (Digest(),))
    messages = [x for x in await outbox(w) if x.chat_id == "2"]
    seven = next(x for x in messages if "Лебедев Вера Козлова" not in x.text and "7А" in x.text)
    assert "<b>Лебедев Вера</b>, 7А: 14.11–27.11" in seven.text
    assert "<b>Математика</b>: новые отметки 4, 4, 3" in seven.text
    assert "Средний балл 3,67: выходит 4" in seven.text
    assert "Ещё 5 отметок «5» (Устный ответ) — и выйдет 5" in seven.text
    assert run.messages == len(await outbox(w))
    assert await run_due_jobs(w.make_uow, w.clock, (Digest(),)) == []


async def test_digest_shares_run_once_each_and_tell_nobody_twice(family: Family) -> None:
    """Digest workers each build a share of every school's classes (`Part`): each share is a
    job run of its own, and together they queue what the whole job queues, each message once."""
    w = family
    w.clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    shares = (Digest(part=Part(0, 2)), Digest(part=Part(1, 2)))
    runs = await run_due_jobs(w.make_uow, w.clock, shares)
    assert [r.job for r in runs] == ["digest 1/2", "digest 2/2"]
    assert all(r.messages for r in runs)  # 7А and 8Б are dealt to different shares
    queued = await outbox(w)
    assert sum(r.messages for r in runs) == len(queued)
    assert {x.kind for x in queued} == {"digest"}
    classes = [{c for c in ("7А", "8Б") if f", {c}: " in x.text} for x in queued]
    assert all(len(c) == 1 for c in classes)
    assert await run_due_jobs(w.make_uow, w.clock, shares) == []  # each share once
    # The whole job (another split) runs too, but queues nothing a share queued.
    [whole] = await run_due_jobs(w.make_uow, w.clock, (Digest(),))
    assert whole.messages == len(queued)
    assert [(x.dedup_key, x.text) for x in await outbox(w)] == [
        (x.dedup_key, x.text) for x in queued
    ]


async def test_digest_workers_build_the_shares_in_processes_of_their_own(
    family: Family, engine: AsyncEngine
) -> None:
    """The clock with worker processes: the digest's shares run in them, the other jobs in
    the clock's own process; the next tick finds them done."""
    w = family
    w.clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    url = engine.url.render_as_string(hide_password=False)
    workers = DigestWorkers(2, parts=partial(digest_worker_parts, url, False))
    clock = JournalClock(w.make_uow, w.clock, digest_workers=workers)
    assert not any(isinstance(job, Digest) for job in clock.jobs)
    try:
        runs = await clock.tick()
        digests = sorted((r.job, r.messages) for r in runs if r.job.startswith("digest"))
        assert [job for job, _ in digests] == ["digest 1/2", "digest 2/2"]
        queued = [x for x in await outbox(w) if x.kind == "digest"]
        assert len(queued) == sum(n for _, n in digests) > 0
        assert "<b>Лебедев Вера</b>, 7А: 14.11–27.11" in "\n".join(x.text for x in queued)
        again = await clock.tick()
        assert not [r for r in again if r.job.startswith("digest")]
        assert len([x for x in await outbox(w) if x.kind == "digest"]) == len(queued)
    finally:
        clock.shutdown()


async def test_term_marks_are_acknowledged_with_reminders(family: Family) -> None:
    w = family
    job = (TermMarksNotice(),)
    w.clock.moment = dt.datetime(2026, 12, 25, 10, 0, tzinfo=MSK)
    await set_term_mark(
        w.make_uow(),
        w.teacher,
        await _class(w, "7А"),
        await _subject(w),
        w.ids["A10"],
        "5",
        w.clock,
    )
    w.clock.moment = dt.datetime(2026, 12, 25, 17, 0, tzinfo=MSK)
    # Physics (T2) has no term mark yet and the period is not over: nothing to confirm yet.
    await run_due_jobs(w.make_uow, w.clock, job)
    assert await outbox(w) == []
    # After the period's last day the marks that are there go out.
    w.clock.moment = dt.datetime(2026, 12, 29, 17, 0, tzinfo=MSK)
    await run_due_jobs(w.make_uow, w.clock, job)
    [first] = await outbox(w)
    assert first.chat_id == "2" and "Итоговые отметки: Лебедев Вера, II четверть" in first.text
    assert "Математика: 5" in first.text
    ack_id = int(first.buttons[0][0]["data"].removeprefix("ack:"))
    for day in (30, 31):
        w.clock.moment = dt.datetime(2026, 12, day, 17, 0, tzinfo=MSK)
        await run_due_jobs(w.make_uow, w.clock, job)
    assert len(await outbox(w)) == 2  # one reminder, two days after
    with pytest.raises(Forbidden):
        await diary.acknowledge_term_marks(w.make_uow(), w.other, ack_id, w.clock)
    ack = await diary.acknowledge_term_marks(w.make_uow(), w.mother, ack_id, w.clock)
    assert ack.acknowledged_at == w.clock.now()
    for day in range(1, 9):
        w.clock.moment = dt.datetime(2027, 1, day, 17, 0, tzinfo=MSK)
        await run_due_jobs(w.make_uow, w.clock, job)
    assert len(await outbox(w)) == 2  # no reminders after the confirmation


async def test_an_english_guardian_gets_the_term_marks_button_in_english(family: Family) -> None:
    w = family
    [issued] = await issue_invitations(
        w.make_uow(), w.school_id, PersonKind.GUARDIAN, [w.ids["GA10"]], w.clock
    )
    english = MessengerUser(messenger="telegram", user_id="4", chat_id="4", language="en")
    await redeem_invitation(w.make_uow(), english, issued.code, w.clock)
    w.clock.moment = dt.datetime(2026, 12, 25, 10, 0, tzinfo=MSK)
    await set_term_mark(
        w.make_uow(),
        w.teacher,
        await _class(w, "7А"),
        await _subject(w),
        w.ids["A10"],
        "5",
        w.clock,
    )
    job = (TermMarksNotice(),)
    w.clock.moment = dt.datetime(2026, 12, 29, 17, 0, tzinfo=MSK)
    await run_due_jobs(w.make_uow, w.clock, job)
    w.clock.moment = dt.datetime(2026, 12, 31, 17, 0, tzinfo=MSK)
    await run_due_jobs(w.make_uow, w.clock, job)  # the reminder
    by_chat: dict[str, list[str]] = {}
    for message in await outbox(w):
        [[button]] = message.buttons
        assert button["data"].startswith("ack:")
        by_chat.setdefault(message.chat_id, []).append(button["text"])
    assert by_chat["4"] == ["✅ I have seen them"] * 2  # the notice and its reminder
    assert by_chat["2"] == ["✅ Ознакомлен(а)"] * 2  # the mother, in Russian


async def _class(w: Family, name: str) -> int:
    async with w.make_uow() as uow:
        return (await uow.people.class_by_name(w.school_id, name)).id


async def _subject(w: Family) -> int:
    async with w.make_uow() as uow:
        snap = await uow.directory.snapshot(w.school_id)
    return next(s.id for s in snap.subjects if s.name == "Математика")


async def test_a_teachers_remark_reaches_the_family_at_once(family: Family) -> None:
    from domain.journal import RemarkTone

    w = family
    first = await lesson_at(w, 1)
    await teaching.add_remark(
        w.make_uow(),
        w.teacher,
        first,
        w.ids["A10"],
        RemarkTone.PRAISE,
        "Отлично решила задачу у доски",
        w.clock,
        tell_family=True,
    )
    [notice] = await outbox(w)
    assert notice.chat_id == "2" and notice.kind == "remark"
    assert notice.text == "👍 Вера, Математика: Отлично решила задачу у доски"
