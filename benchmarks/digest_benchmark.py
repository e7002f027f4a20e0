"""How fast the fortnightly digests of a whole district are built, and in how much memory.

Why: the issue asks that building digests be at least 100 times faster than Telegram sends them
(30 messages a second), i.e. 3,000 digests a second, and that memory stay flat however big the
district is (digests are streamed a class at a time). This script writes a synthetic district
straight into a fresh PostgreSQL database with asyncpg's COPY (schools of 33 classes of ~30
pupils, grades 1–11; 10 graded subjects and one without marks, English in two groups; eight
weeks of lessons with attendance taken, 10–20 marks a pupil a subject, absences, lateness,
remarks, a maths plan with control works; two guardians a pupil, 1.5 accounts a pupil), then
builds every digest the way the digest job does: `digest_batch.class_batches` (one class a
batch) → `Digest.batch_notices` → `TelegramRenderer.render` of every notice's text. Charts are
off unless `--charts` (then the PNGs are rendered too and their time is reported apart).

The digests are built as the clock's digest workers build them (`scheduler.workers`): one
spawned process per share of every school's classes (`digest_batch.Part`; `--workers`, one a
core by default), each with its own connection and transactions. Each process first builds the
first school's share of the digest a fortnight before, untimed, as a long-running worker has
(its school-wide statements compiled and prepared; the class statements have the days in their
text and are prepared anew), all processes together, from fresh: that cold build's rate is
reported too. Then the processes start together and the time is the wall clock until the last
is done. A timed run without
tracemalloc (digests/s, max RSS), then an identical run under tracemalloc (the largest share's
peak). Statements are counted through SQLAlchemy and asyncpg alike
(`storage.statements.counting_statements`), per school and share: the digest reads a class
while it works out the one before, so they cannot be told apart per class.

Run:  .venv/bin/python benchmarks/digest_benchmark.py [--pupils 1000] [--workers N] [--charts]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from pg import admin, pg_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 20261129
DAY = dt.date(2026, 10, 23)  # a Friday: the digest covers 10.10–23.10
TERM = (dt.date(2026, 9, 1), dt.date(2026, 11, 6))
HOLIDAY = dt.date(2026, 11, 4)
TARGET = 3000.0  # digests a second: 100 × Telegram's 30 messages a second
SCHOOL_STATEMENTS = 17  # a school's own: BEGIN, periods and work kinds for the job, periods and
# classes, the school's 7 lists, its families' accounts (2), its pupils, remarks and term marks
# (`SqlDigestRepository.school_rows`)

CLASSES_PER_SCHOOL = 33  # grades 1–11, three classes each
PUPILS_PER_CLASS = 30
ENGLISH = "Английский язык"
MATHS = "Математика"
SUBJECTS = {  # hours a week; 30 lessons a week, six a day
    "Русский язык": 5,
    MATHS: 5,
    "Литература": 4,
    ENGLISH: 3,
    "История": 3,
    "Биология": 2,
    "География": 2,
    "Физика": 2,
    "Химия": 2,
    "Информатика": 1,
    "Разговоры о важном": 1,  # no marks
}
NO_MARKS = "Разговоры о важном"
KINDS = ("oral", "homework", "classwork", "test", "independent", "control")
KIND_WEIGHTS = (30, 25, 15, 12, 8, 10)
VALUES = ("5", "4", "3", "2")
VALUE_WEIGHTS = (30, 40, 25, 5)
SURNAMES = "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров".split()
NAMES = "Анна Мария Иван Дмитрий София Алиса Максим Артём Полина Егор".split()


# --------------------------------------------------------------------------- the district


@dataclass(slots=True)
class Ids:
    """The next id of every table (rows are written with their ids)."""

    next: dict[str, int] = field(default_factory=dict)

    def __call__(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


def school_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if day.isoweekday() <= 5 and day != HOLIDAY:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def district_classes(pupils: int) -> list[list[int]]:
    """Class sizes per school: `pupils` in classes of ~30, 33 classes a school."""
    classes = max(1, round(pupils / PUPILS_PER_CLASS))
    sizes = [pupils // classes + (1 if i < pupils % classes else 0) for i in range(classes)]
    return [sizes[i : i + CLASSES_PER_SCHOOL] for i in range(0, classes, CLASSES_PER_SCHOOL)]


Tables = dict[str, list[tuple]]  # type: ignore[type-arg]  # rows of any shape

COLUMNS = {
    "work_kinds": ("id", "school_id", "code", "name", "weight", "written"),
    "school_years": ("id", "school_id", "name", "starts", "ends"),
    "periods": (
        "id", "school_id", "school_year_id", "name", "kind", "grade_from", "grade_to", "starts",
        "ends",
    ),
    "holidays": ("id", "school_id", "name", "starts", "ends", "grade_from", "grade_to"),
    "staff": ("id", "school_id", "external_id", "last_name", "first_name", "middle_name", "roles"),
    "subjects": ("id", "school_id", "name", "short_name", "grading"),
    "classes": ("id", "school_id", "name", "grade", "class_teacher_id"),
    "pupils": (
        "id", "school_id", "external_id", "last_name", "first_name", "middle_name", "birth_date",
        "enrolled_on", "left_on", "home_schooled",
    ),
    "enrolments": ("id", "school_id", "pupil_id", "class_id", "starts", "ends"),
    "guardians": (
        "id", "school_id", "external_id", "last_name", "first_name", "middle_name", "phone",
    ),
    "guardianships": ("id", "school_id", "guardian_id", "pupil_id", "relation"),
    "subgroups": ("id", "school_id", "class_id", "subject_id", "name"),
    "subgroup_members": ("id", "school_id", "subgroup_id", "pupil_id"),
    "assignments": (
        "id", "school_id", "teacher_id", "subject_id", "class_id", "subgroup_id", "hours_per_week",
    ),
    "timetable": (
        "id", "school_id", "class_id", "subgroup_id", "weekday", "lesson", "subject_id",
        "teacher_id", "room",
    ),
    "plan_topics": (
        "id", "school_id", "subject_id", "grade", "class_id", "number", "topic", "hours",
        "work_kind",
    ),
    "lessons": (
        "id", "school_id", "day", "lesson_number", "class_id", "subgroup_id", "subject_id",
        "teacher_id", "slot_id", "topic", "plan_topic_id", "attendance_taken",
    ),
    "attendance": ("id", "school_id", "lesson_id", "pupil_id", "status"),
    "marks": (
        "id", "school_id", "lesson_id", "pupil_id", "work_kind", "value", "comment", "author_id",
        "created_at", "day", "subject_id",
    ),
    "remarks": (
        "id", "school_id", "pupil_id", "lesson_id", "author_id", "tone", "text", "created_at",
    ),
    "accounts": (
        "id", "messenger", "user_id", "chat_id", "language", "display_name", "created_at",
        "unreachable_at", "notify_marks", "charts",
    ),
    "account_links": ("id", "account_id", "school_id", "kind", "person_id"),
}  # fmt: skip
ORDER = list(COLUMNS)  # parents before children


def one_school(ids: Ids, school_id: int, sizes: Sequence[int], rng: random.Random) -> Tables:
    """Every row of one school but the school's own."""
    from domain.grading import DEFAULT_WORK_KINDS

    t: Tables = {name: [] for name in COLUMNS}
    t["work_kinds"] = [
        (ids("work_kinds"), school_id, k.code, k.name, k.weight, k.written)
        for k in DEFAULT_WORK_KINDS
    ]
    year = ids("school_years")
    t["school_years"].append((year, school_id, "2026/2027", TERM[0], dt.date(2027, 5, 31)))
    t["periods"] += [
        (ids("periods"), school_id, year, "I четверть", "quarter", 1, 11, *TERM),
        (ids("periods"), school_id, year, "Год", "year", 1, 11, TERM[0], dt.date(2027, 5, 31)),
    ]
    t["holidays"].append(
        (ids("holidays"), school_id, "День народного единства", HOLIDAY, HOLIDAY, 1, 11)
    )
    subject_ids = {}
    teachers = {}
    for name in SUBJECTS:
        subject_ids[name] = ids("subjects")
        grading = "none" if name == NO_MARKS else "marks"
        t["subjects"].append((subject_ids[name], school_id, name, name[:4], grading))
        teachers[name] = ids("staff")
        t["staff"].append(
            (teachers[name], school_id, f"T{teachers[name]}", rng.choice(SURNAMES), "Учитель", "",
             "teacher")
        )  # fmt: skip
    plans: dict[int, list[int]] = {}  # grade → maths plan topic ids by number
    for grade in range(1, 12):
        plans[grade] = []
        for number in range(1, 101):
            control = number % 10 == 0
            topic = f"Контрольная работа №{number // 10}" if control else f"Тема {number}"
            kind = "контрольная работа" if control else ""
            topic_id = ids("plan_topics")
            plans[grade].append(topic_id)
            t["plan_topics"].append(
                (topic_id, school_id, subject_ids[MATHS], grade, None, number, topic, 1, kind)
            )
    days = school_days(TERM[0], DAY)
    window = [d for d in days if d >= DAY - dt.timedelta(days=13)]
    for n, size in enumerate(sizes):
        grade = n % 11 + 1
        class_id = ids("classes")
        t["classes"].append((class_id, school_id, f"{grade}{'АБВ'[n // 11 % 3]}{n}", grade, None))
        groups = [ids("subgroups"), ids("subgroups")]
        for i, g in enumerate(groups):
            t["subgroups"].append((g, school_id, class_id, subject_ids[ENGLISH], f"{i + 1}"))
        for name, hours in SUBJECTS.items():
            for g in groups if name == ENGLISH else [None]:
                t["assignments"].append(
                    (ids("assignments"), school_id, teachers[name], subject_ids[name], class_id,
                     g, Decimal(hours))
                )  # fmt: skip
        week = [name for name, hours in SUBJECTS.items() for _ in range(hours)]
        rng.shuffle(week)
        slots = []  # (slot id, weekday, lesson, subject, subgroup)
        for i, name in enumerate(week):
            weekday, lesson = i // 6 + 1, i % 6 + 1
            for g in groups if name == ENGLISH else [None]:
                slot = ids("timetable")
                slots.append((slot, weekday, lesson, name, g))
                t["timetable"].append(
                    (slot, school_id, class_id, g, weekday, lesson, subject_ids[name],
                     teachers[name], "")
                )  # fmt: skip
        # Lessons, each with attendance taken; maths lessons follow the plan.
        lessons_by: dict[tuple[str, int | None], list[tuple[int, dt.date]]] = {}
        by_day: dict[dt.date, list[tuple[int, int | None]]] = {}
        topic_number = 0
        for day in days:
            for slot, weekday, lesson, name, g in slots:
                if weekday != day.isoweekday():
                    continue
                lesson_id = ids("lessons")
                topic = None
                if name == MATHS and topic_number < 100:
                    topic = plans[grade][topic_number]
                    topic_number += 1
                t["lessons"].append(
                    (lesson_id, school_id, day, lesson, class_id, g, subject_ids[name],
                     teachers[name], slot, "Тема", topic, True)
                )  # fmt: skip
                lessons_by.setdefault((name, g), []).append((lesson_id, day))
                by_day.setdefault(day, []).append((lesson_id, g))
        for _ in range(size):
            pupil = ids("pupils")
            surname, first = rng.choice(SURNAMES), rng.choice(NAMES)
            t["pupils"].append(
                (pupil, school_id, f"P{pupil}", surname, first, "", dt.date(2026 - grade - 6, 5, 1),
                 None, None, False)
            )  # fmt: skip
            t["enrolments"].append((ids("enrolments"), school_id, pupil, class_id, TERM[0], None))
            group = rng.choice(groups)
            t["subgroup_members"].append((ids("subgroup_members"), school_id, group, pupil))
            for relation, name in (("мать", "Мария"), ("отец", "Сергей")):
                guardian = ids("guardians")
                t["guardians"].append((guardian, school_id, f"G{guardian}", surname, name, "", ""))
                t["guardianships"].append(
                    (ids("guardianships"), school_id, guardian, pupil, relation)
                )
                if relation == "мать" or rng.random() < 0.5:
                    account = ids("accounts")
                    t["accounts"].append(
                        (account, "telegram", str(account), str(account),
                         "en" if rng.random() < 0.1 else "ru", name,
                         dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
                         dt.datetime(2026, 10, 1, tzinfo=dt.UTC) if rng.random() < 0.02 else None,
                         True, rng.random() < 0.5)
                    )  # fmt: skip
                    t["account_links"].append(
                        (ids("account_links"), account, school_id, "guardian", guardian)
                    )
            # Marks: 10–20 a graded subject, on the pupil's own lessons.
            for name in SUBJECTS:
                if name == NO_MARKS:
                    continue
                own = lessons_by.get((name, group if name == ENGLISH else None), [])
                places = [(lesson, day, kind) for lesson, day in own for kind in KINDS[:2]]
                for lesson, day, _ in sorted(
                    rng.sample(places, min(len(places), rng.randint(10, 20))),
                    key=lambda x: x[1],
                ):
                    kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
                    t["marks"].append(
                        (ids("marks"), school_id, lesson, pupil, kind,
                         rng.choices(VALUES, VALUE_WEIGHTS)[0], "", teachers[name],
                         dt.datetime.combine(day, dt.time(12), dt.UTC), day, subject_ids[name])
                    )  # fmt: skip
            # Whole days away (about 8 % of days), and now and then late.
            for day in days:
                if rng.random() < 0.08:
                    for lesson, g in by_day[day]:
                        if g is None or g == group:
                            t["attendance"].append(
                                (ids("attendance"), school_id, lesson, pupil, "Н")
                            )
                elif rng.random() < 0.1:
                    lesson, g = by_day[day][0]
                    if g is None or g == group:
                        t["attendance"].append((ids("attendance"), school_id, lesson, pupil, "ОП"))
            if rng.random() < 0.2:
                day = rng.choice(window)
                t["remarks"].append(
                    (ids("remarks"), school_id, pupil, None, teachers[MATHS], "praise",
                     "Хорошо работал на уроке", dt.datetime.combine(day, dt.time(12), dt.UTC))
                )  # fmt: skip
    # Marks reference one kind per lesson and pupil: make (lesson, pupil, kind) unique. Then
    # put them in the order a school writes them, lesson by lesson, ids rising with it: a
    # pupil's marks are spread over the table as they are in a real one.
    seen: set[tuple[int, int, str]] = set()
    unique = []
    for row in t["marks"]:
        key = (row[2], row[3], row[4])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    unique.sort(key=lambda row: (row[9], row[2], row[3]))
    first_id = min((row[0] for row in unique), default=0)
    t["marks"] = [(first_id + n, *row[1:]) for n, row in enumerate(unique)]
    return t


async def generate(url: str, pupils: int) -> dict[str, int]:
    """Write the district; returns rows per table."""
    import asyncpg

    rng = random.Random(SEED)
    ids = Ids()
    counts: dict[str, int] = {}
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("SET session_replication_role = replica")  # no FK triggers on COPY
        for n, sizes in enumerate(district_classes(pupils)):
            school_id = n + 1
            await conn.execute(
                "INSERT INTO schools (id, name, timezone, grading, help_contacts, schedule, "
                "created_at) VALUES ($1, $2, 'Europe/Moscow', '{}', '', '{}', now())",
                school_id,
                f"Школа №{school_id}",
            )
            tables = one_school(ids, school_id, sizes, rng)
            for name in ORDER:
                rows = tables[name]
                if rows:
                    await conn.copy_records_to_table(name, records=rows, columns=COLUMNS[name])
                counts[name] = counts.get(name, 0) + len(rows)
        await conn.execute("VACUUM ANALYZE")  # as autovacuum leaves a school's tables
    finally:
        await conn.close()
    return counts


# --------------------------------------------------------------------------- measuring


@dataclass(slots=True)
class Measure:
    pupils: int = 0
    schools: int = 0
    digests: int = 0
    notices: int = 0
    charts: int = 0
    seconds: float = 0.0
    chart_seconds: float = 0.0
    render_seconds: float = 0.0
    batches: int = 0
    school_queries: list[int] = field(default_factory=list)  # statements, per school
    school_classes: list[int] = field(default_factory=list)  # classes (batches), per school
    rss_before: float = 0.0
    rss_after: float = 0.0
    cpu_seconds: float = 0.0  # the building processes' CPU time while building
    workers: int = 1  # processes building side by side, each a share of every school's classes
    server_cpu_seconds: float = 0.0  # PostgreSQL's processes' CPU time meanwhile
    peak_mb: float | None = None
    cold_seconds: float = 0.0  # the first school's digest before, in fresh processes, untimed
    cold_digests: int = 0
    chars: int = 0


def postgres_cpu_seconds() -> float:
    """CPU time of the PostgreSQL processes on this machine (user + system), from /proc."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def max_rss_mb() -> float:
    """The process's peak resident set so far: VmHWM, not `ru_maxrss`, which a spawned child
    inherits from the parent it was forked from (here: the generator's size)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TimedCharts:
    def __init__(self) -> None:
        from reports.charts import PillowCharts

        self.inner = PillowCharts()
        self.seconds = 0.0

    # the ChartMaker Protocol's signature
    def chart(self, title, subjects, period, weights):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return self.inner.chart(title, subjects, period, weights)
        finally:
            self.seconds += time.perf_counter() - started


async def build_all(
    url: str,
    charts: bool,
    trace: bool,
    part: tuple[int, int] = (0, 1),
    ready: Callable[[], object] | None = None,
    done: Callable[[Measure], object] | None = None,
) -> Measure:
    """Every school's digests of one share of the classes (`Part`), as a digest worker builds
    them; `ready` is called before the untimed build of the digest before and again just
    before the clock starts (all processes start together), and `done` with the
    figures while the connections are still open (PostgreSQL's CPU is read from its
    processes, and a connection's process ends with it)."""
    from app.process import tune_garbage_collector
    from bot.render import TelegramRenderer
    from domain.model import School
    from domain.usecases.digest_batch import Part, class_batches
    from domain.usecases.family_jobs import Digest, digest_since
    from domain.usecases.scheduling import Msg
    from locales import LANGUAGES, translator
    from storage.database import create_engine, session_factory
    from storage.statements import counting_statements
    from storage.uow import SqlUnitOfWork

    engine = create_engine(url)
    sessions = session_factory(engine)
    renderer = TelegramRenderer()
    chart_maker = TimedCharts() if charts else None
    share = Part(*part)
    job = Digest(chart_maker, share)
    result = Measure()
    async with SqlUnitOfWork(sessions) as uow:  # warm the pool and the imports
        schools = await uow.schools.all()
    for language in LANGUAGES:  # a running bot has read its catalogs (~0.1 s here) long ago
        translator(language)
    result.schools = len(schools)

    async def build(school: School, into: Measure, day: dt.date = DAY) -> None:
        assert school.id is not None
        since = digest_since(school, day)
        key = day.isoformat()
        async with SqlUnitOfWork(sessions) as uow, counting_statements(uow.session) as counted:
            periods = await uow.journal.periods(school.id)
            kinds = {k.code: k.name for k in await uow.schools.work_kinds(school.id)}
            shared: dict[tuple[object, ...], list[Msg]] = {}  # as `Digest.notices`, per school
            classes = 0
            batches = class_batches(uow, school, day, since, reachable_only=True, part=share)
            async for batch in batches:
                classes += 1
                into.batches += 1
                into.digests += len(batch)
                notices = job.batch_notices(school, key, batch, periods, kinds, shared)
                for notice in notices:
                    if notice.photo is not None:
                        into.charts += 1
                    else:
                        into.notices += 1
                        into.chars += len(renderer.render(notice.body, notice.account.language))
            into.school_queries.append(await counted.take())
            into.school_classes.append(classes)

    # A digest worker lives as long as the clock: a fortnight ago it built the digests of the
    # day then. So each process builds the first school's share of the digest before, untimed
    # (all processes together, from fresh: that cold build's time is reported too). The
    # class statements, whose text has the days in it, are prepared anew for the timed day.
    tune_garbage_collector()  # as a digest worker does when it starts
    cold = Measure()
    if ready is not None:
        ready()
    await build(schools[0], cold, DAY - dt.timedelta(weeks=2))
    result.cold_digests = cold.digests
    renderer = TelegramRenderer()  # its lines of the first school are not the timed run's
    if chart_maker is not None:
        chart_maker.seconds = 0.0
    if ready is not None:
        ready()
    if trace:
        tracemalloc.start()
    result.rss_before = max_rss_mb()
    server_started = postgres_cpu_seconds()
    cpu_started = time.process_time()
    started = time.perf_counter()
    for school in schools:
        await build(school, result)
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu_started
    result.server_cpu_seconds = postgres_cpu_seconds() - server_started
    if trace:
        result.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result.rss_after = max_rss_mb()
    result.chart_seconds = chart_maker.seconds if chart_maker else 0.0
    if done is not None:
        done(result)
    await engine.dispose()
    return result


# a process target, arguments pickled
def _child(url: str, charts: bool, trace: bool, part: tuple[int, int], start, results) -> None:  # type: ignore[no-untyped-def]
    def done(measure: Measure) -> None:
        results.put(asdict(measure))
        start.wait()  # until the parent has read PostgreSQL's CPU

    asyncio.run(build_all(url, charts, trace, part, start.wait, done))


def in_workers(url: str, charts: bool, trace: bool, workers: int) -> Measure:
    """One spawned process per share, as `scheduler.workers.DigestWorkers` runs them: they warm
    up, start together, and the time is the wall clock until the last one is done."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [
        context.Process(target=_child, args=(url, charts, trace, (i, workers), start, results))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    start.wait()  # they build the digest before, untimed
    cold_started = time.perf_counter()
    start.wait()
    cold_seconds = time.perf_counter() - cold_started
    server_started = postgres_cpu_seconds()
    started = time.perf_counter()
    shares = [Measure(**results.get()) for _ in processes]
    seconds = time.perf_counter() - started
    server_cpu = postgres_cpu_seconds() - server_started
    start.wait()
    for process in processes:
        process.join()
    total = merged(shares, seconds, server_cpu)
    total.cold_seconds = cold_seconds
    return total


def merged(shares: Sequence[Measure], seconds: float, server_cpu: float) -> Measure:
    """The shares' figures as one run's: counts and CPU added up, memory the largest share's,
    statements and classes added up school by school."""
    total = Measure(seconds=seconds, server_cpu_seconds=server_cpu, workers=len(shares))
    for share in shares:
        total.schools = share.schools
        total.digests += share.digests
        total.notices += share.notices
        total.charts += share.charts
        total.chars += share.chars
        total.batches += share.batches
        total.chart_seconds = max(total.chart_seconds, share.chart_seconds)
        total.cpu_seconds += share.cpu_seconds
        total.cold_digests += share.cold_digests
        total.rss_before = max(total.rss_before, share.rss_before)
        total.rss_after = max(total.rss_after, share.rss_after)
        if share.peak_mb is not None:
            total.peak_mb = max(total.peak_mb or 0.0, share.peak_mb)
    total.school_queries = [sum(q) for q in zip(*(s.school_queries for s in shares), strict=True)]
    total.school_classes = [sum(c) for c in zip(*(s.school_classes for s in shares), strict=True)]
    return total


# --------------------------------------------------------------------------- running


async def _prepare(url: str, pupils: int) -> dict[str, int]:
    from storage.database import create_engine
    from storage.migrate import upgrade

    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return await generate(url, pupils)


def spread_float(values: Sequence[float]) -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    return f"{low:.1f}" if low == high else f"{low:.1f}–{high:.1f}"


def spread(values: Sequence[int]) -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def report(pupils: int, counts: dict[str, int], timed: Measure, traced: Measure) -> bool:
    rate = timed.digests / timed.seconds
    peak = "-" if traced.peak_mb is None else f"{traced.peak_mb:.1f}"
    building = timed.seconds - timed.chart_seconds
    print(
        f"\nDistrict: {timed.schools} schools, {counts['classes']} classes, {pupils} pupils; "
        f"marks {counts['marks']}, lessons {counts['lessons']}, attendance "
        f"{counts['attendance']}, accounts {counts['accounts']}"
    )
    head = (
        f"{'pupils':>8} {'digests':>8} {'notices':>8} {'seconds':>8} {'digests/s':>10} "
        f"{'notices/s':>10} {'peak MB':>8} {'RSS MB':>13} {'q/school':>9} {'q/class':>8}"
    )
    print(head)
    per_class = [
        (q - SCHOOL_STATEMENTS * timed.workers) / c
        for q, c in zip(timed.school_queries, timed.school_classes, strict=True)
    ]
    print(
        f"{pupils:>8} {timed.digests:>8} {timed.notices:>8} {timed.seconds:>8.2f} "
        f"{rate:>10.0f} {timed.notices / timed.seconds:>10.0f} {peak:>8} "
        f"{timed.rss_before:>6.0f}→{timed.rss_after:<6.0f} {spread(timed.school_queries):>9} "
        f"{spread_float(per_class):>8}"
    )
    print(
        f"CPU while building: {timed.workers} worker process(es) {timed.cpu_seconds:.2f} s "
        f"({timed.cpu_seconds / timed.digests * 1e6:.0f} µs a digest), PostgreSQL "
        f"{timed.server_cpu_seconds:.2f} s, in {timed.seconds:.2f} s"
    )
    if timed.charts:
        print(
            f"charts: {timed.charts} PNGs in {timed.chart_seconds:.2f} s "
            f"({timed.charts / timed.chart_seconds:.0f}/s); without them "
            f"{timed.digests / building:.0f} digests/s"
        )
    print(
        f"Untimed, before: the fresh processes built the first school's digest of "
        f"{DAY - dt.timedelta(weeks=2):%d.%m}, as a long-running worker has, together: "
        f"{timed.cold_digests} digests in {timed.cold_seconds:.2f} s "
        f"({timed.cold_digests / timed.cold_seconds:.0f}/s)."
    )
    print(
        f"q/school: statements per school, every share's; q/class: (q/school − "
        f"{SCHOOL_STATEMENTS} × {timed.workers}, each share's own) / classes. Peak: "
        f"tracemalloc, the largest share's in a second identical run "
        + ("(not run: --no-trace)" if traced is timed else f"({traced.seconds:.1f} s under it)")
        + f". Rendered {timed.chars / 1e6:.1f} M chars."
    )
    ok = rate >= TARGET
    print(f"≥ {TARGET:.0f} digests/s (100 × 30 messages/s): {'yes' if ok else 'NO'}")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--charts", action="store_true", help="render the PNG charts too")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes building side by side, as JOURNAL_DIGEST_WORKERS (default: one a core)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--no-trace",
        action="store_true",
        help="skip the second run under tracemalloc (RSS still shows whether memory is flat)",
    )
    args = parser.parse_args(argv)
    name = f"journal_digest_{os.getpid()}"
    url = pg_url(name)
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        started = time.perf_counter()
        counts = asyncio.run(_prepare(url, args.pupils))
        print(f"Generated in {time.perf_counter() - started:.1f} s: {counts}")
        timed = in_workers(url, args.charts, False, args.workers)
        traced = timed if args.no_trace else in_workers(url, args.charts, True, args.workers)
        ok = report(args.pupils, counts, timed, traced)
        if args.json:
            args.json.write_text(
                json.dumps({"counts": counts, "timed": asdict(timed), "traced": asdict(traced)})
            )
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
