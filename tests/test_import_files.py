"""Files as they come: encodings (issue 15, item 3), and empty, unreadable, huge, extra or
broken files (item 4). Every refusal names the file (and the row, where there is one); no
traceback, and no «database unavailable» for a file that cannot be read."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.cli import EXIT_REFUSED
from domain.importing import MAX_CELL_CHARS, ImportRejected
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from importer.readers import decode, read_import, read_source
from storage.uow import SqlUnitOfWork
from tests.school_data import SMALL_SCHOOL
from tests.test_cli import database_url, journal, write_school
from tests.test_import_kept import dump_tables

__all__ = ["database_url"]  # the CLI tests' fixture: an empty database of each backend

EXAMPLE = Path(__file__).parents[1] / "examples" / "school"
TODAY = dt.date(2026, 11, 16)
UowFactory = Callable[[], SqlUnitOfWork]
STUDENTS = (EXAMPLE / "students.csv").read_text(encoding="utf-8")


def _refusal(path: Path) -> list[tuple[str, int | None, str]]:
    with pytest.raises(ImportRejected) as caught:
        read_import(path)
    return [(p.source, p.row, p.message) for p in caught.value.problems]


# --------------------------------------------------------------------------- encodings


def test_koi8_r_is_refused_not_imported_as_garbled_names(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_bytes(STUDENTS.encode("koi8_r"))
    [(source, row, message)] = _refusal(tmp_path)
    assert (source, row) == ("students.csv", None)
    assert "KOI8-R" in message and "{accepted}" in message


@pytest.mark.parametrize(
    "garbled",
    [
        STUDENTS.encode("utf-8").decode("cp1251", errors="replace").encode("utf-8"),  # «Р°»
        STUDENTS.encode("utf-8").decode("latin-1").encode("utf-8"),  # «Ð°»
        STUDENTS.replace("Абрамов", "Абр\ufffdмов").encode("utf-8"),
        STUDENTS.encode("koi8_r").decode("cp1251").encode("utf-8"),  # KOI8-R opened and saved
        STUDENTS.encode("cp1251").decode("latin-1").encode("utf-8"),  # «Ìàòåìàòèêà»
        STUDENTS.encode("utf-8")[:5000] + b"\x00\x01\x02" + STUDENTS.encode("utf-8")[5000:],
    ],
)
def test_text_that_decodes_but_is_garbled_is_refused(tmp_path: Path, garbled: bytes) -> None:
    (tmp_path / "students.csv").write_bytes(garbled)
    [(source, row, _)] = _refusal(tmp_path)
    assert (source, row) == ("students.csv", None)


def test_utf8_with_a_broken_byte_is_named(tmp_path: Path) -> None:
    data = STUDENTS.encode("utf-8")
    (tmp_path / "students.csv").write_bytes(data[:301] + b"\xff" + data[301:])
    [(_, _, message)] = _refusal(tmp_path)
    assert message.startswith("{source} is UTF-8 with a broken byte at position {position}")


@pytest.mark.parametrize(
    "encoded",
    [
        STUDENTS.encode("utf-8"),
        b"\xef\xbb\xbf" + STUDENTS.encode("utf-8"),
        b"\xef\xbb\xbf\xef\xbb\xbf" + STUDENTS.encode("utf-8"),  # a double BOM
        STUDENTS.encode("cp1251"),
        STUDENTS.replace(",", ";").encode("cp1251"),
        STUDENTS.replace(",", "\t").encode("utf-16"),  # Excel's «Unicode text»: LE with BOM
        "\ufeff".encode("utf-16-le") + STUDENTS.replace(",", "\t").encode("utf-16-le"),
    ],
)
def test_accepted_encodings_read_the_same(tmp_path: Path, encoded: bytes) -> None:
    (tmp_path / "students.csv").write_bytes(encoded)
    [table] = read_source(tmp_path)
    assert table.header[:3] == ["id", "class", "last_name"]
    assert table.rows[0] == (
        2,
        ["1001", "5А", "Абрамов", "Илья", "Константинович", "17.12.2014", "", "", "0"],
    )
    assert len(table.rows) == 100


@pytest.mark.parametrize(
    "text",
    [
        "lesson;starts;ends\n1;08:30;09:15\n",
        "name,short_name\nFrançais,Фр\nDeutsch (Müller),Нем\n",  # Latin letters of a school
        "name\nÉcole,Café\n",
    ],
)
def test_plain_and_accented_text_is_not_taken_for_garbled(text: str) -> None:
    assert decode(text.encode("utf-8")) == text


async def test_a_koi8_r_folder_changes_nothing(make_uow: UowFactory, tmp_path: Path) -> None:
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    for table, text in SMALL_SCHOOL.items():
        (tmp_path / f"{table}.csv").write_bytes(text.encode("koi8_r", errors="replace"))
    before = await dump_tables(make_uow)
    with pytest.raises(ImportRejected) as caught:
        await import_school(make_uow(), school, read_source(tmp_path), TODAY)
    assert all(p.source.endswith(".csv") for p in caught.value.problems)
    assert any("KOI8-R" in p.message for p in caught.value.problems)
    assert await dump_tables(make_uow) == before


# --------------------------------------------------------------------------- files


def test_empty_files_are_nothing_to_import(tmp_path: Path) -> None:
    from domain.importing import SchoolSnapshot, validate

    (tmp_path / "students.csv").write_bytes(b"")
    (tmp_path / "staff.csv").write_text("id,last_name,first_name,roles\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        validate(read_source(tmp_path), SchoolSnapshot(school_id=1))
    assert sorted((p.source, p.message) for p in caught.value.problems) == [
        ("staff.csv", "{source} holds no rows: there is nothing to import"),
        ("students.csv", "{source} holds no rows: there is nothing to import"),
    ]


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "students.csv").mkdir()
    (tmp_path / "staff.csv").symlink_to(tmp_path / "gone.csv")
    (tmp_path / "classes.csv").write_text("name,grade\n5А,5\n", encoding="utf-8")
    problems = _refusal(tmp_path)
    assert sorted(problems) == [
        ("staff.csv", None, "{source} cannot be read: {reason}"),
        ("students.csv", None, "{source} is a folder, not a file"),
    ]
    assert _refusal(tmp_path / "students.csv") == [
        (str(tmp_path / "students.csv"), None, "{source} holds no CSV files")
    ]
    assert _refusal(tmp_path / "staff.csv") == [
        (str(tmp_path / "staff.csv"), None, "{source} is a link to something that does not exist")
    ]


def test_size_limits(tmp_path: Path) -> None:
    long_cell = "id,class,last_name,first_name\nS1,5А," + "Я" * (MAX_CELL_CHARS + 1) + ",Иван\n"
    (tmp_path / "students.csv").write_text(long_cell, encoding="utf-8")
    from domain.importing import SchoolSnapshot, validate

    with pytest.raises(ImportRejected) as caught:
        validate(read_source(tmp_path), SchoolSnapshot(school_id=1))
    assert ("students.csv", 2, "last_name", "the cell is longer than {limit} characters") in [
        (p.source, p.row, p.column, p.message) for p in caught.value.problems
    ]
    # Beyond what the csv module reads at all (131,072 characters): refused by row, no csv.Error.
    (tmp_path / "students.csv").write_text(
        "id,class,last_name,first_name\nS1,5А,Я,Иван\nS2,5А," + "Я" * 200_000 + ",Иван\n",
        encoding="utf-8",
    )
    assert _refusal(tmp_path) == [("students.csv", 3, "the cell is longer than {limit} characters")]
    with (tmp_path / "students.csv").open("wb") as huge:
        huge.truncate(21 * 2**20)
    assert _refusal(tmp_path) == [
        ("students.csv", None, "{source} is larger than {limit} MB: this is not a school's list")
    ]


def test_an_unclosed_quote_is_refused_by_row(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text(
        'id,class,last_name,first_name\nS1,5А,"Иванов,Иван\nS2,5А,Петров,Пётр\n', encoding="utf-8"
    )
    assert _refusal(tmp_path) == [
        ("students.csv", 2, 'a quote («"») opened on this row is never closed')
    ]


def test_an_extra_column_and_a_stray_file_are_ignored_with_a_warning(tmp_path: Path) -> None:
    write_school(tmp_path, {"subjects": "name,short_name,notes\nМатематика,Мат,сдать в мае\n"})
    (tmp_path / "notes.csv").write_text("что,когда\n", encoding="utf-8")
    (tmp_path / "marks-old.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    found = read_import(tmp_path)
    assert [t.table for t in found.tables] == ["subjects"]
    assert sorted(w.source for w in found.warnings) == ["marks-old.csv", "notes.csv"]
    from domain.importing import SchoolSnapshot, validate

    valid = validate(found.tables, SchoolSnapshot(school_id=1))
    assert [s.name for s in valid.subjects] == ["Математика"]
    assert [(w.source, w.row, w.column) for w in valid.warnings] == [("subjects.csv", 1, "notes")]


def test_a_typo_in_a_required_column_is_still_refused(tmp_path: Path) -> None:
    from domain.importing import SchoolSnapshot, validate

    write_school(tmp_path, {"subjects": "nmae,short_name\nМатематика,Мат\n"})
    with pytest.raises(ImportRejected) as caught:
        validate(read_source(tmp_path), SchoolSnapshot(school_id=1))
    assert {(p.column, p.message) for p in caught.value.problems} == {
        ("name", "required column {column} is missing"),
        ("nmae", "unknown column {column}; the columns of {table} are: {allowed}"),
    }


# --------------------------------------------------------------------------- workbooks


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "subjects"
    sheet.append(["name", "short_name"])
    sheet.append(["Математика", "Мат"])
    book.save(path)
    return path


def test_broken_workbooks_are_refusals(tmp_path: Path) -> None:
    good = _workbook(tmp_path / "good.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "good.xlsx") as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    broken = {
        "not-a-zip.xlsx": b"PK\x03\x04 not really",
        "truncated.xlsx": good[: len(good) // 2],
        "empty-zip.xlsx": _zip(tmp_path / "e.zip", {}).read_bytes(),
        "no-workbook.xlsx": _zip(
            tmp_path / "n.zip", {k: v for k, v in parts.items() if k != "xl/workbook.xml"}
        ).read_bytes(),
        "bad-xml.xlsx": _zip(
            tmp_path / "x.zip", {**parts, "xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}
        ).read_bytes(),
        "bad-styles.xlsx": _zip(
            tmp_path / "s.zip", {**parts, "xl/styles.xml": b"<styleSheet>\x00</styleSheet>"}
        ).read_bytes(),
        "bad-content-types.xlsx": _zip(
            tmp_path / "c.zip", {**parts, "[Content_Types].xml": b"nonsense"}
        ).read_bytes(),
    }
    for name, data in broken.items():
        (tmp_path / name).write_bytes(data)
        problems = _refusal(tmp_path / name)
        assert [source for source, _, _ in problems] == [name], (name, problems)


def test_workbook_cells_that_are_not_values(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "subjects"
    sheet.append(["name", "short_name"])
    sheet.append(["Математика", "#N/A"])
    sheet.append(['=A2&" (углубл.)"', "Мат"])
    sheet.merge_cells("A5:B5")
    sheet["A5"] = "Физика"
    book.save(tmp_path / "school.xlsx")
    problems = _refusal(tmp_path / "school.xlsx")
    assert sorted(problems) == [
        ("school.xlsx:subjects", 2, "the cell holds the spreadsheet error {value}"),
        (
            "school.xlsx:subjects",
            3,
            "the cell holds a formula without a value: open the file in Excel and save it again",
        ),
    ]


def test_a_sheet_that_claims_a_million_rows(tmp_path: Path) -> None:
    """Read row by row, blank rows dropped as they come: no million-row list in memory."""
    book = Workbook()
    sheet = book.active
    sheet.title = "subjects"
    sheet.append(["name", "short_name"])
    sheet.append(["Математика", "Мат"])
    sheet.cell(row=1_000_003, column=1, value="Физика")
    sheet.cell(row=1_000_003, column=2, value="Физ")
    book.save(tmp_path / "school.xlsx")
    [table] = read_source(tmp_path / "school.xlsx")
    assert [number for number, _ in table.rows] == [2, 1_000_003]


# --------------------------------------------------------------------------- the command


def test_the_command_refuses_what_it_cannot_read(database_url: str, tmp_path: Path) -> None:
    assert journal(database_url, "db", "upgrade").returncode == 0
    journal(database_url, "school", "create", "--name", "A", "--timezone", "Europe/Moscow")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "students.csv").write_bytes(b"")
    (empty / "staff.csv").write_bytes(b"\n\n")
    nothing = journal(database_url, "import", str(empty))
    assert nothing.returncode == 1
    assert "there is nothing to import" in nothing.stderr
    folder = write_school(tmp_path / "lists")
    (folder / "bells.csv").unlink()
    (folder / "bells.csv").mkdir()
    unreadable = journal(database_url, "import", str(folder))
    assert unreadable.returncode == 1
    # The file is named once: the message names it, so no «bells.csv: bells.csv …» prefix.
    assert "\n  bells.csv is a folder, not a file\n" in unreadable.stderr
    assert "database" not in unreadable.stderr
    for result in (nothing, unreadable):
        assert "Traceback" not in result.stderr


def test_the_command_tells_what_it_kept_and_ignored(database_url: str, tmp_path: Path) -> None:
    assert journal(database_url, "db", "upgrade").returncode == 0
    journal(database_url, "school", "create", "--name", "A", "--timezone", "Europe/Moscow")
    folder = write_school(tmp_path / "lists")
    assert journal(database_url, "import", str(folder)).returncode == 0
    students = "\n".join(
        ",".join(c for i, c in enumerate(line.split(",")) if i != 5)
        for line in SMALL_SCHOOL["students"].splitlines()
    )
    (folder / "students.csv").write_text(students + "\n", encoding="utf-8")
    (folder / "notes.csv").write_text("a,b\n", encoding="utf-8")
    result = journal(database_url, "import", str(folder), lang="ru")
    assert result.returncode == 0, result.stderr
    assert "ученики: добавлено 0, обновлено 0, без изменений 5" in result.stdout
    assert (
        "students.csv, столбец birth_date: такого столбца в файле нет: у сохранённых строк (5) "
        "значение остаётся прежним" in result.stdout
    )
    assert "\n  notes.csv не соответствует ни одной из таблиц" in result.stdout
    assert "notes.csv: notes.csv" not in result.stdout


def test_an_empty_path_is_refused_not_taken_for_this_folder(
    database_url: str, tmp_path: Path
) -> None:
    """`journal import ""` was `journal import .`: run in a folder of lists, it imported them."""
    lists = write_school(tmp_path / "lists")
    assert journal(database_url, "db", "upgrade").returncode == 0
    journal(database_url, "school", "create", "--name", "A", "--timezone", "Europe/Moscow")
    env = {**os.environ, "JOURNAL_DATABASE_URL": database_url, "JOURNAL_LANGUAGE": "en"}
    for empty in ("", "  "):
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "import", empty],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=lists,
        )
        assert result.returncode == EXIT_REFUSED, result.stdout
        assert "path: may not be empty" in result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr
    assert "Classes: 0" in journal(database_url, "school", "show").stdout


OFFICE_LEFTOVERS = (
    "~$students.xlsx",
    "~$school.xlsx",
    ".~lock.students.csv#",
    "Thumbs.db",
    ".DS_Store",
    "desktop.ini",
)


@pytest.mark.parametrize("lists", ["csv", "xlsx"])
def test_files_an_office_machine_leaves_in_a_folder_are_skipped(tmp_path: Path, lists: str) -> None:
    """Excel's lock files (~$…), Windows' Thumbs.db and desktop.ini, macOS's .DS_Store and
    ._ copies: a folder of lists that was opened on an office computer is still imported."""
    folder = tmp_path / "lists"
    if lists == "csv":
        write_school(folder)
    else:
        folder.mkdir()
        _workbook(folder / "school.xlsx")
    for name in OFFICE_LEFTOVERS:
        (folder / name).write_bytes(b"\x00\x01 not a list")
    (folder / f"._students.{lists}").write_bytes(b"\x00\x05\x16\x07 Mac OS X")
    found = read_import(folder)
    expected = ["subjects"] if lists == "xlsx" else list(SMALL_SCHOOL)
    assert sorted(t.table for t in found.tables) == sorted(expected)
    skipped = sorted(w.source for w in found.warnings)
    assert skipped == sorted([*OFFICE_LEFTOVERS, f"._students.{lists}"])
    assert {w.message for w in found.warnings} == {
        "{source} is a file the computer left in the folder (a lock file, a thumbnail cache); "
        "it is skipped"
    }
