"""Digests built a class at a time equal the per-pupil `subject_forecasts` and `digest_facts`:
the same marks, forecasts, term marks, absences, remarks, control works and accounts, on SQLite
and PostgreSQL, with a constant number of queries per class."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from bot.render import TelegramRenderer
from domain.forecast import MARK_NUMBERS
from domain.grading import PASS_FAIL
from domain.journal import Mark, RemarkTone, TermMark
from domain.notices import NoticeBody
from domain.people import PersonKind
from domain.usecases import teaching
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.diary import subject_forecasts
from domain.usecases.digest_batch import class_batches
from domain.usecases.family_jobs import Digest, digest_facts, family_accounts
from domain.usecases.scheduling import Notice
from domain.usecases.term_marks import current_period, set_term_mark
from storage.statements import counting_statements
from tests.builders import UowFactory, imported_school, todays_lesson
from tests.school_data import SMALL_SCHOOL, bot_school
from tests.test_family import MONDAY, MSK, join

FRIDAY = dt.date(2026, 11, 27)
SINCE = FRIDAY - dt.timedelta(weeks=2) + dt.timedelta(days=1)


async def _same_as_per_pupil(w: SimpleNamespace, day: dt.date, since: dt.date) -> dict[Any, Any]:
    """Every pupil of every batch against the per-pupil code, without charts and with them;
    returns the facts by pupil id."""
    compared: dict[Any, Any] = {}
    charted = set()
    for charts in (False, True):
        # The batches' unit of work is busy reading the next class: the per-pupil code reads
        # through a unit of its own.
        async with w.make_uow() as uow, w.make_uow() as ref:
            school = await uow.schools.get(w.school_id)
            periods = await ref.journal.periods(w.school_id)
            async for batch in class_batches(uow, school, day, since, charts=charts):
                for pupil, cls, subjects, facts, accounts in batch:
                    period = current_period(periods, cls.grade, day)
                    expected = await subject_forecasts(ref, school, pupil, cls, period, day)
                    family = await family_accounts(ref, w.school_id, pupil)
                    assert sorted((g or 0, a.id) for g, a in accounts) == sorted(
                        (g or 0, a.id) for g, a in family
                    )
                    assert facts == await digest_facts(
                        ref, school, pupil, cls, expected, since, day
                    )
                    # The whole period's marks are listed only for a chart; else the digest's.
                    if charts and any(a.charts and a.unreachable_at is None for _, a in family):
                        charted.add(pupil.id)
                    else:
                        expected = [
                            replace(
                                s,
                                marks=_since(s.marks, since),
                                comments=[c for c in s.comments if c.day >= since],
                            )
                            for s in expected
                        ]
                    assert subjects == expected, pupil.full_name
                    assert compared.setdefault(pupil.id, facts) == facts
                roster = await ref.people.roster(w.school_id, batch[0].school_class.id, None, day)
                assert {p.id for p, *_ in batch} == {p.id for p in roster if p.in_journal(day)}
    assert charted  # the comparison covered whole periods too
    return compared


async def _comments(w: SimpleNamespace, day: dt.date, since: dt.date) -> dict[Any, Any]:
    """Pupil id → (subject, value, kind, text) of the comments in the digests' batches."""
    found: dict[Any, Any] = {}
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        async for batch in class_batches(uow, school, day, since):
            for pupil, _, subjects, _, _ in batch:
                found[pupil.id] = [
                    (s.subject.name, c.value, c.work_kind, c.text)
                    for s in subjects
                    for c in s.comments
                ]
    return found


def _since(marks: list[tuple[dt.date, str, str]], since: dt.date) -> list[Any]:
    return [mark for mark in marks if mark[0] >= since]


async def test_a_class_at_a_time_equals_the_per_pupil_digest(make_uow: UowFactory) -> None:
    w = await imported_school(make_uow, bot_school())
    teacher = await join(w, PersonKind.STAFF, w.ids["T1"], 1)
    physics = await join(w, PersonKind.STAFF, w.ids["T2"], 4)
    await join(w, PersonKind.GUARDIAN, w.ids["GF"], 2)
    await join(w, PersonKind.GUARDIAN, w.ids["GA3"], 3)
    await join(w, PersonKind.PUPIL, w.ids["B20"], 5)  # a pupil of 14 with an account
    put = teaching.put_mark
    # Monday 09.11, in the term before the digest's fortnight: listed only for a chart.
    w.clock.moment = MONDAY - dt.timedelta(weeks=1)
    earlier = await todays_lesson(w, teacher, 1)
    for pupil, value in (("A0", "3"), ("A10", "5")):
        await put(w.make_uow(), teacher, earlier, w.ids[pupil], "oral", value, w.clock)
    await put(  # a comment to a mark before the fortnight: shown with the whole period only
        w.make_uow(), teacher, earlier, w.ids["A10"], "oral", "5", w.clock, comment="Раньше"
    )
    # A remark before the fortnight: not the digest's (the school's remarks are read at once).
    await teaching.add_remark(
        w.make_uow(), teacher, earlier, w.ids["A10"], RemarkTone.PRAISE, "Раньше", w.clock
    )
    w.clock.moment = MONDAY
    # Monday 16.11: maths 1 and 2, 8Б maths 3, physics 4; marks of several kinds and values.
    first, second = await todays_lesson(w, teacher, 1), await todays_lesson(w, teacher, 2)
    third, fourth = await todays_lesson(w, teacher, 3), await todays_lesson(w, physics, 4)
    for i, value in enumerate("54325"):
        await put(w.make_uow(), teacher, first, w.ids[f"A{i}"], "oral", value, w.clock)
        await put(w.make_uow(), teacher, second, w.ids[f"A{i}"], "control", value, w.clock)
        await put(w.make_uow(), teacher, third, w.ids[f"B{i}"], "homework", value, w.clock)
    await put(w.make_uow(), physics, fourth, w.ids["A10"], "oral", "2", w.clock)
    hostile = "<b>Молодец</b> & </a>"  # the teacher's text, as it is
    await put(w.make_uow(), teacher, first, w.ids["A1"], "oral", "4", w.clock, comment=hostile)
    await put(w.make_uow(), physics, fourth, w.ids["A10"], "oral", "2", w.clock, comment="Слабо")
    # Values a teacher cannot tap in a subject with marks but the journal may hold (imported):
    # «н/а» and «осв» count nowhere, «зач» towards the minimum; the database counts them so.
    async with w.make_uow() as uow:
        for kind, value in (("test", "н/а"), ("homework", "зач"), ("classwork", "осв")):
            mark = Mark(
                id=None,
                school_id=w.school_id,
                lesson_id=first,
                pupil_id=w.ids["A2"],
                work_kind=kind,
                value=value,
                comment="",
                author_id=w.ids["T1"],
                created_at=MONDAY,
            )
            await uow.journal.save_mark(mark)
        await uow.commit()
    await put(w.make_uow(), teacher, first, w.ids["A10"], "homework", "4", w.clock)
    # A10 misses the whole Monday but the first lesson (late); A3 misses all of it.
    for lesson, actor in ((first, teacher), (second, teacher), (fourth, physics)):
        statuses = {w.ids["A3"]: "Н", w.ids["A10"]: "ОП" if lesson == first else "Н"}
        await teaching.save_attendance(w.make_uow(), actor, lesson, statuses, w.clock)
    await teaching.save_attendance(w.make_uow(), teacher, third, {w.ids["B20"]: "Н"}, w.clock)
    async with w.make_uow() as uow:
        [topic, *_] = await uow.journal.plan(w.school_id, w.subjects["Математика"], 0, 7)
    await teaching.set_topic(w.make_uow(), teacher, first, w.clock, plan_topic_id=topic.id)
    await teaching.add_remark(
        w.make_uow(), teacher, first, w.ids["A10"], RemarkTone.PRAISE, "Молодец", w.clock
    )
    # Tuesday 17.11: one more maths lesson.
    w.clock.moment = MONDAY + dt.timedelta(days=1)
    tuesday = await todays_lesson(w, teacher, 1)
    await put(w.make_uow(), teacher, tuesday, w.ids["A10"], "oral", "3", w.clock)
    await set_term_mark(
        w.make_uow(),
        teacher,
        w.classes["7А"],
        w.subjects["Математика"],
        w.ids["A1"],
        "4",
        w.clock,
        early=True,  # six weeks before the period ends
    )
    # A term mark of the first quarter: the digest shows the current period's only.
    async with w.make_uow() as uow:
        periods = await uow.journal.periods(w.school_id)
        [quarter] = [p.id for p in periods if p.name == "I четверть"]
        maths, a2, t1 = w.subjects["Математика"], w.ids["A2"], w.ids["T1"]
        term_mark = TermMark(
            id=None,
            school_id=w.school_id,
            pupil_id=a2,
            subject_id=maths,
            period_id=quarter,
            value="3",
            suggested=None,
            author_id=t1,
            set_at=MONDAY,
        )
        await uow.journal.save_term_mark(term_mark)
        await uow.commit()
    facts = await _same_as_per_pupil(w, FRIDAY, SINCE)
    assert len(facts) == 25 + 35
    comments = await _comments(w, FRIDAY, SINCE)  # read in the class's statements, not apart
    assert comments[w.ids["A1"]] == [("Математика", "4", "Устный ответ", hostile)]
    assert comments[w.ids["A10"]] == [("Физика", "2", "Устный ответ", "Слабо")]
    a10, a3 = facts[w.ids["A10"]], facts[w.ids["A3"]]
    assert (a10.lessons_missed, a10.days_missed, a10.late) == (2, 0, 1)
    assert (a3.lessons_missed, a3.days_missed, a3.late) == (3, 1, 0)
    assert [r.text for r in a10.remarks] == ["Молодец"]
    assert a10.upcoming == ["Математика: Контрольная работа №2"]
    # Before the term (the last period counts) and on the very Monday.
    assert len(await _same_as_per_pupil(w, dt.date(2026, 11, 2), dt.date(2026, 10, 20))) == 60
    assert len(await _same_as_per_pupil(w, MONDAY.date(), MONDAY.date())) == 60


async def test_subgroups_and_pupils_out_of_the_journal(make_uow: UowFactory) -> None:
    """5А learns English in two groups; S3 is home-schooled, S5 has left 6Б."""
    w = await imported_school(make_uow, SMALL_SCHOOL)
    maths = await join(w, PersonKind.STAFF, w.ids["T1"], 1)
    english = await join(w, PersonKind.STAFF, w.ids["T2"], 2)
    await join(w, PersonKind.GUARDIAN, w.ids["G1"], 3)  # S1 (5А) and S4 (6Б)
    await join(w, PersonKind.GUARDIAN, w.ids["G2"], 4)
    first, group = await todays_lesson(w, maths, 1), await todays_lesson(w, english, 2)
    await teaching.put_mark(w.make_uow(), maths, first, w.ids["S1"], "oral", "5", w.clock)
    await teaching.put_mark(w.make_uow(), maths, first, w.ids["S2"], "test", "3", w.clock)
    await teaching.put_mark(w.make_uow(), english, group, w.ids["S1"], "oral", "4", w.clock)
    await teaching.save_attendance(w.make_uow(), english, group, {w.ids["S1"]: "Н"}, w.clock)
    await teaching.save_attendance(w.make_uow(), maths, first, {w.ids["S2"]: "Н"}, w.clock)
    facts = await _same_as_per_pupil(w, FRIDAY, SINCE)
    assert sorted(facts) == sorted(w.ids[p] for p in ("S1", "S2", "S4"))
    assert (facts[w.ids["S1"]].lessons_missed, facts[w.ids["S2"]].lessons_missed) == (1, 1)


async def test_each_school_reads_its_own_lists(make_uow: UowFactory) -> None:
    """On PostgreSQL a school's lists are read by statements compiled once a process: the
    second school's read must be given its own id, not the first's."""
    first = await imported_school(make_uow, SMALL_SCHOOL)
    second = await imported_school(make_uow, bot_school(), "Другая школа")
    since = dt.datetime(2026, 11, 1, tzinfo=MSK)
    for w in (first, second, first):
        async with make_uow() as uow:
            periods = await uow.journal.periods(w.school_id)
            ids = [p.id for p in periods if p.id is not None]
            rows = await uow.digests.school_rows(
                w.school_id, day=FRIDAY, remarks_since=since, period_ids=ids
            )
            snap = await uow.directory.snapshot(w.school_id)
        assert {s.id for s in rows.subjects} == {s.id for s in snap.subjects}
        assert {t.school_id for t in rows.timetable} == {w.school_id}
        pupils = {p.id for found in rows.pupils.values() for p, _ in found}
        assert pupils and pupils <= {p.id for p in snap.pupils}
        assert {a.pupil_id for a in rows.accounts} <= pupils


def test_a_school_wide_read_refuses_a_value_not_given_by_name() -> None:
    """A value written into a statement (not a named parameter) would be compiled into the
    text kept for the process, and read for every school after."""
    from sqlalchemy import bindparam, select
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    from storage import models as m
    from storage.digest_repositories import compiled_statement

    subject = m.SubjectRow
    named = select(subject.id).where(subject.school_id == bindparam("school_id"))
    sql, names, _ = compiled_statement(named, PGDialect_asyncpg(), {"school_id": 7})
    assert names == ("school_id",) and "$1" in sql
    written_in = select(subject.id).where(subject.school_id == 7)
    with pytest.raises(ValueError, match="school_id"):
        compiled_statement(written_in, PGDialect_asyncpg(), {})


async def test_statements_are_a_constant_number_per_class(make_uow: UowFactory) -> None:
    """Counted for the whole school: each class's reading overlaps the class before it."""
    w = await imported_school(make_uow, bot_school())  # 7А has 25 pupils, 8Б 35
    for n, pupil in enumerate(("B1", "B2", "B3", "B4")):
        await join(w, PersonKind.PUPIL, w.ids[pupil], 10 + n)
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        async with counting_statements(uow.session) as counted:
            await counted.take()
            sizes = [len(batch) async for batch in class_batches(uow, school, FRIDAY, SINCE)]
            statements = await counted.take()
    assert sizes == [25, 35]
    # Once a school: periods, classes, its 7 lists, its families' accounts (2), its pupils,
    # remarks and term marks; then 4 a class whatever its size: marks counted, marks shown,
    # lessons, attendance.
    assert statements == 2 + 7 + 2 + 3 + 4 * len(sizes)
    # Only 8Б's four pupils have accounts: 7А is not read at all.
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        async with counting_statements(uow.session) as counted:
            await counted.take()
            batches = class_batches(uow, school, FRIDAY, SINCE, reachable_only=True)
            sizes = [len(batch) async for batch in batches]
            statements = await counted.take()
    assert sizes == [4]
    assert statements == 2 + 7 + 2 + 3 + 4


async def test_a_failed_reading_of_the_next_class_fails_before_that_class(
    make_uow: UowFactory,
) -> None:
    """The next class is read while this one is worked out and used; if that reading fails,
    the iteration fails before the next class, and the reading has ended by then."""
    w = await imported_school(make_uow, bot_school())
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        read = uow.digests.class_rows
        calls: list[int] = []

        async def failing(school_id: int, class_id: int, *args: object, **kw: object) -> object:
            calls.append(class_id)
            if len(calls) == 2:
                raise RuntimeError("the database went away")
            # the wrapper passes the reading's own arguments through untyped
            return await read(school_id, class_id, *args, **kw)  # type: ignore[arg-type]

        # the test swaps the repository's reading for one that fails
        uow.digests.class_rows = failing  # type: ignore[method-assign]
        handed_over = []
        with pytest.raises(RuntimeError, match="went away"):
            async for batch in class_batches(uow, school, FRIDAY, SINCE):
                handed_over.append(batch)
    assert len(calls) == 2 and [len(b) for b in handed_over] == [25]


async def test_the_next_class_is_read_while_a_class_is_used(make_uow: UowFactory) -> None:
    """A class is handed over with the next one's reading still in flight, so the database
    reads while whoever iterates works (the digest job renders a class's notices meanwhile)."""
    w = await imported_school(make_uow, bot_school())
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        read = uow.digests.class_rows
        released = asyncio.Event()

        async def slow(school_id: int, class_id: int, *args: object, **kw: object) -> object:
            if class_id == w.classes["8Б"]:  # goes on only once the first class is in hand
                await asyncio.wait_for(released.wait(), timeout=10)
            # the wrapper passes the reading's own arguments through untyped
            return await read(school_id, class_id, *args, **kw)  # type: ignore[arg-type]

        # the test swaps the repository's reading for a slow one
        uow.digests.class_rows = slow  # type: ignore[method-assign]
        sizes = []
        async for batch in class_batches(uow, school, FRIDAY, SINCE):
            sizes.append(len(batch))
            released.set()
    assert sizes == [25, 35]


async def test_a_class_is_read_inside_the_units_transaction(make_uow: UowFactory) -> None:
    """On PostgreSQL the reading goes straight through asyncpg, which would otherwise run
    outside the transaction SQLAlchemy opens only with its own first statement."""
    w = await imported_school(make_uow, bot_school())
    teacher = await join(w, PersonKind.STAFF, w.ids["T1"], 1)
    lesson = await todays_lesson(w, teacher, 1)
    await teaching.put_mark(w.make_uow(), teacher, lesson, w.ids["A0"], "oral", "5", w.clock)
    async with w.make_uow() as uow:
        period = current_period(await uow.journal.periods(w.school_id), 7, FRIDAY)
    async with w.make_uow() as uow:  # the reading is this unit's first statement
        rows = await uow.digests.class_rows(
            w.school_id, w.classes["7А"], [w.ids["A0"], w.ids["A1"]], day=FRIDAY,
            first=period.starts, last=FRIDAY, marks_from=period.starts, marks_to=FRIDAY,
            shown_from=SINCE, charted=(), numbers=MARK_NUMBERS, others=PASS_FAIL,
        )  # fmt: skip
        conn = await uow.session.connection()
        if conn.dialect.driver == "asyncpg":
            assert (await conn.get_raw_connection()).driver_connection.is_in_transaction()
    maths = w.subjects["Математика"]
    assert [tuple(r) for r in rows.mark_counts] == [(w.ids["A0"], maths, "oral", 1, 5, 0)]


class _Charts:
    """A chart of exactly what it was given: the period's marks of every subject."""

    def chart(
        self, title: str, subjects: object, period: object, weights: object, language: str = "ru"
    ) -> bytes:
        # ChartMaker passes the subjects as plain objects; here they are SubjectMarks
        marks = [(s.subject.name, s.marks) for s in subjects]  # type: ignore[attr-defined]
        return f"{title}|{period.name}|{marks}".encode()  # type: ignore[attr-defined]  # period: a Period


async def _per_pupil_notices(w: SimpleNamespace, key: str, charts: _Charts) -> set[tuple[Any, ...]]:
    """What the digest job sent before it read a class at a time: pupil by pupil."""
    from domain.usecases.family_jobs import digest_lines, digest_since, reachable

    day = dt.date.fromisoformat(key)
    found = set()
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        since = digest_since(school, day)
        names = {k.code: k.name for k in await uow.schools.work_kinds(w.school_id)}
        periods = await uow.journal.periods(w.school_id)
        renderer = TelegramRenderer()
        for cls in await uow.people.classes(w.school_id):
            period = current_period(periods, cls.grade, day)
            for pupil in await uow.people.roster(w.school_id, cls.id, None, day):
                accounts = [a for _, a in await family_accounts(uow, w.school_id, pupil)]
                accounts = [a for a in accounts if reachable(a)]
                if not pupil.in_journal(day) or not accounts or period is None:
                    continue
                subjects = await subject_forecasts(uow, school, pupil, cls, period, day)
                facts = await digest_facts(uow, school, pupil, cls, subjects, since, day)
                lines = digest_lines(pupil, cls, subjects, facts, names, since, day)
                for account in accounts:
                    dedup = f"digest:{w.school_id}:{key}:{account.id}:{pupil.id}"
                    text = renderer.render(NoticeBody(lines=tuple(lines)), account.language)
                    found.add((dedup, "digest", text, None))
                    if account.charts and subjects:
                        photo = charts.chart(pupil.full_name, subjects, period, {})
                        found.add((dedup + ":chart", "digest_chart", None, photo))
    return found


async def test_the_job_sends_what_it_sent_pupil_by_pupil(make_uow: UowFactory) -> None:
    w = await imported_school(make_uow, bot_school())
    teacher = await join(w, PersonKind.STAFF, w.ids["T1"], 1)
    for n, guardian in enumerate(("GF", "GA3", "GA4", "GA5")):
        await join(w, PersonKind.GUARDIAN, w.ids[guardian], 2 + n)
    first = await todays_lesson(w, teacher, 1)
    for i, value in enumerate("5432"):
        await teaching.put_mark(
            w.make_uow(), teacher, first, w.ids[f"A{i + 3}"], "oral", value, w.clock
        )
    await teaching.save_attendance(w.make_uow(), teacher, first, {w.ids["A10"]: "Н"}, w.clock)
    charts = _Charts()
    key = FRIDAY.isoformat()
    expected = await _per_pupil_notices(w, key, charts)
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        # the school was just made, so `schools.get` found it
        notices = await Digest(charts).notices(uow, school, key, MONDAY)  # type: ignore[arg-type]
    renderer = TelegramRenderer()
    got = {
        (
            n.dedup_key,
            n.kind,
            None if n.photo else renderer.render(n.body, n.account.language),
            n.photo,
        )
        for n in notices
    }
    assert got == expected and len(notices) == len(expected) == 5 * 2  # GF has two children


async def test_a_mark_carries_its_lessons_day_and_subject(make_uow: UowFactory) -> None:
    """The digests read marks by pupil and day without their lessons. The copy is the
    database's to keep: it follows the lesson, and a mark that disagrees is refused."""
    from sqlalchemy import select, update
    from sqlalchemy.exc import IntegrityError

    from storage import models as m

    w = await imported_school(make_uow, bot_school())
    teacher = await join(w, PersonKind.STAFF, w.ids["T1"], 1)
    lesson_id = await todays_lesson(w, teacher, 1)
    await teaching.put_mark(w.make_uow(), teacher, lesson_id, w.ids["A1"], "oral", "5", w.clock)

    async def mark_and_lesson() -> tuple[SimpleNamespace, SimpleNamespace]:
        async with w.make_uow() as uow:
            lesson = await uow.session.get_one(m.LessonRow, lesson_id)
            marks = await uow.session.scalars(
                select(m.MarkRow).where(m.MarkRow.lesson_id == lesson_id)
            )
            [mark] = marks.all()
            return (
                SimpleNamespace(id=mark.id, day=mark.day, subject_id=mark.subject_id),
                SimpleNamespace(day=lesson.day, subject_id=lesson.subject_id),
            )

    mark, lesson = await mark_and_lesson()
    assert (
        (mark.day, mark.subject_id)
        == (lesson.day, lesson.subject_id)
        == (
            MONDAY.date(),
            w.subjects["Математика"],
        )
    )
    async with w.make_uow() as uow:  # the lesson is moved to Tuesday (a correction)
        moved = update(m.LessonRow).where(m.LessonRow.id == lesson_id)
        await uow.session.execute(moved.values(day=MONDAY.date() + dt.timedelta(days=1)))
        await uow.commit()
    mark, lesson = await mark_and_lesson()
    assert mark.day == lesson.day == MONDAY.date() + dt.timedelta(days=1)
    for wrong in ({"day": MONDAY.date()}, {"subject_id": w.subjects["Физика"]}):
        with pytest.raises(IntegrityError):
            async with w.make_uow() as uow:
                changed = update(m.MarkRow).where(m.MarkRow.id == mark.id).values(**wrong)
                await uow.session.execute(changed)
                await uow.commit()
    mark, _ = await mark_and_lesson()
    assert (mark.day, mark.subject_id) == (lesson.day, lesson.subject_id)


class _SlowCharts:
    """Takes as long as a real chart and notes how often the event loop ticked meanwhile."""

    def __init__(self, ticks: list[int]) -> None:
        self.ticks = ticks
        self.ticked_while_drawing = 0

    def chart(
        self, title: str, subjects: object, period: object, weights: object, language: str = "ru"
    ) -> bytes:
        before = len(self.ticks)
        time.sleep(0.08)
        self.ticked_while_drawing += len(self.ticks) - before
        return title.encode()


async def test_the_bot_goes_on_answering_while_charts_are_drawn(make_uow: UowFactory) -> None:
    """A district's charts take minutes to draw; the event loop the bot and the sender share
    must not stop for them."""
    w = await imported_school(make_uow, bot_school())
    for n, guardian in enumerate(("GF", "GA3", "GA4", "GA5")):
        await join(w, PersonKind.GUARDIAN, w.ids[guardian], 2 + n)
    ticks: list[int] = []

    async def event_loop_at_work() -> None:
        while True:
            await asyncio.sleep(0.005)
            ticks.append(1)

    charts = _SlowCharts(ticks)
    ticking = asyncio.create_task(event_loop_at_work())
    try:
        async with w.make_uow() as uow:
            school = await uow.schools.get(w.school_id)
            # the school was just made, so `schools.get` found it
            notices = await Digest(charts).notices(uow, school, FRIDAY.isoformat(), MONDAY)  # type: ignore[arg-type]
    finally:
        ticking.cancel()
    assert sum(1 for n in notices if n.photo) == 5
    assert charts.ticked_while_drawing >= 5 * 5  # 80 ms a chart, a tick every 5 ms


async def test_a_digest_that_fails_midway_leaves_the_unit_of_work_usable(
    make_uow: UowFactory,
) -> None:
    """A class fails while the next one is being read: the job closes the batches, so the
    reading ends before anything else uses the unit of work (its rollback, say)."""
    w = await imported_school(make_uow, bot_school())
    await join(w, PersonKind.GUARDIAN, w.ids["GF"], 2)
    await join(w, PersonKind.GUARDIAN, w.ids["GA3"], 3)

    class Failing(Digest):
        def batch_notices(self, *args: object, **kw: object) -> list[Notice]:
            raise RuntimeError("a class could not be worked out")

    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        with pytest.raises(RuntimeError, match="worked out"):
            await Failing().notices(uow, school, FRIDAY.isoformat(), w.clock.now())
        assert (await uow.schools.get(w.school_id)).id == w.school_id  # the connection is free


class _LanguageCharts:
    """Notes the language each chart is drawn in."""

    def __init__(self) -> None:
        self.languages: list[str] = []

    def chart(
        self, title: str, subjects: object, period: object, weights: object, language: str = "ru"
    ) -> bytes:
        self.languages.append(language)
        return title.encode()


async def test_a_chart_is_drawn_in_its_readers_language(make_uow: UowFactory) -> None:
    """An English guardian's chart writes 4.45, a Russian one's 4,45: the digest tells the
    chart maker whose chart it is."""
    w = await imported_school(make_uow, bot_school())
    await join(w, PersonKind.GUARDIAN, w.ids["GF"], 2)
    [issued] = await issue_invitations(
        w.make_uow(), w.school_id, PersonKind.GUARDIAN, [w.ids["GA3"]], w.clock
    )
    english = MessengerUser(messenger="telegram", user_id="3", chat_id="3", language="en")
    await redeem_invitation(w.make_uow(), english, issued.code, w.clock)
    charts = _LanguageCharts()
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
        # the school was just made, so `schools.get` found it
        notices = await Digest(charts).notices(uow, school, FRIDAY.isoformat(), MONDAY)  # type: ignore[arg-type]
    by_language = {n.account.language for n in notices if n.photo}
    assert by_language == {"ru", "en"}
    assert sorted(charts.languages) == sorted(n.account.language for n in notices if n.photo)
