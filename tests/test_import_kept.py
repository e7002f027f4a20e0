"""A column the files lack keeps what is stored; only a present cell changes a value.

Issue 15, item 1: a students.csv without birth_date used to import with «5 updated» and every
birth date gone. Each test re-imports part of the small school on SQLite and PostgreSQL and
compares every table of the database, byte for byte, before and after.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from sqlalchemy import select

from domain.importing import TABLES, ImportRejected
from domain.usecases.import_school import ImportReport, import_school
from domain.usecases.schools import create_school
from importer.readers import sniff_delimiter
from storage.models import Base
from storage.uow import SqlUnitOfWork
from tests.school_data import SMALL_SCHOOL, raw_tables

TODAY = dt.date(2026, 11, 16)
UowFactory = Callable[[], SqlUnitOfWork]
Dump = dict[str, list[tuple[object, ...]]]


async def dump_tables(make_uow: UowFactory) -> Dump:
    """Every row of every table of the journal, in key order."""
    found: Dump = {}
    async with make_uow() as uow:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            result = await uow.session.execute(select(table).order_by(*order))
            found[table.name] = [tuple(row) for row in result.all()]
    return found


def drop_column(text: str, column: str) -> str:
    """The same CSV without one column, as a school's older export would be."""
    delimiter = sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    index = rows[0].index(column)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        writer.writerow(row[:index] + row[index + 1 :])
    return out.getvalue()


async def _imported_school(make_uow: UowFactory):
    school = await create_school(make_uow(), "Школа №1", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(), TODAY)
    return school


def _warned(report: ImportReport, source: str, column: str) -> bool:
    return any(w.source == source and w.column == column for w in report.warnings)


async def test_students_without_birth_date_keep_their_birth_dates(make_uow: UowFactory) -> None:
    school = await _imported_school(make_uow)
    before = await dump_tables(make_uow)
    report = await import_school(
        make_uow(),
        school,
        raw_tables({"students": drop_column(SMALL_SCHOOL["students"], "birth_date")}),
        TODAY,
    )
    counts = report.tables["students"]
    assert (counts.added, counts.updated, counts.unchanged) == (0, 0, 5)
    assert await dump_tables(make_uow) == before
    [warning] = [w for w in report.warnings if w.column == "birth_date"]
    assert (warning.source, warning.row, dict(warning.params)) == (
        "students.csv",
        None,
        {"count": "5"},
    )
    assert warning.message == "no such column in the file: {count} stored row(s) keep their value"


async def test_no_optional_column_of_any_table_changes_the_database_by_its_absence(
    make_uow: UowFactory,
) -> None:
    """Every optional column of every table, dropped from a re-import of its table: the
    import either refuses (when the column is part of a row's meaning, e.g. plan without
    grade) or changes nothing, and says which stored values it kept."""
    school = await _imported_school(make_uow)
    before = await dump_tables(make_uow)
    optional = [(t, c.name) for t, columns in TABLES.items() for c in columns if not c.required]
    assert len(optional) == 24
    for table, column in optional:
        if column not in SMALL_SCHOOL[table].split("\n", 1)[0]:
            continue
        data = {table: drop_column(SMALL_SCHOOL[table], column)}
        try:
            report = await import_school(make_uow(), school, raw_tables(data), TODAY)
        except ImportRejected:
            report = None
        assert await dump_tables(make_uow) == before, (table, column)
        if report is not None and column != "shift":  # shift: the format's default, 1, is stored
            assert _warned(report, f"{table}.csv", column), (table, column, report.warnings)


async def test_a_present_empty_cell_clears_only_what_may_be_cleared(make_uow: UowFactory) -> None:
    """Empty middle name, class teacher, phone, leaving date: cleared (the format allows it).
    Empty birth date, arrival date, relation: kept (facts an empty cell cannot un-know)."""
    school = await _imported_school(make_uow)
    data = {
        "classes": "name,grade,class_teacher\n5А,5,\n",
        "students": (
            "id,class,last_name,first_name,middle_name,birth_date,enrolled_on,left_on\n"
            "S1,5А,Алексеев,Артём,,,,\n"
            "S5,6Б,Дёмин,Денис,,  ,,\n"
        ),
        "guardians": "id,student_id,last_name,first_name,relation,phone\nG1,S1,Алексеева,Ольга,,\n",
    }
    report = await import_school(make_uow(), school, raw_tables(data), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    pupils = {p.external_id: p for p in snap.pupils}
    assert pupils["S1"].middle_name == ""
    assert pupils["S1"].birth_date == dt.date(2015, 3, 1)  # kept
    assert pupils["S1"].enrolled_on == dt.date(2022, 9, 1)  # kept
    assert pupils["S5"].birth_date == dt.date(2014, 6, 6)  # blank is empty: kept
    assert pupils["S5"].left_on is None  # came back
    five_a = next(c for c in snap.classes if c.name == "5А")
    assert five_a.class_teacher_id is None
    g1 = next(g for g in snap.guardians if g.external_id == "G1")
    assert g1.phone == ""
    relation = {(g.guardian_id, g.pupil_id): g.relation for g in snap.guardianships}
    assert relation[(g1.id, pupils["S1"].id)] == "мать"
    assert _warned(report, "students.csv", "birth_date")
    assert _warned(report, "guardians.csv", "relation")
    s5_stays = [e for e in snap.enrolments if e.pupil_id == pupils["S5"].id]
    assert [e.ends for e in s5_stays] == [None]


async def test_leaving_date_absent_keeps_the_pupil_gone(make_uow: UowFactory) -> None:
    """S5 left on 1 October; a class list without left_on must not bring them back."""
    school = await _imported_school(make_uow)
    data = {"students": "id,class,last_name,first_name\nS5,6Б,Дёмин,Денис\n"}
    await import_school(make_uow(), school, raw_tables(data), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    s5 = next(p for p in snap.pupils if p.external_id == "S5")
    assert s5.left_on == dt.date(2026, 10, 1)
    assert [e.ends for e in snap.enrolments if e.pupil_id == s5.id] == [dt.date(2026, 10, 1)]


async def test_a_guardian_of_two_children_keeps_the_phone_given_on_either_row(
    make_uow: UowFactory,
) -> None:
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    data = dict(SMALL_SCHOOL)
    data["guardians"] = (
        "id,student_id,last_name,first_name,relation,phone\n"
        "G1,S1,Алексеева,Ольга,мать,\n"
        "G1,S4,Алексеева,Ольга,мать,8 (900) 111-22-33\n"
    )
    await import_school(make_uow(), school, raw_tables(data), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    assert [g.phone for g in snap.guardians] == ["+7 900 111-22-33"]


async def test_an_empty_cell_never_puts_a_default_over_a_stored_value(
    make_uow: UowFactory,
) -> None:
    """Grading, home_schooled, a plan's hours and a deputy's grades have a default for a new
    row, not a value an empty cell may write over a stored one: «Разговоры о важном» graded
    `none`, S3 schooled at home, 6Б's 2-hour topic and T2's grades 5-9 used to become
    `marks`, 0, 1 hour and no grades (the deputy losing their control screens)."""
    school = await _imported_school(make_uow)
    before = await dump_tables(make_uow)
    data = {
        "staff": "id,last_name,first_name,roles,deputy_grades\nT2,Петров,Борис,учитель;завуч,\n",
        "subjects": "name,short_name,grading\nРазговоры о важном,РоВ, \n",
        "students": "id,class,last_name,first_name,home_schooled\nS3,5А,Волков,Вадим,\n",
        "plan": "subject,grade,class,number,topic,hours\nМатематика,,6Б,1,Делимость чисел,\n",
    }
    with pytest.raises(ImportRejected) as caught:
        await import_school(make_uow(), school, raw_tables(data), TODAY)
    assert await dump_tables(make_uow) == before
    found = {
        (p.source, p.row, p.column, dict(p.params).get("value")) for p in caught.value.problems
    }
    assert found == {
        ("staff.csv", 2, "deputy_grades", "5-9"),
        ("subjects.csv", 2, "grading", "none"),
        ("students.csv", 2, "home_schooled", "1"),
        ("plan.csv", 2, "hours", "2"),
    }
    assert {p.message for p in caught.value.problems} == {
        "{column} may not be empty: the stored value is {value}; write it, or the new value"
    }


async def test_an_empty_cell_is_the_default_where_nothing_else_is_stored(
    make_uow: UowFactory,
) -> None:
    """Where the stored value is the default, or the row is new, the empty cell is fine."""
    school = await _imported_school(make_uow)
    before = await dump_tables(make_uow)
    data = {
        "subjects": "name,short_name,grading\nАнглийский язык,Англ,\n",
        "students": "id,class,last_name,first_name,home_schooled\nS2,5А,Борисова,Белла,\n",
        "plan": "subject,grade,class,number,topic,hours\nМатематика,5,,1,Натуральные числа,\n",
    }
    report = await import_school(make_uow(), school, raw_tables(data), TODAY)
    for table in ("subjects", "students", "plan"):
        counts = report.tables[table]
        assert (counts.added, counts.updated, counts.unchanged) == (0, 0, 1), table
    assert await dump_tables(make_uow) == before
    new = {"subjects": "name,short_name,grading\nМузыка,Муз,\n"}
    await import_school(make_uow(), school, raw_tables(new), TODAY)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    assert next(s for s in snap.subjects if s.name == "Музыка").grading == "marks"
