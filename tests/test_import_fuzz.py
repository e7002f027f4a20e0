"""Hundreds of damaged copies of a valid school, imported into a school that has the valid one.

Each example takes the small school's CSV files and damages them: a cell replaced by
something odd, a column dropped, doubled or moved, a header renamed, a row dropped or
doubled, a file emptied, deleted or re-encoded (Windows-1251, UTF-16, KOI8-R, a double BOM,
UTF-8 read as another encoding), garbage bytes inserted, a file cut short, a stray file added.
Whatever comes of it, the import either succeeds or refuses with ImportRejected, never
anything else (no traceback); a refusal names the file of each problem and its message fills
in both languages; a refused import leaves every table of the database exactly as it was;
an import that succeeded changes nothing when it is run again (nothing doubled); and after
it the school keeps the rules the import enforces: every lesson has its bell, no teacher is in
two places at once, no birth date in the future or before 1900, phones in one form, classes
and ids in their usual spelling, and (unless bytes were damaged) no name that neither the
valid files nor the damage wrote (no garbled names from a wrong encoding).

SQLite always; PostgreSQL with fewer examples. JOURNAL_IMPORT_FUZZ=heavy runs many more.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.importing import ImportRejected, SchoolSnapshot, class_name, school_key
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from importer.readers import read_import, sniff_delimiter
from locales import translator
from storage.uow import SqlUnitOfWork
from tests.school_data import SMALL_SCHOOL, raw_tables
from tests.test_import_kept import dump_tables

TODAY = dt.date(2026, 11, 16)
UowFactory = Callable[[], SqlUnitOfWork]
HEAVY = os.environ.get("JOURNAL_IMPORT_FUZZ") == "heavy"
EXAMPLES = {"sqlite": 3000 if HEAVY else 200, "postgresql": 1000 if HEAVY else 100}
FUZZ = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

TABLES = list(SMALL_SCHOOL)
ODD_CELLS = [
    "", " ", "0", "-1", "13", "99999", "1.5", "2099-01-01", "1899-12-31", "31.02.2026",
    "2026-13-01", "01.09.2026", "#N/A", "=1+1", " S1", "S1\u200b", "\ufeffT1", "5 а", "5a",
    "7В", "Я" * 300, "a;b", 'x"y', '"', "\t", "T1", "T2", "D1", "S1", "S5", "G1", "5А", "6Б",
    "Математика", "Английский язык", "1", "2", "4", "12", "teacher", "deputy;teacher",
    "janitor", "marks", "pass_fail", "quarter", "year", "+7 900 000-00-00", "8 (900) 1",
    "не знаю", "1-9", "10-11", "9-5", "08:30", "25:00", "да", "нет",
]  # fmt: skip
ALPHABET = list("абвгдеёжзийАБВГДЕЁЖЗИЙabcXYZ0123456789 -.,;:\"'()+/№\t\n\u200b\ufeff\xa0")
ENCODINGS = ["cp1251", "utf-16", "koi8_r", "utf-8-sig", "double-bom", "utf8-as-cp1251", "latin1"]

table = st.sampled_from(TABLES)
index = st.integers(min_value=0, max_value=12)
cell = st.one_of(st.sampled_from(ODD_CELLS), st.text(alphabet=ALPHABET, max_size=24))
damage = st.one_of(
    st.tuples(st.just("cell"), table, index, index, cell),
    st.tuples(st.just("cell"), table, index, index, cell),
    st.tuples(st.just("cell"), table, index, index, cell),
    st.tuples(st.just("drop column"), table, index),
    st.tuples(st.just("double column"), table, index),
    st.tuples(st.just("shuffle columns"), table, st.integers(0, 2**16)),
    st.tuples(st.just("rename header"), table, index, cell),
    st.tuples(st.just("drop row"), table, index),
    st.tuples(st.just("double row"), table, index),
    st.tuples(st.just("empty file"), table),
    st.tuples(st.just("delete file"), table),
    st.tuples(st.just("stray file"), st.sampled_from(["notes", "marks-old", "students (1)"]), cell),
    st.tuples(st.just("garbage"), table, st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), table, st.floats(0, 1)),
    st.tuples(st.just("encoding"), table, st.sampled_from(ENCODINGS)),
)
damages = st.lists(damage, min_size=1, max_size=3)

Rows = list[list[str]]
_FOLDERS = itertools.count()
_SCHOOLS: dict[int, tuple[UowFactory, Any]] = {}


def _damaged_files(damage_list: list[tuple[Any, ...]]) -> dict[str, bytes]:
    """The small school's files with the damage done: text first, then bytes."""
    tables: dict[str, Rows] = {}
    delimiters: dict[str, str] = {}
    for name, text in SMALL_SCHOOL.items():
        delimiters[name] = sniff_delimiter(text)
        tables[name] = list(csv.reader(io.StringIO(text), delimiter=delimiters[name]))
    extra: dict[str, bytes] = {}
    for kind, target, *args in damage_list:
        rows = tables.get(target)
        if kind == "stray file":
            extra[f"{target}.csv"] = f"a,b\n{args[0]},x\n".encode()
        elif rows is not None and kind not in ("garbage", "truncate", "encoding"):
            _damage_rows(kind, rows, args)
            if kind == "delete file":
                del tables[target]
    files = {f"{name}.csv": _csv(rows, delimiters[name]).encode() for name, rows in tables.items()}
    for kind, target, *args in damage_list:
        name = f"{target}.csv"
        if name in files and kind in ("garbage", "truncate", "encoding"):
            files[name] = _damage_bytes(kind, files[name], args)
    return {**files, **extra}


def _damage_rows(kind: str, rows: Rows, args: list[Any]) -> None:
    if not rows:
        return
    width = max(len(r) for r in rows)
    if kind == "cell":
        row, column, value = rows[args[0] % len(rows)], args[1] % width, args[2]
        row.extend([""] * (column + 1 - len(row)))
        row[column] = value
    elif kind in ("drop column", "double column"):
        column = args[0] % width
        for row in rows:
            row.extend([""] * (width - len(row)))
            if kind == "drop column":
                del row[column]
            else:
                row.insert(column, row[column])
    elif kind == "shuffle columns":
        order = list(range(width))
        random.Random(args[0]).shuffle(order)
        for row in rows:
            row.extend([""] * (width - len(row)))
            row[:] = [row[i] for i in order]
    elif kind == "rename header":
        header = rows[0]
        header[args[0] % len(header)] = args[1]
    elif kind in ("drop row", "double row") and len(rows) > 1:
        at = 1 + args[0] % (len(rows) - 1)
        if kind == "drop row":
            del rows[at]
        else:
            rows.insert(at, list(rows[at]))
    elif kind == "empty file":
        rows.clear()


def _csv(rows: Rows, delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _damage_bytes(kind: str, data: bytes, args: list[Any]) -> bytes:
    if kind == "garbage":
        at = int(len(data) * args[0])
        return data[:at] + args[1] + data[at:]
    if kind == "truncate":
        return data[: int(len(data) * args[0])]
    text = data.decode("utf-8", errors="replace")
    encoding = args[0]
    if encoding == "double-bom":
        return ("\ufeff\ufeff" + text).encode("utf-8")
    if encoding == "utf8-as-cp1251":
        return data.decode("cp1251", errors="replace").encode("utf-8")
    if encoding == "latin1":
        return data.decode("latin-1").encode("utf-8")
    return text.encode(encoding, errors="replace")


async def _imported_school(make_uow: UowFactory) -> Any:
    """A school with the valid files; examples share it until one changes it."""
    key = id(make_uow)
    if key not in _SCHOOLS or _SCHOOLS[key][0] is not make_uow:
        school = await create_school(make_uow(), f"Школа №{next(_FOLDERS)}", "Europe/Moscow")
        await import_school(make_uow(), school, raw_tables(), TODAY)
        _SCHOOLS[key] = (make_uow, school)
    return _SCHOOLS[key][1]


async def _import_damaged(
    make_uow: UowFactory, tmp_path: Path, damage_list: list[tuple[Any, ...]]
) -> None:
    school = await _imported_school(make_uow)
    folder = tmp_path / f"school-{next(_FOLDERS)}"
    folder.mkdir()
    files = _damaged_files(damage_list)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    before = await dump_tables(make_uow)
    try:
        source = read_import(folder)
        report = await import_school(
            make_uow(), school, source.tables, TODAY, warnings=source.warnings
        )
    except ImportRejected as rejected:
        event("refused")
        assert rejected.problems
        for problem in rejected.problems:
            assert problem.source in {*files, str(folder)}, problem
            for language in ("en", "ru"):
                assert translator(language)(problem.message, **dict(problem.params))
        assert await dump_tables(make_uow) == before, rejected.problems
        return
    event("imported")
    del _SCHOOLS[id(make_uow)]  # the next example starts from the valid school again
    assert report.tables
    after = await dump_tables(make_uow)
    again = await import_school(
        make_uow(), school, read_import(folder).tables, TODAY, warnings=source.warnings
    )
    assert all(c.added == 0 and c.updated == 0 for c in again.tables.values()), again
    assert await dump_tables(make_uow) == after
    async with make_uow() as uow:
        snapshot = await uow.directory.snapshot(school.id)
    _check_the_rules(snapshot)
    if not any(d[0] in ("garbage", "truncate") for d in damage_list):
        _check_names(snapshot, damage_list)


PHONE = re.compile(r"\+7 \d{3} \d{3}-\d{2}-\d{2}|\+\d{8,15}")


def _check_the_rules(snap: SchoolSnapshot) -> None:
    """What a successful import may never leave behind, whatever the files said."""
    lessons = {b.lesson for b in snap.bells}
    assert all(t.lesson in lessons for t in snap.timetable)
    for a, b in itertools.combinations(snap.timetable, 2):
        same_time = (a.teacher_id, a.weekday, a.lesson) == (b.teacher_id, b.weekday, b.lesson)
        dates_meet = (
            a.valid_from is None or b.valid_to is None or a.valid_from <= b.valid_to
        ) and (b.valid_from is None or a.valid_to is None or b.valid_from <= a.valid_to)
        assert not (same_time and dates_meet), (a, b)
    for p in snap.pupils:
        assert p.birth_date is None or dt.date(1900, 1, 1) <= p.birth_date <= TODAY, p
        assert p.enrolled_on is None or p.enrolled_on <= TODAY + dt.timedelta(days=366), p
        assert not (p.enrolled_on and p.left_on and p.left_on < p.enrolled_on), p
    assert all(not g.phone or PHONE.fullmatch(g.phone) for g in snap.guardians)
    assert all(class_name(c.name) == c.name for c in snap.classes)
    people = [*snap.staff, *snap.pupils, *snap.guardians]
    assert all(school_key(x.external_id) == x.external_id for x in people)


def _check_names(snap: SchoolSnapshot, damage_list: list[tuple[Any, ...]]) -> None:
    """Every stored name was written by the valid files or by the damage, letter for letter."""
    written = {_plain(v) for v in ODD_CELLS}
    written |= {_plain(str(d[-1])) for d in damage_list if d[0] in ("cell", "rename header")}
    for text in SMALL_SCHOOL.values():
        for delimiter in ",;":
            written |= {
                _plain(c) for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row
            }
    people = [*snap.staff, *snap.pupils, *snap.guardians]
    names = [n for x in people for n in (x.last_name, x.first_name, x.middle_name) if n]
    names += [s.name for s in snap.subjects]
    assert not [n for n in names if _plain(n) not in written]


def _plain(text: str) -> str:
    return " ".join(re.sub("[\u200b\ufeff]", "", text).split())


@pytest.mark.parametrize("backend", ["sqlite"])
@settings(max_examples=EXAMPLES["sqlite"], **FUZZ)
@given(damage_list=damages)
async def test_damaged_school_on_sqlite(
    make_uow: UowFactory, tmp_path: Path, damage_list: list[tuple[Any, ...]]
) -> None:
    await _import_damaged(make_uow, tmp_path, damage_list)


@pytest.mark.parametrize("backend", ["postgresql"])
@settings(max_examples=EXAMPLES["postgresql"], **FUZZ)
@given(damage_list=damages)
async def test_damaged_school_on_postgresql(
    make_uow: UowFactory, tmp_path: Path, damage_list: list[tuple[Any, ...]]
) -> None:
    await _import_damaged(make_uow, tmp_path, damage_list)


# --------------------------------------------------------------------------- workbooks

_WORKBOOK: list[bytes] = []


def _small_school_workbook() -> bytes:
    """The small school as one workbook, a sheet per table (made once)."""
    if not _WORKBOOK:
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for name, text in SMALL_SCHOOL.items():
            sheet = book.create_sheet(name)
            for row in csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)):
                sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        _WORKBOOK.append(out.getvalue())
    return _WORKBOOK[0]


def _damaged_workbook(part: int, where: float, junk: bytes, inside: bool) -> bytes:
    """Junk written over the zip's bytes, or over one part's XML repacked into a sound zip."""
    data = _small_school_workbook()
    if not inside:
        at = int(len(data) * where)
        return data[:at] + junk + data[at + len(junk) :]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    name = sorted(parts)[part % len(parts)]
    at = int(len(parts[name]) * where)
    parts[name] = parts[name][:at] + junk + parts[name][at + len(junk) :]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, xml in parts.items():
            archive.writestr(member, xml)
    return out.getvalue()


@settings(max_examples=2000 if HEAVY else 200, **FUZZ)
@given(
    part=st.integers(0, 40),
    where=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=12),
    inside=st.booleans(),
)
def test_a_damaged_workbook_is_read_or_refused(
    tmp_path: Path, part: int, where: float, junk: bytes, inside: bool
) -> None:
    path = tmp_path / f"school-{next(_FOLDERS)}.xlsx"
    path.write_bytes(_damaged_workbook(part, where, junk, inside))
    try:
        read_import(path)
    except ImportRejected as rejected:
        assert rejected.problems
        assert all(p.source.startswith(path.name) for p in rejected.problems)
