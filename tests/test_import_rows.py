"""Rows that used to be accepted and now are refused with row, column and reason, or
normalised with a warning when the meaning is certain (issue 15, item 2).

Use-case tests go through `import_school` on SQLite and PostgreSQL; a refused import leaves
every table as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from domain.importing import CellError, ImportRejected, SchoolSnapshot, parse_phone, validate
from domain.model import Pupil, SchoolClass
from domain.usecases.import_school import ImportReport, import_school
from domain.usecases.schools import create_school
from storage.uow import SqlUnitOfWork
from tests.school_data import SMALL_SCHOOL, raw_tables, with_table
from tests.test_import_kept import dump_tables

TODAY = dt.date(2026, 11, 16)
UowFactory = Callable[[], SqlUnitOfWork]
TIMETABLE = "class,group,weekday,lesson,subject,teacher_id,room,valid_from,valid_to\n"


async def _school(make_uow: UowFactory, data: dict[str, str] | None = None):
    school = await create_school(make_uow(), "Школа №1", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(data), TODAY)
    return school


async def _refused(
    make_uow: UowFactory, school, data: dict[str, str]
) -> list[tuple[str, int | None, str | None, str]]:
    before = await dump_tables(make_uow)
    with pytest.raises(ImportRejected) as caught:
        await import_school(make_uow(), school, raw_tables(data), TODAY)
    assert await dump_tables(make_uow) == before
    return [(p.source, p.row, p.column, p.message) for p in caught.value.problems]


def _where(problems: list[tuple[str, int | None, str | None, str]]) -> set[tuple]:
    return {p[:3] for p in problems}


# --------------------------------------------------------------------------- timetable clashes


async def test_a_teacher_in_two_classes_at_once_is_refused(make_uow: UowFactory) -> None:
    data = with_table(
        "timetable",
        TIMETABLE + "5А,,3,1,Математика,T1,201,,\n6Б,,3,1,Математика,T1,202,,\n",
    )
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    problems = await _refused(make_uow, school, data)
    assert problems == [
        (
            "timetable.csv",
            3,
            "teacher_id",
            "teacher {value} already teaches {name} at this time on row {first}",
        )
    ]


async def test_a_teacher_with_two_groups_of_one_class_at_once_is_refused(
    make_uow: UowFactory,
) -> None:
    data = with_table(
        "timetable",
        TIMETABLE + "5А,1,3,2,Английский язык,T2,305,,\n5А,2,3,2,Английский язык,T2,306,,\n",
    )
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    assert _where(await _refused(make_uow, school, data)) == {("timetable.csv", 3, "teacher_id")}


async def test_two_groups_with_two_teachers_at_once_are_fine(make_uow: UowFactory) -> None:
    school = await _school(make_uow)  # SMALL_SCHOOL: 5А's English groups on Monday lesson 2
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    assert sorted((t.weekday, t.lesson) for t in snap.timetable if t.subgroup_id) == [
        (1, 2),
        (1, 2),
    ]


async def test_clashes_with_the_stored_timetable(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    # T2 has 5А's English group 1 on Monday lesson 2; 5А as a whole cannot have maths then.
    problems = await _refused(
        make_uow,
        school,
        {"timetable": TIMETABLE + "6Б,,1,2,Математика,T2,202,,\n5А,,1,2,Математика,T1,201,,\n"},
    )
    assert set(problems) == {
        (
            "timetable.csv",
            2,
            "teacher_id",
            "teacher {value} already teaches {name} at this time in the stored timetable",
        ),
        (
            "timetable.csv",
            3,
            "lesson",
            "class {name} already has a lesson at this time in the stored timetable",
        ),
    }


async def test_lessons_whose_dates_do_not_overlap_do_not_clash(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    # 6Б's Monday lesson 1 with T3 runs until 28 December: the same lesson again from 11
    # January is a new row (by valid_from) that meets neither it nor anything else of T3's.
    data = {"timetable": TIMETABLE + "6Б,,1,1,Математика,T3,202,2027-01-11,\n"}
    report = await import_school(make_uow(), school, raw_tables(data), TODAY)
    assert report.tables["timetable"].added == 1
    overlapping = {"timetable": TIMETABLE + "6Б,,1,1,Математика,T3,202,2026-12-01,\n"}
    assert _where(await _refused(make_uow, school, overlapping)) >= {
        ("timetable.csv", 2, "teacher_id"),
        ("timetable.csv", 2, "lesson"),
    }


# --------------------------------------------------------------------------- lessons and bells


async def test_a_lesson_must_have_a_bell(make_uow: UowFactory) -> None:
    school = await _school(make_uow)  # bells for lessons 1-3
    data = {"timetable": TIMETABLE + "5А,,4,0,Математика,T1,201,,\n5А,,4,9,Математика,T1,201,,\n"}
    problems = await _refused(make_uow, school, data)
    assert _where(problems) == {("timetable.csv", 2, "lesson"), ("timetable.csv", 3, "lesson")}
    # A school whose bells define lesson 0 («нулевой урок») may use it, in the same import.
    with_zero = {
        "bells": "lesson,starts,ends\n0,07:40,08:20\n",
        "timetable": TIMETABLE + "5А,,4,0,Математика,T1,201,,\n",
    }
    report = await import_school(make_uow(), school, raw_tables(with_zero), TODAY)
    assert report.tables["timetable"].added == 1


async def test_a_timetable_without_any_bells_is_refused(make_uow: UowFactory) -> None:
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    data = {k: v for k, v in SMALL_SCHOOL.items() if k != "bells"}
    problems = await _refused(make_uow, school, data)
    assert {p[3] for p in problems if p[0] == "timetable.csv"} == {
        "there is no bell for lesson {value}: the school has no bells yet (import bells too)"
    }


# --------------------------------------------------------------------------- pupils' dates


async def test_impossible_birth_and_arrival_dates(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    data = {
        "students": (
            "id,class,last_name,first_name,birth_date,enrolled_on,left_on\n"
            "S1,5А,Алексеев,Артём,2030-01-01,,\n"  # born in the future
            "S2,5А,Борисова,Белла,31.12.1899,,\n"  # before 1900
            "S3,5А,Волков,Вадим,,2028-09-01,\n"  # arrives two years ahead
            "S4,6Б,Громова,Галина,,2026-09-01,2026-08-31\n"  # leaves before arriving
            "S9,6Б,Новиков,Никита,,,2036-05-31\n"  # leaves ten years ahead
        )
    }
    problems = await _refused(make_uow, school, data)
    assert _where(problems) == {
        ("students.csv", 2, "birth_date"),
        ("students.csv", 3, "birth_date"),
        ("students.csv", 4, "enrolled_on"),
        ("students.csv", 5, "left_on"),
        ("students.csv", 6, "left_on"),
    }


async def test_leaving_before_the_stored_arrival_is_refused(make_uow: UowFactory) -> None:
    school = await _school(make_uow)  # S1 arrived on 2022-09-01
    data = {"students": "id,class,last_name,first_name,left_on\nS1,5А,Алексеев,Артём,2021-06-01\n"}
    problems = await _refused(make_uow, school, data)
    assert problems == [("students.csv", 2, "left_on", "the pupil leaves before arriving")]


# --------------------------------------------------------------------------- keys


async def test_a_class_written_another_way_is_the_same_class_stored_as_usual(
    make_uow: UowFactory,
) -> None:
    data = dict(SMALL_SCHOOL)
    data["classes"] = "name,grade,class_teacher\n5 а,5,T1\n6-Б,6,T3\n"
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    report = await import_school(make_uow(), school, raw_tables(data), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    assert sorted(c.name for c in snap.classes) == ["5А", "6Б"]
    [warning] = [w for w in report.warnings if w.column == "name"]
    assert dict(warning.params) == {"count": "2", "value": "5 а", "name": "5А"}
    # Written another way again: the same class, unchanged.
    again = await import_school(
        make_uow(), school, raw_tables({"classes": "name,grade\n5a,5\n"}), TODAY
    )
    assert again.tables["classes"].unchanged == 1
    assert len((await _snapshot(make_uow, school.id)).classes) == 2


async def _snapshot(make_uow: UowFactory, school_id: int):
    async with make_uow() as uow:
        return await uow.directory.snapshot(school_id)


async def test_ids_with_invisible_characters_are_the_same_people(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    data = {
        "staff": "id,last_name,first_name,roles\nT1\ufeff,Иванова,Анна,teacher\n",
        "students": "id,class,last_name,first_name\n\u200bS3,5А,Волков,Вадим\n",
        "guardians": "id,student_id,last_name,first_name\n\u2060G2,S2\u200b,Борисов,Павел\n",
        "timetable": TIMETABLE + "6Б,,2,1,Математика,T1\u200b,202,,\n",
    }
    report = await import_school(make_uow(), school, raw_tables(data), TODAY)
    for table in ("staff", "students", "guardians", "guardian_links", "timetable"):
        assert report.tables[table].added == 0, table
    snap = await _snapshot(make_uow, school.id)
    assert (len(snap.staff), len(snap.pupils), len(snap.guardians)) == (4, 5, 3)


# --------------------------------------------------------------------------- guardians


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("+7 900 000-00-00", "+7 900 000-00-00"),
        ("8 (900) 000-00-00", "+7 900 000-00-00"),
        ("89000000000", "+7 900 000-00-00"),
        ("+79000000000", "+7 900 000-00-00"),
        ("7 900 000 00 00", "+7 900 000-00-00"),
        ("(900) 000-00-00", "+7 900 000-00-00"),
        ("+375 29 123-45-67", "+375291234567"),
    ],
)
def test_phones_in_russian_formats_get_one_form(written: str, stored: str) -> None:
    assert parse_phone(written) == stored


@pytest.mark.parametrize(
    "written", ["не знаю", "8900", "8-900-000-00", "+7 900 000-00-00 доб. 12", "12345678901", "+"]
)
def test_what_is_not_a_phone_is_refused(written: str) -> None:
    with pytest.raises(CellError):
        parse_phone(written)


async def test_guardians_phones_and_relations(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    bad = {
        "guardians": (
            "id,student_id,last_name,first_name,relation,phone\n"
            "G1,S1,Алексеева,Ольга,мать,звоните в школу\n"
            "G2,S2,Борисов,Павел,отец,+7 900 1\n"
            "G3,S5,Дёмина,Ирина,бабушка,8 900 111-22-33\n"
            "G3,S4,Дёмина,Ирина,бабушка,8 900 444-55-66\n"
        )
    }
    assert _where(await _refused(make_uow, school, bad)) == {
        ("guardians.csv", 2, "phone"),
        ("guardians.csv", 3, "phone"),
        ("guardians.csv", 5, "phone"),  # one guardian, two phones
    }
    good = {
        "guardians": (
            "id,student_id,last_name,first_name,relation,phone\n"
            "G1,S1,Алексеева,Ольга,,8 (900) 111-22-33\n"  # empty relation: мать is kept
        )
    }
    report: ImportReport = await import_school(make_uow(), school, raw_tables(good), TODAY)
    assert report.tables["guardians"].unchanged == 1  # +79001112233 is +7 900 111-22-33
    snap = await _snapshot(make_uow, school.id)
    g1 = next(g for g in snap.guardians if g.external_id == "G1")
    assert g1.phone == "+7 900 111-22-33"
    assert {g.relation for g in snap.guardianships if g.guardian_id == g1.id} == {"мать"}
    warned = {(w.column, w.message) for w in report.warnings}
    assert ("phone", "{count} phone number(s) are stored in one form, such as {example}") in warned
    assert ("relation", "empty on {count} row(s) that have a stored value: it is kept") in warned


async def test_ids_spelt_another_way_are_the_stored_records(make_uow: UowFactory) -> None:
    """Case, inner spaces and Cyrillic letters that look Latin: «t1», «Т2» (Cyrillic Т),
    «S 3», «s4», «g1» are T1, T2, S3, S4, G1. They used to be a second teacher, pupil and
    guardian beside the stored one; now they are the stored one, kept as it was spelt."""
    school = await _school(make_uow)
    data = {
        "staff": (
            "id,last_name,first_name,middle_name,roles,deputy_grades\n"
            "t1,Иванова,Анна,Петровна,teacher,\n"
            "\u04222,Петров,Борис,Ильич,учитель;завуч,5-9\n"
        ),
        "students": (
            "id,class,last_name,first_name,birth_date\n"
            "S 3,5А,Волков,Вадим,2015-01-20\n"
            "s4,6 б,Громова,Галина,2014-05-05\n"
        ),
        "guardians": "id,student_id,last_name,first_name,relation\ng1,s1,Алексеева,Ольга,мать\n",
        "groups": "class,subject,group,student_id\n5a,Английский язык,2,s3\n",
        "timetable": TIMETABLE + "6Б,,2,1,Математика,\u0442 1,202,,\n",
    }
    before = await dump_tables(make_uow)
    report = await import_school(make_uow(), school, raw_tables(data), TODAY)
    for table in ("staff", "students", "guardians", "guardian_links", "groups", "timetable"):
        counts = report.tables[table]
        assert (counts.added, counts.updated) == (0, 0), (table, counts)
    assert await dump_tables(make_uow) == before
    warned = [w for w in report.warnings if w.message.startswith("{count} id(s)")]
    assert {(w.source, w.column, w.params[0][1]) for w in warned} == {
        ("staff.csv", "id", "2"),
        ("students.csv", "id", "2"),
        ("guardians.csv", "id", "1"),
        ("guardians.csv", "student_id", "1"),
        ("groups.csv", "student_id", "1"),
        ("timetable.csv", "teacher_id", "1"),
    }


async def test_two_rows_whose_ids_are_one_id_are_refused(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    data = {
        "staff": "id,last_name,first_name,roles\nT9,Орлов,Олег,teacher\nt 9,Орлов,Олег,teacher\n",
        "students": (
            "id,class,last_name,first_name\n"
            "S10,5А,Жуков,Илья\n"
            "s10,5А,Жукова,Инна\n"
            "s1,5А,Алексеев,Артём\n"
            "S1,5А,Алексеев,Артём\n"
        ),
        "classes": "name,grade\n5 А,5\n5a,5\n",
    }
    problems = await _refused(make_uow, school, data)
    found = {(p[0], p[1], p[2]) for p in problems if p[3] == "{value} is already on row {first}"}
    assert found == {
        ("staff.csv", 3, "id"),
        ("students.csv", 3, "id"),
        ("students.csv", 5, "id"),
        ("classes.csv", 3, "name"),
    }


def test_an_id_that_matches_two_stored_ids_is_refused() -> None:
    """A school imported «S1» and «s1» before ids were compared this way: a row with «S 1»
    cannot tell which pupil it is, so it is refused; «s1» itself is still that pupil."""
    pupils = [
        Pupil(id=n, school_id=1, external_id=ext, last_name=last, first_name="Артём")
        for n, ext, last in ((1, "S1", "Алексеев"), (2, "s1", "Борисов"))
    ]
    five_a = SchoolClass(id=1, school_id=1, name="5А", grade=5)
    snapshot = SchoolSnapshot(school_id=1, classes=[five_a], pupils=pupils)
    rows = "id,class,last_name,first_name\nS 1,5А,Алексеев,Артём\n"
    with pytest.raises(ImportRejected) as caught:
        validate(raw_tables({"students": rows}), snapshot, TODAY)
    [problem] = caught.value.problems
    assert (problem.row, problem.column, dict(problem.params)["allowed"]) == (2, "id", "S1, s1")
    exact = validate(raw_tables({"students": rows.replace("S 1", "s1")}), snapshot, TODAY)
    assert [r.external_id for r in exact.students] == ["s1"]


# --------------------------------------------------------------------------- timetable validity


async def test_a_teacher_in_two_places_in_one_file_clashes_only_when_the_dates_meet(
    make_uow: UowFactory,
) -> None:
    school = await _school(make_uow)
    # T1 takes 5А on Thursday lesson 3 until the winter holidays and 6Б after them.
    apart = {
        "timetable": TIMETABLE
        + "5А,,4,3,Математика,T1,201,2026-09-01,2026-12-28\n"
        + "6Б,,4,3,Математика,T1,202,2027-01-11,\n"
    }
    report = await import_school(make_uow(), school, raw_tables(apart), TODAY)
    assert report.tables["timetable"].added == 2
    meeting = {
        "timetable": TIMETABLE
        + "5А,,5,3,Математика,T1,201,2026-09-01,2026-12-28\n"
        + "6Б,,5,3,Математика,T1,202,2026-12-28,\n"
    }
    assert _where(await _refused(make_uow, school, meeting)) == {("timetable.csv", 3, "teacher_id")}
    backwards = {"timetable": TIMETABLE + "5А,,5,3,Математика,T1,201,2027-01-11,2026-12-28\n"}
    assert await _refused(make_uow, school, backwards) == [
        ("timetable.csv", 2, "valid_to", "the lesson stops before it starts")
    ]


async def test_an_end_before_the_stored_start_is_refused(make_uow: UowFactory) -> None:
    """Without the column valid_from, the row is the stored lesson (6Б's Monday lesson 1 from
    1 September); an end in August used to be stored as a lesson that stops before it starts."""
    school = await _school(make_uow)
    data = {
        "timetable": "class,weekday,lesson,subject,teacher_id,valid_to\n"
        "6Б,1,1,Математика,T3,2026-08-01\n"
    }
    assert await _refused(make_uow, school, data) == [
        ("timetable.csv", 2, "valid_to", "the lesson stops before it starts")
    ]


async def test_a_kept_end_date_is_the_one_the_clash_check_sees(make_uow: UowFactory) -> None:
    """Without the column valid_to, 6Б's stored lesson keeps its end (28 December): the same
    lesson again from 11 January does not meet it. It used to be taken as never ending, and
    the timetable refused as a clash with itself."""
    school = await _school(make_uow)
    data = {
        "timetable": "class,group,weekday,lesson,subject,teacher_id,room,valid_from\n"
        "6Б,,1,1,Математика,T3,202,2026-09-01\n"
        "6Б,,1,1,Математика,T3,202,2027-01-11\n"
    }
    report = await import_school(make_uow(), school, raw_tables(data), TODAY)
    counts = report.tables["timetable"]
    assert (counts.added, counts.updated, counts.unchanged) == (1, 0, 1)
    snap = await _snapshot(make_uow, school.id)
    six_b = next(c.id for c in snap.classes if c.name == "6Б")
    lessons = sorted(
        (t.valid_from, t.valid_to)
        for t in snap.timetable
        if t.class_id == six_b and (t.weekday, t.lesson) == (1, 1)
    )
    assert lessons == [
        (dt.date(2026, 9, 1), dt.date(2026, 12, 28)),
        (dt.date(2027, 1, 11), None),
    ]
