"""How long a big school's first import and re-import take, and how much memory they need.

Why: the issue sets a target — a school of 2,000 pupils imports in under 10 s on SQLite and on
PostgreSQL — and a secretary re-imports the same lists whenever something changes, so both the
first import and the "nothing changed" re-import must be quick. This script builds such a school
deterministically (CSV files in a temporary folder), then calls the real code path directly
(not through the CLI): `create_engine` → `migrate.upgrade` → `create_school` → `read_source` →
`import_school`, each backend in a spawned process of its own.

Time is measured without tracemalloc (it slows allocation-heavy code down several times); the
tracemalloc peak comes from a second, identical run on a fresh database. RSS is the process's
high-water mark (it never goes down), read before and after each import.

Run:  .venv/bin/python benchmarks/import_benchmark.py [--backend sqlite|postgresql|both]
      [--pupils 2000] [--plan] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import datetime as dt
import io
import multiprocessing
import os
import pstats
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pg import admin, pg_url

from domain.model import School
from domain.usecases.import_school import ImportReport, import_school
from domain.usecases.schools import create_school
from importer.readers import read_source
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

SEED = 20261116
TODAY = dt.date(2026, 11, 16)
TARGET_SECONDS = 10.0

# --------------------------------------------------------------------------- the school

ENGLISH = "Английский язык"
TALKS = "Разговоры о важном"

# Hours a week per grade band, and lessons per day (Monday first). English is taught in two
# groups at once; primary classes get most subjects from their class teacher.
PRIMARY = {
    "Русский язык": 5,
    "Литературное чтение": 4,
    "Математика": 5,
    "Окружающий мир": 2,
    ENGLISH: 2,
    "Музыка": 1,
    "Изобразительное искусство": 1,
    "Труд (технология)": 1,
    "Физическая культура": 3,
    TALKS: 1,
}
FIRST_GRADE = {**PRIMARY, ENGLISH: 0, "Литературное чтение": 5, "Окружающий мир": 3}
MIDDLE = {
    "Русский язык": 5,
    "Литература": 3,
    ENGLISH: 3,
    "Математика": 5,
    "История": 2,
    "Обществознание": 1,
    "География": 1,
    "Биология": 1,
    "Музыка": 1,
    "Изобразительное искусство": 1,
    "Труд (технология)": 2,
    "Физическая культура": 2,
    "Основы духовно-нравственной культуры народов России": 1,
    TALKS: 1,
}
UPPER_MIDDLE = {
    "Русский язык": 4,
    "Литература": 2,
    ENGLISH: 3,
    "Алгебра": 3,
    "Геометрия": 2,
    "Вероятность и статистика": 1,
    "Информатика": 1,
    "История": 2,
    "Обществознание": 1,
    "География": 2,
    "Биология": 2,
    "Физика": 2,
    "Химия": 2,
    "Музыка": 1,
    "Труд (технология)": 1,
    "Основы безопасности и защиты Родины": 1,
    "Физическая культура": 2,
    TALKS: 1,
}
SENIOR = {
    "Русский язык": 3,
    "Литература": 3,
    ENGLISH: 3,
    "Алгебра и начала математического анализа": 4,
    "Геометрия": 3,
    "Вероятность и статистика": 1,
    "Информатика": 2,
    "История": 2,
    "Обществознание": 2,
    "География": 1,
    "Биология": 2,
    "Физика": 3,
    "Химия": 2,
    "Физическая культура": 3,
    "Основы безопасности и защиты Родины": 1,
    "Индивидуальный проект": 1,
    TALKS: 1,
}
PRIMARY_DAYS = (5, 5, 5, 5, 5)
MIDDLE_DAYS = (6, 6, 6, 6, 5)
UPPER_MIDDLE_DAYS = (7, 7, 7, 6, 6)
SENIOR_DAYS = (7, 6, 6, 6, 6, 6)  # grades 10–11 study on Saturdays too


def curriculum(grade: int) -> tuple[dict[str, int], tuple[int, ...]]:
    """Subjects with hours a week, and lessons per day, for a grade."""
    if grade == 1:
        plan, days = FIRST_GRADE, PRIMARY_DAYS
    elif grade <= 4:
        plan, days = PRIMARY, PRIMARY_DAYS
    elif grade <= 6:
        plan, days = MIDDLE, MIDDLE_DAYS
    elif grade <= 9:
        plan, days = UPPER_MIDDLE, UPPER_MIDDLE_DAYS
    else:
        plan, days = SENIOR, SENIOR_DAYS
    # English runs as two simultaneous groups: one slot of the class's week per hour.
    assert sum(plan.values()) == sum(days), grade
    return {s: h for s, h in plan.items() if h}, days


PRIMARY_TEACHER_SUBJECTS = {
    "Русский язык",
    "Литературное чтение",
    "Математика",
    "Окружающий мир",
    "Изобразительное искусство",
    "Труд (технология)",
    TALKS,
}
SUBJECTS = sorted(
    {s for band in (FIRST_GRADE, PRIMARY, MIDDLE, UPPER_MIDDLE, SENIOR) for s in band}
)
GRADING = {"Индивидуальный проект": "pass_fail", TALKS: "none"}
CLASS_LETTERS = "АБВГДЕЖИКЛМНОПРСТУФХ"
MAX_LOAD = 22  # hours a week a subject teacher takes before the next one is hired

SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров "
    "Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин "
    "Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов "
    "Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов"
).split()
BOYS = "Александр Артём Максим Михаил Иван Дмитрий Кирилл Матвей Тимофей Егор Никита Андрей".split()
GIRLS = "Анна Мария София Алиса Виктория Полина Анастасия Елизавета Дарья Варвара Ксения".split()
MEN = "Александрович Сергеевич Андреевич Дмитриевич Алексеевич Игоревич Олегович Павлович".split()
WOMEN = "Александровна Сергеевна Андреевна Дмитриевна Алексеевна Игоревна Олеговна".split()
ADULT_WOMEN = "Елена Ольга Наталья Татьяна Ирина Светлана Юлия Екатерина Марина".split()
ADULT_MEN = "Сергей Андрей Дмитрий Алексей Игорь Олег Павел Евгений Роман".split()


def feminine(surname: str) -> str:
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname


@dataclass(slots=True)
class Teacher:
    id: str
    subjects: tuple[str, ...]
    load: int = 0
    room: str = ""


@dataclass(slots=True)
class SchoolData:
    """The generated tables as rows of text cells, by table, English headers first."""

    tables: dict[str, list[list[str]]] = field(default_factory=dict)

    def rows(self, table: str) -> int:
        return len(self.tables[table]) - 1


def classes_per_grade(pupils: int) -> list[int]:
    """~28–29 pupils a class (2,000 pupils: 70 classes), grades 1–4 a little fuller."""
    total = max(11, round(pupils / 28.6))
    weights = [7, 7, 7, 7, 6, 6, 6, 6, 6, 6, 6]
    shares = [total * w / sum(weights) for w in weights]
    counts = [max(1, int(s)) for s in shares]
    for i in sorted(range(11), key=lambda i: counts[i] - shares[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _match(
    lessons: Sequence[tuple[str, tuple[str, ...]]],
    slots: Sequence[int],
    busy: dict[int, set[str]],
    rng: random.Random,
) -> dict[int, int] | None:
    """Lesson numbers for the day's lessons so that no teacher is busy twice (Kuhn's matching)."""
    options = []
    for _, teachers in lessons:
        fits = [s for s in slots if not busy[s].intersection(teachers)]
        rng.shuffle(fits)
        options.append(fits)
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for s in options[i]:
            if s not in seen:
                seen.add(s)
                if s not in owner or augment(owner[s], seen):
                    owner[s] = i
                    return True
        return False

    for i in sorted(range(len(lessons)), key=lambda i: len(options[i])):
        if not augment(i, set()):
            return None
    return {s: i for s, i in owner.items()}


def schedule(
    lessons: list[tuple[str, tuple[str, ...]]],
    per_day: Sequence[int],
    busy: dict[tuple[int, int], set[str]],
    fixed: dict[tuple[int, int], tuple[str, tuple[str, ...]]],
    rng: random.Random,
) -> dict[tuple[int, int], tuple[str, tuple[str, ...]]]:
    """A week for one class: each subject on distinct days, then each day ordered by matching."""
    by_subject: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for lesson in lessons:
        by_subject.setdefault(lesson[0], []).append(lesson)
    for _ in range(5000):
        room = [n - sum(1 for d, _ in fixed if d == day) for day, n in enumerate(per_day, 1)]
        days: dict[int, list[tuple[str, tuple[str, ...]]]] = {d: [] for d in range(1, 7)}
        for subject in sorted(by_subject, key=lambda s: (-len(by_subject[s]), rng.random())):
            order = sorted(range(1, len(per_day) + 1), key=lambda d: (-room[d - 1], rng.random()))
            for lesson, day in zip(by_subject[subject], order, strict=False):
                days[day].append(lesson)
                room[day - 1] -= 1
        if min(room) < 0:
            continue
        week = dict(fixed)
        for day in range(1, len(per_day) + 1):
            slots = [n for n in range(1, per_day[day - 1] + 1) if (day, n) not in fixed]
            placed = _match(days[day], slots, {n: busy.get((day, n), set()) for n in slots}, rng)
            if placed is None:
                break
            week.update({(day, n): days[day][i] for n, i in placed.items()})
        else:
            for (day, n), (_, teachers) in week.items():
                busy.setdefault((day, n), set()).update(teachers)
            return week
    raise RuntimeError("no conflict-free week found for a class")


def check_timetable(rows: list[list[str]]) -> None:
    """No teacher gives two lessons at once (the generator's promise; the importer trusts it)."""
    seen: dict[tuple[str, str, str], str] = {}
    for row in rows[1:]:
        name, _, day, lesson, _, teacher = row[:6]
        other = seen.setdefault((teacher, day, lesson), name)
        if other != name:
            raise AssertionError(f"{teacher} teaches {other} and {name} on {day}/{lesson}")


def generate(pupils: int, with_plan: bool) -> SchoolData:
    """A school of `pupils` pupils with every table the importer reads; same seed, same school."""
    rng = random.Random(SEED)
    data = SchoolData()
    t = data.tables
    staff_rows = [["id", "last_name", "first_name", "middle_name", "roles", "deputy_grades"]]
    teachers: list[Teacher] = []

    def person(male: bool) -> tuple[str, str, str]:
        surname = rng.choice(SURNAMES)
        if male:
            return surname, rng.choice(ADULT_MEN), rng.choice(MEN)
        return feminine(surname), rng.choice(ADULT_WOMEN), rng.choice(WOMEN)

    def hire(subjects: tuple[str, ...]) -> Teacher:
        teacher = Teacher(f"T{len(teachers) + 1:03d}", subjects, room=str(100 + len(teachers)))
        teachers.append(teacher)
        staff_rows.append([teacher.id, *person(rng.random() < 0.25), "teacher", ""])
        return teacher

    def teacher_for(subject: str, hours: int, exclude: str, fresh: bool) -> Teacher:
        """The latest hired teacher of the subject with room in their week (so that
        consecutive classes share teachers); with `fresh`, one who teaches nothing yet."""
        for teacher in teachers[-40:]:
            if subject not in teacher.subjects or teacher.id == exclude:
                continue
            if (teacher.load == 0) if fresh else (teacher.load + hours <= MAX_LOAD):
                return teacher
        return hire((subject,))

    # classes, teachers and the timetable -------------------------------------------------
    class_rows = [["name", "grade", "class_teacher"]]
    assignment_rows = [["teacher_id", "subject", "class", "group", "hours_per_week"]]
    timetable_rows = [
        ["class", "group", "weekday", "lesson", "subject", "teacher_id", "room", "valid_from"]
    ]
    busy: dict[tuple[int, int], set[str]] = {}
    class_names: list[tuple[str, int]] = []
    class_teachers: set[str] = set()
    for grade, count in enumerate(classes_per_grade(pupils), 1):
        hours, per_day = curriculum(grade)
        for letter in CLASS_LETTERS[:count]:
            name = f"{grade}{letter}"
            class_names.append((name, grade))
            # A primary class has its own teacher, who is matched to no other class.
            primary_teacher = hire(("primary",)) if grade <= 4 else None
            # Teachers with room in their week first; when no week fits around their other
            # lessons, teachers new to the school.
            for fresh in (False, True):
                parts: dict[str, list[tuple[str, Teacher]]] = {}
                for subject, h in hours.items():
                    if subject == ENGLISH:
                        first = teacher_for(ENGLISH, h, "", fresh)
                        second = teacher_for(ENGLISH, h, first.id, fresh)
                        parts[subject] = [("1", first), ("2", second)]
                    elif primary_teacher and subject in PRIMARY_TEACHER_SUBJECTS:
                        parts[subject] = [("", primary_teacher)]
                    elif subject != TALKS:  # the class teacher's, chosen below
                        parts[subject] = [("", teacher_for(subject, h, "", fresh))]
                candidates = [p[0][1] for p in parts.values() if len(p) == 1]
                class_teacher = primary_teacher or next(
                    (c for c in candidates if c.id not in class_teachers), None
                )
                if class_teacher is None:
                    continue
                parts[TALKS] = [("", class_teacher)]
                lessons = [
                    (subject, tuple(t.id for _, t in subject_parts))
                    for subject, subject_parts in parts.items()
                    if subject != TALKS
                    for _ in range(hours[subject])
                ]
                fixed = {(1, 1): (TALKS, (class_teacher.id,))}
                try:
                    week = schedule(lessons, per_day, busy, fixed, rng)
                    break
                except RuntimeError:
                    if fresh:
                        raise
            else:
                raise RuntimeError(f"no class teacher for {name}")
            class_teachers.add(class_teacher.id)
            class_rows.append([name, str(grade), class_teacher.id])
            for subject, subject_parts in parts.items():
                for group, teacher in subject_parts:
                    teacher.load += hours[subject]
                    assignment_rows.append([teacher.id, subject, name, group, str(hours[subject])])
            for (day, n), (subject, _) in sorted(week.items()):
                for group, teacher in parts[subject]:
                    timetable_rows.append(
                        [name, group, str(day), str(n), subject, teacher.id, teacher.room, ""]
                    )
    check_timetable(timetable_rows)
    # heads of the school
    staff_rows.append(["A001", *person(False), "director", ""])
    for i, grades in enumerate(("1-4", "5-9", "10-11"), 2):
        staff_rows.append([f"A{i:03d}", *person(i % 2 == 0), "deputy", grades])
    staff_rows.append(["A005", *person(False), "secretary", ""])
    staff_rows.append(["A006", *person(True), "admin", ""])
    t["staff"] = staff_rows
    t["subjects"] = [["name", "short_name", "grading"]] + [
        [s, s[:6], GRADING.get(s, "marks")] for s in SUBJECTS
    ]
    t["classes"] = class_rows

    # pupils, guardians, English groups ------------------------------------------------------
    per_class = [pupils // len(class_names)] * len(class_names)
    for i in range(pupils - sum(per_class)):
        per_class[i] += 1
    student_rows = [
        [
            "id",
            "class",
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "enrolled_on",
            "left_on",
            "home_schooled",
        ]
    ]
    group_rows = [["class", "subject", "group", "student_id"]]
    pupil_families: list[int] = []
    family_names: list[str] = []
    number = 0
    for (name, grade), size in zip(class_names, per_class, strict=True):
        entry = 2026 - (grade - 1)
        members = []
        for _ in range(size):
            number += 1
            pupil_id = f"{100000 + number}"
            # one pupil in ten is the younger brother or sister of an earlier pupil
            if family_names and rng.random() < 0.1:
                family = rng.randrange(len(family_names))
            else:
                family = len(family_names)
                family_names.append(rng.choice(SURNAMES))
            pupil_families.append(family)
            male = rng.random() < 0.5
            born = dt.date(entry - 8, 9, 1) + dt.timedelta(days=rng.randrange(480))
            left = enrolled = ""
            if rng.random() < 0.01:
                enrolled, left = "2020-09-01", "2026-10-15"
            elif rng.random() < 0.01:
                enrolled = "2026-11-09"
            home = "1" if rng.random() < 0.003 else "0"
            surname = family_names[family] if male else feminine(family_names[family])
            student_rows.append(
                [
                    pupil_id,
                    name,
                    surname,
                    rng.choice(BOYS if male else GIRLS),
                    rng.choice(MEN if male else WOMEN),
                    born.isoformat(),
                    enrolled,
                    left,
                    home,
                ]
            )
            if home == "0":
                members.append(pupil_id)
        if grade > 1:
            half = (len(members) + 1) // 2
            group_rows += [
                [name, ENGLISH, "1" if i < half else "2", m] for i, m in enumerate(members)
            ]
    t["students"] = student_rows

    # 1.5 guardian rows a pupil: one guardian per family, a second for families in turn
    children: dict[int, list[str]] = {}
    for row, family in zip(student_rows[1:], pupil_families, strict=True):
        children.setdefault(family, []).append(row[0])
    target = int(pupils * 1.5)
    guardian_count = {family: 1 for family in children}
    rows_so_far = pupils
    for family, kids in children.items():
        if rows_so_far + len(kids) <= target:
            guardian_count[family] = 2
            rows_so_far += len(kids)
    guardian_rows = [
        ["id", "student_id", "last_name", "first_name", "middle_name", "relation", "phone"]
    ]
    next_guardian = 0
    for family, kids in children.items():
        people = []
        for k in range(guardian_count[family]):
            next_guardian += 1
            male = k == 1
            surname = family_names[family] if male else feminine(family_names[family])
            first = rng.choice(ADULT_MEN if male else ADULT_WOMEN)
            middle = rng.choice(MEN if male else WOMEN)
            phone = f"+7 9{rng.randrange(100):02d} {rng.randrange(10**7):07d}"
            relation = "отец" if male else "мать"
            people.append([f"G{next_guardian:06d}", surname, first, middle, relation, phone])
        for kid in kids:
            for gid, surname, first, middle, relation, phone in people:
                guardian_rows.append([gid, kid, surname, first, middle, relation, phone])
    t["guardians"] = guardian_rows
    t["groups"] = group_rows
    t["assignments"] = assignment_rows

    # calendar ------------------------------------------------------------------------------
    t["bells"] = [["lesson", "starts", "ends", "shift"]] + [
        [str(n), f"{h:02d}:{m:02d}", f"{(h * 60 + m + 45) // 60:02d}:{(m + 45) % 60:02d}", "1"]
        for n, (h, m) in enumerate(
            [(8, 30), (9, 25), (10, 30), (11, 35), (12, 30), (13, 25), (14, 20), (15, 15)], 1
        )
    ]
    t["periods"] = [
        ["name", "kind", "grades", "starts", "ends"],
        ["I четверть", "quarter", "1-9", "2026-09-01", "2026-10-24"],
        ["II четверть", "quarter", "1-9", "2026-11-05", "2026-12-28"],
        ["III четверть", "quarter", "1-9", "2027-01-12", "2027-03-20"],
        ["IV четверть", "quarter", "1-9", "2027-03-30", "2027-05-26"],
        ["I полугодие", "half", "10-11", "2026-09-01", "2026-12-28"],
        ["II полугодие", "half", "10-11", "2027-01-12", "2027-05-26"],
        ["Учебный год", "year", "1-11", "2026-09-01", "2027-05-26"],
    ]
    t["holidays"] = [
        ["name", "starts", "ends", "grades"],
        ["Осенние каникулы", "2026-10-25", "2026-11-04", ""],
        ["Зимние каникулы", "2026-12-29", "2027-01-11", ""],
        ["Дополнительные каникулы", "2027-02-13", "2027-02-21", "1"],
        ["Весенние каникулы", "2027-03-21", "2027-03-29", ""],
        ["Летние каникулы", "2027-05-27", "2027-08-31", ""],
    ]
    t["timetable"] = timetable_rows
    if with_plan:  # a КТП of one lesson a row for Russian and maths in every grade
        plan = [["subject", "grade", "number", "topic", "hours", "kind"]]
        for grade in range(1, 12):
            hours, _ = curriculum(grade)
            for subject in ("Русский язык", "Математика", "Алгебра"):
                for n in range(1, hours.get(subject, 0) * 34 + 1):
                    kind = "Контрольная работа" if n % 15 == 0 else ""
                    plan.append([subject, str(grade), str(n), f"{subject}: тема {n}", "1", kind])
        t["plan"] = plan
    return data


def write_csv(data: SchoolData, folder: Path) -> None:
    for table, rows in data.tables.items():
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (folder / f"{table}.csv").write_text(out.getvalue(), encoding="utf-8")


# --------------------------------------------------------------------------- measuring


@dataclass(slots=True)
class Measure:
    backend: str
    phase: str
    read_s: float
    total_s: float
    peak_mb: float | None = None
    rss_before_mb: float = 0.0
    rss_mb: float = 0.0
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def max_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@asynccontextmanager
async def fresh_database(backend: str, workdir: Path, tag: str) -> AsyncIterator[str]:
    """A URL of an empty database that is removed afterwards."""
    if backend == "sqlite":
        path = workdir / f"bench_{tag}.sqlite3"
        yield f"sqlite+aiosqlite:///{path}"  # the temporary folder goes at the end
        return
    name = f"journal_bench_{os.getpid()}_{tag}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _totals(report: ImportReport) -> tuple[int, int, int]:
    counts = report.tables.values()
    return (
        sum(c.added for c in counts),
        sum(c.updated for c in counts),
        sum(c.unchanged for c in counts),
    )


async def _one_import(
    make_uow: Callable[[], SqlUnitOfWork],
    school: School,
    folder: Path,
    backend: str,
    phase: str,
    trace: bool,
    profiler: cProfile.Profile | None,
) -> Measure:
    rss_before = max_rss_mb()
    if trace:
        tracemalloc.start()
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    tables = read_source(folder)
    read = time.perf_counter()
    report = await import_school(make_uow(), school, tables, TODAY)
    done = time.perf_counter()
    if profiler:
        profiler.disable()
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    added, updated, unchanged = _totals(report)
    return Measure(
        backend,
        phase,
        read_s=read - started,
        total_s=done - started,
        peak_mb=peak,
        rss_before_mb=rss_before,
        rss_mb=max_rss_mb(),
        added=added,
        updated=updated,
        unchanged=unchanged,
    )


async def run_backend(
    backend: str, folder: Path, workdir: Path, trace: bool, profile: bool
) -> list[Measure]:
    """First import and re-import on a fresh database; with `trace`, under tracemalloc."""
    tag = "mem" if trace else "time"
    async with fresh_database(backend, workdir, tag) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            sessions = session_factory(engine)

            def make_uow() -> SqlUnitOfWork:
                return SqlUnitOfWork(sessions)

            school = await create_school(make_uow(), "Школа (бенчмарк)", "Europe/Moscow")
            results = []
            for phase in ("first import", "re-import"):
                profiler = cProfile.Profile() if profile else None
                measure = await _one_import(
                    make_uow, school, folder, backend, phase, trace, profiler
                )
                results.append(measure)
                if profiler:
                    print(f"\n--- cProfile: {backend}, {phase} ---")
                    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
                    stats.print_stats(25)
                    stats.sort_stats("tottime").print_stats(15)
            return results
        finally:
            await engine.dispose()


def print_table(measures: Sequence[Measure]) -> None:
    header = (
        f"{'backend':<11} {'import':<13} {'read s':>7} {'total s':>8} {'target':>7} "
        f"{'peak MB':>8} {'RSS MB before':>14} {'after':>6}  added/updated/unchanged"
    )
    print(header)
    print("-" * len(header))
    for m in measures:
        ok = "ok" if m.total_s < TARGET_SECONDS else "MISSED"
        peak = f"{m.peak_mb:8.1f}" if m.peak_mb is not None else f"{'–':>8}"
        print(
            f"{m.backend:<11} {m.phase:<13} {m.read_s:7.2f} {m.total_s:8.2f} {ok:>7} "
            f"{peak} {m.rss_before_mb:14.1f} {m.rss_mb:6.1f}  {m.added}/{m.updated}/{m.unchanged}"
        )


def run_in_child(
    backend: str, folder: Path, workdir: Path, trace: bool, profile: bool
) -> list[Measure]:
    """One backend's first import and re-import in a fresh interpreter, so that its max RSS
    is its own and not the high-water mark left by the other backend or the other run."""
    return asyncio.run(run_backend(backend, folder, workdir, trace, profile))


def run(args: argparse.Namespace) -> int:
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="journal_bench_") as tmp:
        workdir = Path(tmp)
        folder = workdir / "school"
        folder.mkdir()
        started = time.perf_counter()
        data = generate(args.pupils, args.plan)
        write_csv(data, folder)
        print(
            f"Generated in {time.perf_counter() - started:.2f} s: "
            + ", ".join(f"{table} {data.rows(table)}" for table in data.tables)
        )
        teachers = sum(1 for r in data.tables["staff"][1:] if "teacher" in r[4])
        print(f"  ({data.rows('staff')} staff, {teachers} of them teachers)", flush=True)
        measures: list[Measure] = []
        spawn = multiprocessing.get_context("spawn")
        for backend in backends:
            runs = []
            for trace, profile in ((False, args.profile), (True, False)):
                with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                    job = pool.submit(run_in_child, backend, folder, workdir, trace, profile)
                    runs.append(job.result())
            timed, traced = runs
            for t, m in zip(timed, traced, strict=True):
                t.peak_mb = m.peak_mb
            measures += timed
            if any(m.added or m.updated for m in timed[1:]):
                print(f"{backend}: the re-import changed rows; it should change nothing")
        print()
        print_table(measures)
        print(
            f"\npupils={args.pupils}. Time and RSS: a run without tracemalloc, in a process of "
            "its own per backend; RSS is the process's high-water mark before and after the "
            "import. Peak: tracemalloc peak of the same import in a second, identical run."
        )
    return 0 if all(m.total_s < TARGET_SECONDS for m in measures) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run; the exit status is 1 when an import missed the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--plan", action="store_true", help="add a КТП for Russian and maths")
    parser.add_argument("--profile", action="store_true", help="print cProfile of each import")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
