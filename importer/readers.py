"""CSV (UTF-8 or Windows-1251, `,` or `;`) and XLSX sheets to `RawTable`s of text cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from domain.importing import TABLES, ImportProblem, ImportRejected, RawTable, table_for_name


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; what is not UTF-8 is Windows-1251 from Russian Excel."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_text(table: str, source: str, text: str) -> RawTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    records = list(reader)
    header = [h.strip() for h in records[0]] if records else []
    rows = [(number, [c.strip() for c in cells]) for number, cells in enumerate(records[1:], 2)]
    return RawTable(table, source, header, rows)


def read_csv(path: Path, table: str | None = None) -> RawTable:
    name = table or table_for_name(path.stem)
    if name is None:
        raise ImportRejected([_not_a_table(path.name)])
    return read_csv_text(name, path.name, decode(path.read_bytes()))


def _not_a_table(source: str) -> ImportProblem:
    return ImportProblem.of(
        source,
        None,
        None,
        "{source} is not one of the tables: {allowed}",
        source=source,
        allowed=", ".join(TABLES),
    )


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person typed: dates as YYYY-MM-DD, times as HH:MM."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        if value.date() == dt.date(1899, 12, 30):
            return value.strftime("%H:%M")
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def read_xlsx(path: Path) -> list[RawTable]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise ImportRejected(
            [
                ImportProblem.of(
                    path.name, None, None, "{source} is not an XLSX workbook", source=path.name
                )
            ]
        ) from None
    tables: list[RawTable] = []
    try:
        for sheet in workbook.worksheets:
            table = table_for_name(sheet.title)
            if table is None:
                continue  # instructions and other sheets of the school's own
            rows = sheet.iter_rows(values_only=True)
            header_cells = next(rows, ())
            header = [cell_text(c) for c in header_cells]
            width = len(header)
            data = []
            for number, values in enumerate(rows, 2):
                cells = [cell_text(c) for c in values]
                cells = cells + [""] * (width - len(cells))
                if any(cells[width:]):
                    width = len(cells)
                data.append((number, cells))
            tables.append(RawTable(table, f"{path.name}:{sheet.title}", header, data))
    finally:
        workbook.close()
    if not tables:
        raise ImportRejected(
            [
                ImportProblem.of(
                    path.name,
                    None,
                    None,
                    "{source} has no sheet named after a table: {allowed}",
                    source=path.name,
                    allowed=", ".join(TABLES),
                )
            ]
        )
    return tables


def read_source(path: Path) -> list[RawTable]:
    """A folder of `<table>.csv`, one `<table>.csv`, or one workbook with `<table>` sheets."""
    if not path.exists():
        raise ImportRejected(
            [ImportProblem.of(str(path), None, None, "{source} does not exist", source=str(path))]
        )
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        workbooks = sorted(p for p in path.iterdir() if p.suffix.lower() == ".xlsx")
        if not files and len(workbooks) == 1:
            return read_xlsx(workbooks[0])
        problems = [_not_a_table(p.name) for p in files if table_for_name(p.stem) is None]
        if problems:
            raise ImportRejected(problems)
        if not files:
            raise ImportRejected(
                [
                    ImportProblem.of(
                        path.name, None, None, "{source} holds no CSV files", source=str(path)
                    )
                ]
            )
        return [read_csv(p) for p in files]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if path.suffix.lower() == ".csv":
        return [read_csv(path)]
    raise ImportRejected(
        [
            ImportProblem.of(
                path.name,
                None,
                None,
                "{source} is neither a CSV file, an XLSX workbook nor a folder",
                source=path.name,
            )
        ]
    )
