"""Reading files as a school brings them: encodings, delimiters, workbooks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from domain.importing import ImportRejected, SchoolSnapshot, parse_date, validate
from importer.readers import decode, read_source, sniff_delimiter


def test_encodings_and_delimiters(tmp_path: Path) -> None:
    text = "название;сокращение\nМатематика;Мат\n"
    assert decode(text.encode("cp1251")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert sniff_delimiter(text) == ";"
    assert sniff_delimiter("a,b\n1,2") == ","
    (tmp_path / "предметы.csv").write_bytes(text.encode("cp1251"))
    [table] = read_source(tmp_path)
    assert table.table == "subjects"
    assert table.rows == [(2, ["Математика", "Мат"])]


def test_workbook_sheets_with_real_date_cells(tmp_path: Path) -> None:
    book = Workbook()
    info = book.active
    info.title = "Инструкция"
    info.append(["Заполните листы"])
    periods = book.create_sheet("periods")
    periods.append(["Период", "Тип", "Параллели", "Начало", "Конец"])
    periods.append(
        ["I четверть", "четверть", "1-9", dt.datetime(2026, 9, 1), dt.datetime(2026, 10, 24)]
    )
    bells = book.create_sheet("Звонки")
    bells.append(["урок", "начало", "конец"])
    bells.append([1, dt.time(8, 30), dt.time(9, 15)])
    path = tmp_path / "school.xlsx"
    book.save(path)
    tables = {t.table: t for t in read_source(path)}
    assert set(tables) == {"periods", "bells"}
    assert tables["periods"].rows[0][1][3:] == ["2026-09-01", "2026-10-24"]
    assert tables["bells"].rows[0][1] == ["1", "08:30", "09:15"]
    valid = validate(list(tables.values()), SchoolSnapshot(school_id=1))
    assert valid.periods[0].ends == dt.date(2026, 10, 24)


def test_files_that_are_not_tables(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_source(tmp_path)
    assert caught.value.problems[0].source == "notes.csv"
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ImportRejected):
        read_source(fake)
    with pytest.raises(ImportRejected):
        read_source(tmp_path / "missing")


@pytest.mark.parametrize("text", ["2026-02-29", "30.02.2027", "2026-13-01", "1.1.26", "вчера"])
def test_impossible_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_both_date_formats() -> None:
    assert parse_date("2026-09-01") == parse_date("01.09.2026") == dt.date(2026, 9, 1)
