"""Set-based reads behind the digests: a school's lists, its families' accounts, its pupils,
the remarks and the term marks once, then each class in a constant number of queries (marks
counted, marks shown, lessons, attendance).

Columns, not ORM entities: a district's digests read millions of marks, and a plain row is
several times cheaper to make than a mapped object.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.expression import BindParameter

from domain.model import (
    Assignment,
    Holiday,
    PlanTopic,
    Pupil,
    Subject,
    TimetableSlot,
    WorkKind,
    short_name,
)
from domain.people import Account, PersonKind
from domain.readmodels import AccountFact, ClassRows, SchoolRows
from storage import models as m
from storage.journal_repositories import rows_as
from storage.mapping import MAPPINGS

_ACCOUNT_COLUMNS = (
    m.AccountRow.id,
    m.AccountRow.messenger,
    m.AccountRow.user_id,
    m.AccountRow.chat_id,
    m.AccountRow.language,
    m.AccountRow.display_name,
    m.AccountRow.created_at,
    m.AccountRow.unreachable_at,
    m.AccountRow.quiet_from,
    m.AccountRow.quiet_to,
    m.AccountRow.notify_marks,
    m.AccountRow.charts,
)


def _day(day: dt.date) -> BindParameter[dt.date]:
    """A day rendered into the statement (not a parameter of the prepared statement)."""
    return bindparam(None, day, type_=Date, literal_execute=True)


class SqlDigestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ----------------------------------------------------------------------- once a school

    async def _read(
        self, name: str, statement: Callable[[bool], Select[*tuple[Any, ...]]], **values: Any
    ) -> Sequence[Any]:
        """A school-wide read's rows, whose columns go by position and by name; `statement`
        is given whether it is for PostgreSQL, and every value it needs by name in `values`.
        Its text is kept by `name` for the process: it must not depend on anything else
        (`compiled_statement` refuses a value written into it, not a shape that varies).

        Plain rows, not mapped objects (a school has a thousand plan topics and as many
        timetable slots). On PostgreSQL straight through asyncpg, the statement compiled once
        a process: SQLAlchemy's rows cost about five times as much to make (a school's
        timetable took 6.5 ms instead of 1.3), and each share of a school's digests
        (`digest_batch.Part`) reads these lists."""
        conn = await self.session.connection()
        if conn.dialect.driver != "asyncpg":
            return (await conn.execute(statement(False), values)).all()
        known = _PG_READS.get(name)
        if known is None:
            known = _PG_READS[name] = compiled_statement(statement(True), conn.dialect, values)
        sql, names, row = known
        driver = await _driver(conn)
        return [row._make(r) for r in await driver.fetch(sql, *(values[n] for n in names))]

    async def _all(self, kind: type, school_id: int) -> list[Any]:
        model: Any = MAPPINGS[kind].model
        rows = await self._read(
            kind.__name__,
            lambda _: (
                select(*model.__table__.columns)
                .where(model.school_id == bindparam("school_id"))
                .order_by(model.id)
            ),
            school_id=school_id,
        )
        return rows_as(kind, rows)

    async def school_rows(
        self,
        school_id: int,
        *,
        day: dt.date,
        remarks_since: dt.datetime,
        period_ids: Collection[int],
    ) -> SchoolRows:
        await self.session.flush()  # as `session.execute` would: the reads see what is pending
        return SchoolRows(
            work_kinds=await self._all(WorkKind, school_id),
            timetable=await self._all(TimetableSlot, school_id),
            holidays=await self._all(Holiday, school_id),
            assignments=await self._all(Assignment, school_id),
            subjects=await self._all(Subject, school_id),
            plan_topics=await self._all(PlanTopic, school_id),
            used_plan_topics=await self._used_plan_topics(school_id),
            accounts=await self._accounts(school_id),
            pupils=await self._pupils(school_id, day),
            remarks=await self._remarks(school_id, remarks_since),
            term_marks=await self._term_marks(school_id, period_ids),
        )

    async def _used_plan_topics(self, school_id: int) -> dict[tuple[int, int], set[int]]:
        """(class id, subject id) → the plan topics its lessons have reached."""
        lesson = m.LessonRow
        topics = await self._read(
            "used plan topics",
            lambda _: (
                select(lesson.class_id, lesson.subject_id, lesson.plan_topic_id)
                .where(
                    lesson.school_id == bindparam("school_id"), lesson.plan_topic_id.is_not(None)
                )
                .distinct()
            ),
            school_id=school_id,
        )
        used: dict[tuple[int, int], set[int]] = {}
        for class_id, subject_id, topic_id in topics:
            used.setdefault((class_id, subject_id), set()).add(topic_id)
        return used

    async def _remarks(self, school_id: int, since: dt.datetime) -> list[Any]:
        r, s = m.RemarkRow, m.StaffRow
        rows = await self._read(
            "remarks",
            lambda _: (
                select(r.pupil_id, r.created_at, r.text, s.last_name, s.first_name, s.middle_name)
                .outerjoin(s, s.id == r.author_id)
                .where(r.school_id == bindparam("school_id"), r.created_at >= bindparam("since"))
                .order_by(r.created_at, r.id)
            ),
            school_id=school_id,
            since=since,
        )
        return [
            (pupil_id, created_at, text, short_name(last, first, middle) if last else "")
            for pupil_id, created_at, text, last, first, middle in rows
        ]

    async def _term_marks(self, school_id: int, period_ids: Collection[int]) -> list[Any]:
        t = m.TermMarkRow

        def statement(pg: bool) -> Select[*tuple[Any, ...]]:
            periods = (  # a list of ids in one parameter: PostgreSQL's array, SQLite's expanded
                t.period_id == func.any(bindparam("period_ids", type_=ARRAY(Integer)))
                if pg
                else t.period_id.in_(bindparam("period_ids", expanding=True))
            )
            return select(t.pupil_id, t.period_id, t.subject_id, t.value).where(
                t.school_id == bindparam("school_id"), periods
            )

        rows = await self._read(
            "term marks", statement, school_id=school_id, period_ids=sorted(period_ids)
        )
        return list(rows)

    # ----------------------------------------------------------------------- once a class

    async def class_rows(
        self,
        school_id: int,
        class_id: int,
        pupil_ids: Collection[int],
        *,
        day: dt.date,
        first: dt.date,
        last: dt.date,
        marks_from: dt.date,
        marks_to: dt.date,
        shown_from: dt.date,
        charted: Collection[int],
        numbers: Mapping[str, int],
        others: Collection[str],
    ) -> ClassRows:
        await self.session.flush()  # as `session.execute` would: the reads see what is pending
        conn = await self.session.connection()
        if conn.dialect.driver == "asyncpg":
            driver = await _driver(conn)
            days = {"day": day, "first": first, "last": last}
            days |= {"marks_from": marks_from, "marks_to": marks_to, "shown_from": shown_from}
            return await _class_rows_pg(
                driver, (school_id, class_id), days, charted, _counting_pg(numbers, others)
            )
        ids = list(pupil_ids)
        lesson = m.LessonRow
        # The days go into the SQL text: with them as parameters PostgreSQL switches to a generic
        # plan after five executions of a prepared statement, one that guesses a day range
        # matches a few dozen lessons and probes marks lesson by lesson (20 times slower).
        first_, last_ = _day(first), _day(last)
        mark = m.MarkRow
        in_period = (
            mark.pupil_id.in_(ids),
            mark.day >= _day(marks_from),
            mark.day <= _day(marks_to),
        )
        counted = await conn.execute(
            select(
                mark.pupil_id,
                mark.subject_id,
                mark.work_kind,
                func.count(case((mark.value.in_(list(numbers)), 1))),
                func.coalesce(func.sum(case(dict(numbers), value=mark.value)), 0)
                if numbers
                else literal(0),
                func.count(case((mark.value.in_(list(others)), 1))),
            )
            .where(*in_period)
            .group_by(mark.pupil_id, mark.subject_id, mark.work_kind)
        )
        charted_here = [i for i in ids if i in charted]
        shown = or_(mark.day >= _day(shown_from), mark.pupil_id.in_(charted_here))
        marks = await conn.execute(
            select(
                mark.pupil_id, mark.day, mark.subject_id, mark.work_kind, mark.value, mark.comment
            )
            .where(*in_period, shown)
            .order_by(mark.pupil_id, mark.day, mark.id)
        )
        lessons = await conn.execute(
            select(
                lesson.id,
                lesson.day,
                lesson.subject_id,
                lesson.subgroup_id,
                lesson.attendance_taken,
                lesson.plan_topic_id,
            )
            .where(
                lesson.school_id == school_id,
                lesson.class_id == class_id,
                lesson.day >= first_,
                lesson.day <= last_,
            )
            .order_by(lesson.day, lesson.lesson_number)
        )
        attendance = await conn.execute(
            select(m.AttendanceRow.pupil_id, lesson.id, lesson.day, m.AttendanceRow.status)
            .join(lesson, lesson.id == m.AttendanceRow.lesson_id)
            .where(
                m.AttendanceRow.school_id == school_id,
                m.AttendanceRow.pupil_id.in_(ids),
                lesson.day >= first_,
                lesson.day <= last_,
            )
        )
        return ClassRows(
            lessons=lessons.all(),  # type: ignore[arg-type]  # rows in the order of LessonFact
            mark_counts=counted.all(),  # type: ignore[arg-type]  # … of MarkCount
            marks=marks.all(),  # type: ignore[arg-type]  # … of MarkFact
            attendance=attendance.all(),  # type: ignore[arg-type]  # … of AttendanceFact
        )

    async def _pupils(
        self, school_id: int, day: dt.date
    ) -> dict[int, list[tuple[Pupil, frozenset[int]]]]:
        p, enrolment, member = m.PupilRow, m.EnrolmentRow, m.SubgroupMemberRow
        rows = await self._read(
            "pupils",
            lambda _: (
                select(
                    enrolment.class_id,
                    p.id,
                    p.school_id,
                    p.external_id,
                    p.last_name,
                    p.first_name,
                    p.middle_name,
                    p.birth_date,
                    p.enrolled_on,
                    p.left_on,
                    p.home_schooled,
                    member.subgroup_id,
                )
                .join(enrolment, enrolment.pupil_id == p.id)
                .outerjoin(
                    member,
                    and_(member.pupil_id == p.id, member.school_id == bindparam("school_id")),
                )
                .where(
                    p.school_id == bindparam("school_id"),
                    enrolment.school_id == bindparam("school_id"),
                    enrolment.starts <= bindparam("day"),
                    or_(enrolment.ends.is_(None), enrolment.ends >= bindparam("day")),
                )
                .order_by(enrolment.class_id, p.last_name, p.first_name, p.id)
            ),
            school_id=school_id,
            day=day,
        )
        by_class: dict[int, list[Sequence[Any]]] = {}
        for row in rows:
            by_class.setdefault(row[0], []).append(row[1:])
        return {class_id: _pupils_with_groups(found) for class_id, found in by_class.items()}

    async def _accounts(self, school_id: int) -> list[AccountFact]:
        """Every account of the school's families: a school's worth is a few thousand rows,
        read once instead of a class at a time."""
        link, guardian = m.AccountLinkRow, m.GuardianRow
        guardians = await self._read(
            "guardians' accounts",
            lambda _: (
                select(m.GuardianshipRow.pupil_id, guardian.id, *_ACCOUNT_COLUMNS)
                .join(guardian, guardian.id == m.GuardianshipRow.guardian_id)
                .join(
                    link,
                    and_(
                        link.school_id == bindparam("school_id"),
                        link.kind == bindparam("kind"),
                        link.person_id == guardian.id,
                    ),
                )
                .join(m.AccountRow, m.AccountRow.id == link.account_id)
                .where(guardian.school_id == bindparam("school_id"))
                .order_by(m.GuardianshipRow.pupil_id, guardian.id, m.AccountRow.id)
            ),
            school_id=school_id,
            kind=PersonKind.GUARDIAN.value,
        )
        own = await self._read(
            "pupils' accounts",
            lambda _: (
                select(link.person_id, *_ACCOUNT_COLUMNS)
                .join(m.AccountRow, m.AccountRow.id == link.account_id)
                .where(link.school_id == bindparam("school_id"), link.kind == bindparam("kind"))
                .order_by(link.person_id, m.AccountRow.id)
            ),
            school_id=school_id,
            kind=PersonKind.PUPIL.value,
        )
        return _account_facts(guardians, own)


# Name → (SQL text, its parameters' names in order, the row type): the school-wide reads
# compiled for PostgreSQL, once a process.
_PG_READS: dict[str, tuple[str, tuple[str, ...], Any]] = {}


def compiled_statement(
    statement: Select[*tuple[Any, ...]], dialect: Any, values: Mapping[str, Any]
) -> tuple[str, tuple[str, ...], Any]:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    unnamed = set(names) - values.keys()
    if unnamed:  # a value compiled into the text would be read for every school after
        raise ValueError(f"a school-wide read with values not given by name: {sorted(unnamed)}")
    columns = [column.key or f"c{i}" for i, column in enumerate(statement.selected_columns)]
    return compiled.string, names, namedtuple("Row", columns, rename=True)


async def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under the session's, in its transaction: SQLAlchemy's asyncpg
    adapter sends BEGIN with its own first statement, which the driver's reads would go
    without, so one goes through the adapter first."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        await conn.exec_driver_sql("SELECT 1")
    return driver


def _pupils_with_groups(rows: Sequence[Sequence[Any]]) -> list[tuple[Pupil, frozenset[int]]]:
    """Rows of a pupil's ten fields and one subgroup id (or None), a row per subgroup."""
    pupils: dict[int, Pupil] = {}
    groups: dict[int, set[int]] = {}
    for row in rows:
        pupil_id = row[0]
        if pupil_id not in pupils:
            pupils[pupil_id] = Pupil(*row[:10])
            groups[pupil_id] = set()
        if row[10] is not None:
            groups[pupil_id].add(row[10])
    return [(pupil, frozenset(groups[i])) for i, pupil in pupils.items()]


def _account_facts(
    guardians: Sequence[Sequence[Any]], own: Sequence[Sequence[Any]]
) -> list[AccountFact]:
    found = [AccountFact(r[0], r[1], Account(*r[2:])) for r in guardians]
    return found + [AccountFact(r[0], None, Account(*r[1:])) for r in own]


# On PostgreSQL a class is read straight through asyncpg, in the session's transaction:
# SQLAlchemy's statement and row handling costs about as much again as the database's own time
# for the ~4,500 marks of a class. Same statements as the SQLAlchemy ones above (which SQLite
# runs), except that the pupils are the class's enrolment on the day (those asked for and
# perhaps a few the digest leaves out), not a list of ids: one statement text for every class.
# Days are literals, for the reason given above.

_ENROLLED = """
SELECT e.pupil_id FROM enrolments e
WHERE e.school_id = $1 AND e.class_id = $2
  AND e.starts <= '{day}' AND (e.ends IS NULL OR e.ends >= '{day}')"""

# Both read `ix_marks_pupil_day` alone (an index-only scan; it includes the teacher's comment
# since migration 0008, without which the marks shown visited the table: seven times the pages):
# the pupil ids come from the class's enrolment, which is the school's.
# Each mark's value is looked up once in a table of what counts (a hash join), not compared
# with every value by CASE: 15 % less of PostgreSQL's time for the counting.
_MARK_COUNTS_PG = f"""
SELECT m.pupil_id, m.subject_id, m.work_kind, count(v.number), coalesce(sum(v.number), 0),
       count(v.other)
FROM marks m LEFT JOIN (VALUES {{counted}}) v(value, number, other) ON v.value = m.value
WHERE m.pupil_id IN ({_ENROLLED}) AND m.day BETWEEN '{{marks_from}}' AND '{{marks_to}}'
GROUP BY m.pupil_id, m.subject_id, m.work_kind"""


def _text(value: str) -> str:
    """A string literal for a statement's text."""
    return "'" + value.replace("'", "''") + "'"


def _counting_pg(numbers: Mapping[str, int], others: Collection[str]) -> dict[str, str]:
    """What the domain counts, as SQL text for `_MARK_COUNTS_PG` (constant lists: one plan):
    a row (value, its number, NULL) for each number and (value, NULL, 1) for each other."""
    rows = [f"({_text(v)}, {int(n)}, NULL::int)" for v, n in numbers.items()]
    rows += [f"({_text(v)}, NULL::int, 1)" for v in others]
    return {"counted": ", ".join(rows) or "(NULL::text, NULL::int, NULL::int)"}


# Each pupil's marks from the first day shown to them, so that the index's range starts there
# (with the condition on the day beside it, PostgreSQL read the whole period and filtered).
_MARKS_PG = f"""
SELECT m.pupil_id, m.day, m.subject_id, m.work_kind, m.value, m.comment
FROM (SELECT DISTINCT e.pupil_id,
             CASE WHEN e.pupil_id = ANY($3::int[]) THEN DATE '{{marks_from}}'
                  ELSE GREATEST(DATE '{{marks_from}}', DATE '{{shown_from}}') END AS shown_from
      FROM ({_ENROLLED}) e) p
JOIN marks m ON m.pupil_id = p.pupil_id AND m.day BETWEEN p.shown_from AND '{{marks_to}}'
ORDER BY m.pupil_id, m.day, m.id"""

_LESSONS_PG = """
SELECT l.id, l.day, l.subject_id, l.subgroup_id, l.attendance_taken, l.plan_topic_id
FROM lessons l
WHERE l.school_id = $1 AND l.class_id = $2 AND l.day BETWEEN '{first}' AND '{last}'
ORDER BY l.day, l.lesson_number"""

_ATTENDANCE_PG = f"""
SELECT a.pupil_id, l.id, l.day, a.status
FROM attendance a JOIN lessons l ON l.id = a.lesson_id
WHERE a.school_id = $1 AND a.pupil_id IN ({_ENROLLED})
  AND l.day BETWEEN '{{first}}' AND '{{last}}'"""


async def _class_rows_pg(
    driver: Any,
    school: tuple[int, int],
    dates: dict[str, dt.date],
    charted: Collection[int],
    counting: dict[str, str],
) -> ClassRows:
    """`class_rows` on PostgreSQL; `school` is (school id, class id), $1 and $2 of every
    statement."""
    days = {name: date.isoformat() for name, date in dates.items()}
    counted = await driver.fetch(
        _MARK_COUNTS_PG.format(**days, **counting), *school
    )  # the heaviest first
    marks = await driver.fetch(_MARKS_PG.format(**days), *school, sorted(charted))
    lessons = await driver.fetch(_LESSONS_PG.format(**days), *school)
    attendance = await driver.fetch(_ATTENDANCE_PG.format(**days), *school)
    return ClassRows(lessons=lessons, mark_counts=counted, marks=marks, attendance=attendance)
