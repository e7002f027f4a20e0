"""Importing a school's lists, on SQLite and PostgreSQL: keys, updates, all-or-nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from domain.importing import ImportRejected
from domain.model import Role
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school, school_summary
from importer.readers import read_source
from storage.uow import SqlUnitOfWork
from tests.school_data import SMALL_SCHOOL, raw_tables, with_table

TODAY = dt.date(2026, 11, 16)

UowFactory = Callable[[], SqlUnitOfWork]


async def _school(make_uow: UowFactory, name: str = "Школа №1"):
    return await create_school(make_uow(), name, "Europe/Moscow")


async def _counts(make_uow: UowFactory, school_id: int) -> dict[str, int]:
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school_id)
    return {
        name: len(getattr(snap, name))
        for name in (
            "staff",
            "subjects",
            "classes",
            "pupils",
            "enrolments",
            "guardians",
            "guardianships",
            "subgroups",
            "subgroup_members",
            "assignments",
            "bells",
            "school_years",
            "periods",
            "holidays",
            "timetable",
            "plan",
        )
    }


async def test_import_then_reimport_changes_nothing(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    report = await import_school(make_uow(), school, raw_tables(), TODAY)
    assert report.tables["students"].added == 5
    assert report.tables["guardians"].added == 3
    assert report.tables["guardian_links"].added == 4
    assert report.tables["timetable"].added == 5
    first = await _counts(make_uow, school.id)
    assert first == {
        "staff": 4,
        "subjects": 3,
        "classes": 2,
        "pupils": 5,
        "enrolments": 5,
        "guardians": 3,
        "guardianships": 4,
        "subgroups": 2,
        "subgroup_members": 3,
        "assignments": 4,
        "bells": 3,
        "school_years": 1,
        "periods": 4,
        "holidays": 2,
        "timetable": 5,
        "plan": 4,
    }

    again = await import_school(make_uow(), school, raw_tables(), TODAY)
    assert all(c.added == 0 and c.updated == 0 for c in again.tables.values()), again
    assert again.tables["students"].unchanged == 5
    assert await _counts(make_uow, school.id) == first


async def test_imported_values_are_stored_exactly(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    staff = {s.external_id: s for s in snap.staff}
    assert staff["T2"].roles == {Role.TEACHER, Role.DEPUTY}
    assert str(staff["T2"].deputy_grades) == "5-9"
    pupils = {p.external_id: p for p in snap.pupils}
    assert pupils["S2"].birth_date == dt.date(2015, 7, 12)  # DD.MM.YYYY
    assert pupils["S3"].home_schooled is True
    assert pupils["S5"].left_on == dt.date(2026, 10, 1)
    hours = sorted(a.hours_per_week for a in snap.assignments)
    assert hours == [Decimal("1.5"), Decimal("1.5"), Decimal("5"), Decimal("5")]
    bells = {b.lesson: b for b in snap.bells}
    assert bells[2].starts == dt.time(9, 25) and bells[2].ends == dt.time(10, 10)
    subjects = {s.name: s for s in snap.subjects}
    assert subjects["Английский язык"].grading == "marks"
    assert subjects["Разговоры о важном"].grading == "none"
    guardian = next(g for g in snap.guardians if g.external_id == "G1")
    children = {p.id for p in snap.pupils if p.external_id in ("S1", "S4")}
    assert {g.pupil_id for g in snap.guardianships if g.guardian_id == guardian.id} == children
    year = snap.school_years[0]
    assert (year.name, year.starts, year.ends) == (
        "2026/2027",
        dt.date(2026, 9, 1),
        dt.date(2027, 8, 31),
    )
    plan_6b = [p for p in snap.plan if p.class_id is not None]
    assert len(plan_6b) == 1 and plan_6b[0].hours == 2 and plan_6b[0].grade is None


async def test_edited_copy_updates_in_place(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), TODAY)
    before = await _counts(make_uow, school.id)
    edited = dict(SMALL_SCHOOL)
    edited["students"] = SMALL_SCHOOL["students"].replace("Белла", "Бэлла")
    edited["staff"] = SMALL_SCHOOL["staff"].replace(
        "T3,Сидорова,Вера,,teacher", "T3,Сидорова,Вера,Ивановна,teacher"
    )
    edited["assignments"] = SMALL_SCHOOL["assignments"].replace(
        "T1,Математика,5А,,5", "T1,Математика,5А,,6"
    )
    edited["subjects"] = SMALL_SCHOOL["subjects"] + "Физкультура,Физ-ра,\n"
    report = await import_school(make_uow(), school, raw_tables(edited), TODAY)
    assert (report.tables["students"].updated, report.tables["students"].added) == (1, 0)
    assert report.tables["staff"].updated == 1
    assert report.tables["assignments"].updated == 1
    assert report.tables["subjects"].added == 1
    after = await _counts(make_uow, school.id)
    assert after == {**before, "subjects": before["subjects"] + 1}
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    assert {p.first_name for p in snap.pupils if p.external_id == "S2"} == {"Бэлла"}
    assert {s.middle_name for s in snap.staff if s.external_id == "T3"} == {"Ивановна"}


async def test_rows_missing_from_a_reimport_are_kept(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), TODAY)
    only_one = "id,class,last_name,first_name\nS1,5А,Алексеев,Артём\n"
    await import_school(make_uow(), school, raw_tables({"students": only_one}), TODAY)
    assert (await _counts(make_uow, school.id))["pupils"] == 5


async def test_pupil_moving_class_keeps_enrolment_history(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), dt.date(2026, 9, 1))
    moved = "id,class,last_name,first_name\nS2,6Б,Борисова,Белла\n"
    await import_school(make_uow(), school, raw_tables({"students": moved}), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    pupil = next(p for p in snap.pupils if p.external_id == "S2")
    classes = {c.id: c.name for c in snap.classes}
    history = sorted(
        (
            (classes[e.class_id], e.starts, e.ends)
            for e in snap.enrolments
            if e.pupil_id == pupil.id
        ),
        key=lambda e: e[1],
    )
    assert history == [
        ("5А", dt.date(2026, 9, 1), TODAY - dt.timedelta(days=1)),
        ("6Б", TODAY, None),
    ]


async def test_group_change_moves_pupil_between_groups(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), TODAY)
    regroup = "class,subject,group,student_id\n5А,Английский язык,2,S1\n"
    await import_school(make_uow(), school, raw_tables({"groups": regroup}), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    s1 = next(p.id for p in snap.pupils if p.external_id == "S1")
    names = {g.id: g.name for g in snap.subgroups}
    assert [names[g] for g, p in snap.subgroup_members if p == s1] == ["2"]


async def test_schools_do_not_see_each_other(make_uow: UowFactory) -> None:
    first = await _school(make_uow, "Школа №1")
    second = await _school(make_uow, "Гимназия №2")
    await import_school(make_uow(), first, raw_tables(), TODAY)
    # The same school keys in another school are other people, not updates.
    report = await import_school(make_uow(), second, raw_tables(), TODAY)
    assert report.tables["students"].added == 5
    assert (await _counts(make_uow, first.id))["pupils"] == 5
    assert (await _counts(make_uow, second.id))["pupils"] == 5


async def test_summary_counts(make_uow: UowFactory) -> None:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), TODAY)
    summary = await school_summary(make_uow(), school, TODAY)
    # S3 is home-schooled, S5 left on 1 October: 3 pupils are in the journal.
    assert (summary.classes, summary.pupils, summary.home_schooled, summary.left) == (2, 3, 1, 1)
    assert (summary.guardians, summary.staff, summary.teachers) == (3, 4, 3)
    assert summary.lessons_a_week == 5
    assert summary.school_year == "2026/2027"
    after_term = await school_summary(make_uow(), school, dt.date(2027, 1, 11))
    assert after_term.lessons_a_week == 4  # 6Б's Monday maths ran until 28 December


# --------------------------------------------------------------------------- rejections


async def _assert_rejected(
    make_uow: UowFactory, data: dict[str, str], expected: list[tuple[str, int | None, str | None]]
) -> list:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), TODAY)
    before = await _counts(make_uow, school.id)
    with pytest.raises(ImportRejected) as caught:
        await import_school(make_uow(), school, raw_tables(data), TODAY)
    where = [(p.source, p.row, p.column) for p in caught.value.problems]
    for item in expected:
        assert item in where, (item, caught.value.problems)
    assert await _counts(make_uow, school.id) == before
    return caught.value.problems


async def test_wrong_header_imports_nothing(make_uow: UowFactory) -> None:
    data = with_table("students", "id,klass,last_name,first_name\nS9,5А,Новиков,Никита\n")
    data["subjects"] = SMALL_SCHOOL["subjects"] + "Химия,,\n"
    problems = await _assert_rejected(
        make_uow, data, [("students.csv", 1, "klass"), ("students.csv", 1, "class")]
    )
    assert {p.message for p in problems} == {
        "unknown column {column}; the columns of {table} are: {allowed}",
        "required column {column} is missing",
    }


async def test_impossible_date_and_unknown_class(make_uow: UowFactory) -> None:
    data = with_table(
        "students",
        "id,class,last_name,first_name,birth_date\n"
        "S9,5А,Новиков,Никита,2015-02-30\n"
        "S10,7В,Орлова,Ольга,01.01.2014\n"
        "S11,5А,Павлов,Пётр,31.04.2015\n",
    )
    await _assert_rejected(
        make_uow,
        data,
        [
            ("students.csv", 2, "birth_date"),
            ("students.csv", 3, "class"),
            ("students.csv", 4, "birth_date"),
        ],
    )


async def test_guardian_of_missing_pupil(make_uow: UowFactory) -> None:
    data = with_table(
        "guardians",
        "id,student_id,last_name,first_name\nG7,S1,Ким,Анна\nG8,S404,Ли,Иван\n",
    )
    problems = await _assert_rejected(make_uow, data, [("guardians.csv", 3, "student_id")])
    assert len(problems) == 1


async def test_unknown_role(make_uow: UowFactory) -> None:
    data = with_table("staff", "id,last_name,first_name,roles\nT9,Яковлев,Ян,teacher;janitor\n")
    problems = await _assert_rejected(make_uow, data, [("staff.csv", 2, "roles")])
    assert dict(problems[0].params)["value"] == "janitor"


async def test_every_bad_row_is_named(make_uow: UowFactory) -> None:
    data = {
        "bells": "lesson,starts,ends\n1,08:30,09:15\n2,25:00,10:10\n3,11:00,10:00\n",
        "timetable": "class,weekday,lesson,subject,teacher_id\n5А,7,1,Математика,T1\n"
        "5А,1,4,Химия,T1\n5А,2,1,Математика,D1\n",
        "periods": "name,kind,grades,starts,ends\nIII четверть,quarter,1-9,2027-01-12,2026-03-20\n",
    }
    await _assert_rejected(
        make_uow,
        data,
        [
            ("bells.csv", 3, "starts"),
            ("bells.csv", 4, "ends"),
            ("timetable.csv", 2, "weekday"),
            ("timetable.csv", 3, "subject"),
            ("timetable.csv", 4, "teacher_id"),
            ("periods.csv", 2, "ends"),
        ],
    )


async def test_cp1251_semicolon_file_with_one_bad_row_among_500(
    make_uow: UowFactory, tmp_path: Path
) -> None:
    lines = ["код;класс;фамилия;имя;отчество;дата рождения"]
    for i in range(500):
        birth = "31.02.2015" if i == 321 else f"{1 + i % 28:02d}.03.2015"
        lines.append(f"N{i};5А;Ёлкин-{i};Фёдор;Семёнович;{birth}")
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "students.csv").write_bytes("\r\n".join(lines).encode("cp1251"))
    tables = read_source(folder)
    assert tables[0].header[0] == "код"
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), TODAY)
    with pytest.raises(ImportRejected) as caught:
        await import_school(make_uow(), school, tables, TODAY)
    assert [(p.source, p.row, p.column) for p in caught.value.problems] == [
        ("students.csv", 323, "birth_date")
    ]
    assert (await _counts(make_uow, school.id))["pupils"] == 5
    # Mended, the same file goes in whole, names intact.
    lines[322] = lines[322].replace("31.02.2015", "28.02.2015")
    (folder / "students.csv").write_bytes("\r\n".join(lines).encode("cp1251"))
    report = await import_school(make_uow(), school, read_source(folder), TODAY)
    assert report.tables["students"].added == 500
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    assert {p.last_name for p in snap.pupils if p.external_id == "N7"} == {"Ёлкин-7"}


async def test_duplicate_keys_in_a_file(make_uow: UowFactory) -> None:
    data = with_table("classes", "name,grade\n7А,7\n7 а,7\n")
    await _assert_rejected(make_uow, data, [("classes.csv", 3, "name")])


async def test_failure_in_a_later_table_rolls_back_earlier_tables(make_uow: UowFactory) -> None:
    data = dict(SMALL_SCHOOL)
    data["staff"] = SMALL_SCHOOL["staff"] + "T9,Новая,Нина,,teacher\n"
    data["plan"] = "subject,grade,number,topic\nМатематика,5,x,Тема\n"
    await _assert_rejected(make_uow, data, [("plan.csv", 2, "number")])


async def test_pupils_without_arrival_date_are_in_class_since_september(
    make_uow: UowFactory,
) -> None:
    school = await _school(make_uow)
    await import_school(make_uow(), school, raw_tables(), dt.date(2026, 11, 29))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    pupils = {p.id: p.external_id for p in snap.pupils}
    spans = {pupils[e.pupil_id]: (e.starts, e.ends) for e in snap.enrolments}
    assert spans["S2"] == (dt.date(2026, 9, 1), None)
    assert spans["S1"] == (dt.date(2022, 9, 1), None)  # arrived then
    assert spans["S5"] == (dt.date(2026, 9, 1), dt.date(2026, 10, 1))  # left in October
    for starts, ends in spans.values():
        assert ends is None or starts <= ends


def test_every_day_belongs_to_the_year_whose_bounds_hold_it() -> None:
    from domain.model import SchoolYear

    for day in (dt.date(2027, 8, 15), dt.date(2026, 9, 1), dt.date(2026, 8, 31)):
        first, last = SchoolYear.bounds_for(day)
        assert first <= day <= last
        assert SchoolYear.name_for(day) == f"{first.year}/{last.year}"


async def test_the_example_school_imports_twice_to_the_same_counts(make_uow: UowFactory) -> None:
    examples = Path(__file__).parents[1] / "examples"
    school = await _school(make_uow)
    first = await import_school(make_uow(), school, read_source(examples / "school"), TODAY)
    assert first.tables["students"].added == 100
    counts = await _counts(make_uow, school.id)
    again = await import_school(make_uow(), school, read_source(examples / "school.xlsx"), TODAY)
    assert all(c.added == 0 and c.updated == 0 for c in again.tables.values()), again
    assert await _counts(make_uow, school.id) == counts
