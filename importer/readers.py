"""CSV and XLSX files to `RawTable`s of text cells, or a refusal that names the file.

CSV: UTF-8 (with or without BOM, even two), Windows-1251, or UTF-16 with its BOM (Excel's
«Unicode text», tab-separated); delimiter `,`, `;` or tab. Text that decodes but is not
plausible (KOI8-R read as Windows-1251, UTF-8 read as Windows-1251 and saved again, U+FFFD
replacement characters, control bytes) is refused rather than imported as garbled names.
Every failure to read (a folder named .csv, a dangling link, no permission) is a refusal too,
never an error the command line would take for the database's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.importing import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    MAX_ROWS,
    MAX_UNPACKED_MB,
    TABLES,
    ImportProblem,
    ImportRejected,
    RawTable,
    table_for_name,
)

ACCEPTED_ENCODINGS = "UTF-8, Windows-1251, UTF-16"


@dataclass(slots=True)
class ImportSource:
    """What a path holds for the import, and what was skipped on the way (as warnings)."""

    tables: list[RawTable] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)


def N_(msgid: str) -> str:
    """gettext's marker: the message is translated when the refusal is shown."""
    return msgid


def _refuse(source: str, message: str, /, **params: object) -> ImportRejected:
    return ImportRejected([ImportProblem.of(source, None, None, message, **params)])


# --------------------------------------------------------------------------- encodings

# Russian letter frequencies (per cent, «ё» with «е»): a decoding whose letters are likelier
# Russian wins. KOI8-R read as Windows-1251 turns «о» into «П» and «а» into «Б».
_FREQUENCY = {
    "о": 10.97, "е": 8.49, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73,
    "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01,
    "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97,
    "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04,
}  # fmt: skip
_LOG_FREQUENCY = {letter: math.log(share / 100) for letter, share in _FREQUENCY.items()}
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Windows-1251's bytes 0x80–0xBF: what the second byte of a UTF-8 Cyrillic letter becomes.
_CP1251_HIGH = bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")
_UTF8_AS_CP1251 = re.compile("[РС][" + re.escape(_CP1251_HIGH) + "]")
_UTF8_AS_LATIN = re.compile(
    "[ÐÑ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)
# Windows-1251 signs a Russian list has; the rest of 0x80–0xBF (Ђ, ѓ, ‰, Љ, ¤ …) hints at
# another code page (DOS 866, Mac) read as Windows-1251.
_USUAL_SIGNS = set("«»№–—…‘’“”„•ЁёІі°\u00a0·")
_UNUSUAL = re.compile("[" + re.escape("".join(sorted(set(_CP1251_HIGH) - _USUAL_SIGNS))) + "]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def decode(data: bytes, source: str = "the file") -> str:
    """Bytes to text in an accepted encoding, or a refusal that says what is wrong with it."""
    encoding = _utf16_order(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise _refuse(
                source,
                N_("{source} starts as UTF-16 but is not: save it as {accepted}"),
                source=source,
                accepted=ACCEPTED_ENCODINGS,
            ) from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            text = _cp1251(data, source, err)
    text = text.lstrip("\ufeff")  # one BOM, or two from a file saved twice
    trouble = _encoding_trouble(text)
    if trouble:
        raise _refuse(source, trouble, source=source, accepted=ACCEPTED_ENCODINGS)
    return text


def _utf16_order(data: bytes) -> str | None:
    """UTF-16 by its BOM, or by the zero bytes of Latin and Cyrillic text without one."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:400]
    if len(head) >= 8 and head.count(0) * 3 >= len(head):
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 3 * even:
            return "utf-16-le"
        if even > 3 * odd:
            return "utf-16-be"
    return None


def _cp1251(data: bytes, source: str, err: UnicodeDecodeError) -> str:
    """Not UTF-8: Windows-1251 from Russian Excel, unless it is UTF-8 with a broken byte."""
    mostly_utf8 = data.decode("utf-8", errors="replace")
    if len(_CYRILLIC.findall(mostly_utf8)) >= 2 * mostly_utf8.count("\ufffd"):
        raise _refuse(
            source,
            N_(
                "{source} is UTF-8 with a broken byte at position {position}: "
                "save it again as {accepted}"
            ),
            source=source,
            position=err.start,
            accepted=ACCEPTED_ENCODINGS,
        )
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise _refuse(
            source,
            N_("{source} is not text in any accepted encoding: save it as {accepted}"),
            source=source,
            accepted=ACCEPTED_ENCODINGS,
        ) from None


def _encoding_trouble(text: str) -> str | None:
    """Why decoded text cannot be what the school typed, as a msgid; None when it can be."""
    if "\ufffd" in text:
        return N_(
            "{source} holds replacement characters (�): it was saved after a wrong "
            "decoding; save the original as {accepted}"
        )
    if _CONTROL.search(text):
        return N_("{source} holds control bytes: it is not a text table; save it as {accepted}")
    letters = len(_CYRILLIC.findall(text))
    pairs = len(_UTF8_AS_CP1251.findall(text)) + len(_UTF8_AS_LATIN.findall(text))
    if pairs >= 2 and 4 * pairs >= letters:
        return N_(
            "{source} is UTF-8 that was read as another encoding and saved again "
            "(«Р°», «Ð°» instead of letters); save the original as {accepted}"
        )
    if _likelier_as(text, "cp1251", "koi8_r"):
        return N_("{source} looks like KOI8-R, which is not accepted: save it as {accepted}")
    if _likelier_as(text, "latin-1", "cp1251") or _likelier_as(text, "cp1252", "cp1251"):
        return N_(
            "{source} is Windows-1251 that was read as Western European and saved again "
            "(«Ìàòåìàòèêà» instead of letters); save the original as {accepted}"
        )
    unusual = len(_UNUSUAL.findall(text))
    if unusual >= 3 and 3 * unusual >= letters:
        return N_("{source} is not in an accepted encoding: save it as {accepted}")
    return None


def _likelier_as(text: str, read_as: str, written_in: str) -> bool:
    """Whether the text is bytes of `written_in` decoded as `read_as` (then saved so): back as
    those bytes and decoded right, its Cyrillic looks clearly more Russian. KOI8-R read as
    Windows-1251 gives «йЧБОПЧ»; Windows-1251 read as Latin-1 gives «Ìàòåìàòèêà»."""
    text = text[:_SAMPLE]  # a school's file is one encoding throughout: its start tells
    try:
        other = text.encode(read_as).decode(written_in)
    except UnicodeError:
        return False
    as_read, as_other = _russianness(text), _russianness(other)
    if as_other is None:
        return False
    if as_read is not None:
        return as_other > as_read + 0.15
    # No Cyrillic as read: Russian words must come out whole («Математика»), not Latin ones
    # with a letter or two turned Cyrillic («Cafй Mьller»), as a German file's would.
    words = re.findall(r"[^\W\d_]{2,}", other)
    cyrillic = sum(1 for w in words if _CYRILLIC.search(w) and not re.search("[A-Za-z]", w))
    mixed = sum(1 for w in words if _CYRILLIC.search(w) and re.search("[A-Za-z]", w))
    return cyrillic >= 2 and cyrillic > 2 * mixed


def _russianness(text: str) -> float | None:
    """How Russian the Cyrillic of a text looks: the mean log-frequency of its letters, less
    penalties for «аБВ» case inside a word and for words no Russian word is shaped like (no
    vowel, five consonants in a row). None when there are too few letters to tell."""
    counts = Counter(_LOWER_CYRILLIC.findall(text.casefold().replace("ё", "е")))
    letters = sum(counts.values())
    if letters < 4:
        return None
    score = sum(n * _LOG_FREQUENCY.get(letter, -8.0) for letter, n in counts.items())
    inside = len(re.findall(r"[а-яё][А-ЯЁ]", text))
    words = [w.casefold() for w in re.findall(r"[А-Яа-яЁё]{3,}", text)]
    odd = sum(1 for w in words if not set(w) & _VOWELS or _CONSONANTS.search(w))
    return (score - 4.0 * inside - 6.0 * odd) / letters


_LOWER_CYRILLIC = re.compile("[а-я]")
_SAMPLE = 50_000  # characters whose letters decide between two readings
_VOWELS = set("аеёиоуыэюя")
_CONSONANTS = re.compile(r"[^аеёиоуыэюяьъй]{5,}")


# --------------------------------------------------------------------------- CSV


def sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_text(table: str, source: str, text: str) -> RawTable:
    """Rows of a CSV text (blank ones skipped, numbers kept); a quote that never closes, an
    over-long cell or too many rows is refused with its row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, 1):
            if header is None:
                header = [h.strip() for h in cells]
            elif any(c.strip() for c in cells):
                rows.append((number, [c.strip() for c in cells]))
                if len(rows) > MAX_ROWS:
                    raise ImportRejected([_too_many_rows(source, number)])
    except csv.Error as err:
        raise ImportRejected([_csv_problem(source, number + 1, err)]) from None
    return RawTable(table=table, source=source, header=header or [], rows=rows)


def _csv_problem(source: str, row: int, err: csv.Error) -> ImportProblem:
    if "field larger than field limit" in str(err):
        message = N_("the cell is longer than {limit} characters")
    elif "unexpected end of data" in str(err):
        message = N_('a quote («"») opened on this row is never closed')
    else:
        message = N_('the row is not valid CSV: a quote («"») in the middle of a cell?')
    return ImportProblem.of(source, row, None, message, limit=MAX_CELL_CHARS)


def _check_file(path: Path) -> None:
    """Refuse, naming the file, what cannot be a school's list: a folder, a huge file."""
    if path.is_dir():
        raise _refuse(path.name, N_("{source} is a folder, not a file"), source=path.name)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _refuse(
            path.name,
            N_("{source} is larger than {limit} MB: this is not a school's list"),
            source=path.name,
            limit=MAX_FILE_MB,
        )


def _unreadable(path: Path, err: OSError) -> ImportRejected:
    return _refuse(
        path.name,
        N_("{source} cannot be read: {reason}"),
        source=path.name,
        reason=err.strerror or type(err).__name__,
    )


def _read_bytes(path: Path) -> bytes:
    """A file's bytes, or a refusal naming it: too large, a folder, a dangling link, no access."""
    try:
        _check_file(path)
        return path.read_bytes()
    except OSError as err:
        raise _unreadable(path, err) from None


def read_csv(path: Path, table: str | None = None) -> RawTable:
    name = table or table_for_name(path.stem)
    if name is None:
        raise ImportRejected([_not_a_table(path.name)])
    return read_csv_text(name, path.name, decode(_read_bytes(path), path.name))


def _not_a_table(source: str) -> ImportProblem:
    return ImportProblem.of(
        source,
        None,
        None,
        "{source} is not one of the tables: {allowed}",
        source=source,
        allowed=", ".join(TABLES),
    )


# --------------------------------------------------------------------------- XLSX


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
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return str(value)
    return str(value).strip()


class _BrokenWorkbook(Exception):
    """openpyxl failed on the file; carries the reason for the refusal."""


def read_xlsx(path: Path) -> list[RawTable]:
    """Every sheet named after a table; a broken workbook is one refusal naming the file."""
    _check_zip(path)
    problems: list[ImportProblem] = []
    try:
        tables = _workbook_tables(path, problems)
    except _BrokenWorkbook as err:
        raise _refuse(
            path.name,
            N_("{source} is not a readable XLSX workbook ({reason})"),
            source=path.name,
            reason=str(err),
        ) from None
    if problems:
        raise ImportRejected(problems)
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


def _check_zip(path: Path) -> None:
    """A workbook is a zip: refuse one that is not, or that unpacks to far more than a list."""
    try:
        _check_file(path)
    except OSError as err:
        raise _unreadable(path, err) from None
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except OSError as err:
        raise _unreadable(path, err) from None
    except Exception:  # zipfile: BadZipFile, NotImplementedError, ValueError, EOFError, struct
        raise _refuse(path.name, N_("{source} is not an XLSX workbook"), source=path.name) from None
    if unpacked > MAX_UNPACKED_MB * 2**20:
        raise _refuse(
            path.name,
            N_("{source} unpacks to more than {limit} MB: this is not a school's list"),
            source=path.name,
            limit=MAX_UNPACKED_MB,
        )


def _workbook_tables(path: Path, problems: list[ImportProblem]) -> list[RawTable]:
    """The sheets as tables. openpyxl raises a zoo of exceptions on a damaged file (KeyError,
    TypeError, ValueError, its InvalidFileException, zlib and XML errors): all of them mean
    the same thing to a secretary, so every exception from it becomes _BrokenWorkbook. The
    files are opened here and closed here: openpyxl leaves its own open when it fails."""
    tables: list[RawTable] = []
    with ExitStack() as files:
        try:
            workbook = _open_workbook(files, path, data_only=True)
            formulas = _open_workbook(files, path, data_only=False) if _has_formulas(path) else None
            for sheet in workbook.worksheets:
                table = table_for_name(sheet.title)
                if table is None:
                    continue  # instructions and other sheets of the school's own
                source = f"{path.name}:{sheet.title}"
                formula_sheet = formulas[sheet.title] if formulas is not None else None
                tables.append(_sheet_table(table, source, sheet, formula_sheet, problems))
        except Exception as err:  # see the docstring: any failure of the parser is a broken file
            raise _BrokenWorkbook(type(err).__name__) from None
    return tables


def _open_workbook(files: ExitStack, path: Path, *, data_only: bool) -> Any:
    from openpyxl import load_workbook

    handle = files.enter_context(path.open("rb"))
    workbook = load_workbook(handle, read_only=True, data_only=data_only)
    files.callback(workbook.close)
    return workbook


_FORMULA = re.compile(rb"<f[ >/]")


def _has_formulas(path: Path) -> bool:
    """Whether a sheet has a formula: then the workbook is read a second time with them, since
    a formula Excel never computed has no value in the file and must not pass as an empty cell."""
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        return any(_has_formula(archive, n) for n in sheets)


def _has_formula(archive: zipfile.ZipFile, name: str) -> bool:
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(2**20):
            if _FORMULA.search(tail + chunk):
                return True
            tail = chunk[-4:]
    return False


def _sheet_table(
    table: str, source: str, sheet: object, formulas: object, problems: list[ImportProblem]
) -> RawTable:
    """A sheet's text cells; blank rows are skipped as they are read (a sheet may claim a
    million), error values (#N/A) and formulas without a value are refused by row."""
    rows = _values(sheet)
    formula_rows = _values(formulas) if formulas is not None else None
    header: list[str] = []
    data: list[tuple[int, list[str]]] = []
    for number, values in enumerate(rows, 1):
        written = next(formula_rows, None) if formula_rows is not None else None
        cells = []
        for index, (value, kind) in enumerate(values):
            text = cell_text(value)
            if kind == "e":
                problems.append(
                    ImportProblem.of(
                        source,
                        number,
                        _title(header, index),
                        "the cell holds the spreadsheet error {value}",
                        value=text,
                    )
                )
            elif value is None and written is not None and _is_formula(written, index):
                problems.append(
                    ImportProblem.of(
                        source,
                        number,
                        _title(header, index),
                        "the cell holds a formula without a value: "
                        "open the file in Excel and save it again",
                    )
                )
            cells.append(text[: MAX_CELL_CHARS + 1])
        if number == 1:
            header = cells
        elif any(cells):
            data.append((number, cells))
            if len(data) > MAX_ROWS:
                problems.append(_too_many_rows(source, number))
                break
    return RawTable(table=table, source=source, header=header, rows=data)


def _too_many_rows(source: str, number: int) -> ImportProblem:
    return ImportProblem.of(
        source, number, None, "more than {limit} rows in one table", limit=MAX_ROWS
    )


def _values(sheet: Any) -> Iterator[list[tuple[object, str]]]:
    """An openpyxl worksheet (Any: its read-only and normal sheets share no declared type)."""
    for row in sheet.iter_rows():
        yield [(getattr(c, "value", None), getattr(c, "data_type", "n")) for c in row]


def _is_formula(written: list[tuple[object, str]], index: int) -> bool:
    return index < len(written) and written[index][1] == "f"


def _title(header: list[str], index: int) -> str:
    return header[index] if index < len(header) and header[index] else str(index + 1)


# --------------------------------------------------------------------------- paths


def read_source(path: Path) -> list[RawTable]:
    """A folder of `<table>.csv`, one `<table>.csv`, or one workbook with `<table>` sheets."""
    return read_import(path).tables


def read_import(path: Path) -> ImportSource:
    """The tables a path holds, and warnings for what it skipped; every problem of every file
    is refused at once."""
    if not path.exists():
        message = N_("{source} is a link to something that does not exist")
        if not path.is_symlink():
            message = N_("{source} does not exist")
        raise _refuse(str(path), message, source=str(path))
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return ImportSource(read_xlsx(path))
    if path.suffix.lower() == ".csv":
        return ImportSource([read_csv(path)])
    raise _refuse(
        path.name,
        N_("{source} is neither a CSV file, an XLSX workbook nor a folder"),
        source=path.name,
    )


# What office computers leave beside a school's lists: Excel's and LibreOffice's lock files
# (~$students.xlsx, .~lock.students.csv#), Windows' Thumbs.db and desktop.ini, macOS's .DS_Store
# and ._students.csv (a copy's resource fork). They are no lists: skipped, with a warning.
_LEFTOVER = re.compile(
    r"~\$.*|\.~lock\..*#|\._.*|thumbs\.db|desktop\.ini|\.ds_store", re.IGNORECASE
)


def _read_folder(path: Path) -> ImportSource:
    try:
        entries = sorted(path.iterdir())
    except OSError as err:
        raise _unreadable(path, err) from None
    leftovers = [p for p in entries if _LEFTOVER.fullmatch(p.name)]
    entries = [p for p in entries if p not in leftovers]
    files = [p for p in entries if p.suffix.lower() == ".csv"]
    workbooks = [p for p in entries if p.suffix.lower() in (".xlsx", ".xlsm")]
    found = ImportSource()
    found.warnings += [
        ImportProblem.of(
            p.name,
            None,
            None,
            "{source} is a file the computer left in the folder (a lock file, a thumbnail "
            "cache); it is skipped",
            source=p.name,
        )
        for p in leftovers
    ]
    if not files and len(workbooks) == 1:
        found.tables = read_xlsx(workbooks[0])
        return found
    found.warnings += [
        ImportProblem.of(
            p.name, None, None, "{source} is ignored: the folder has CSV files", source=p.name
        )
        for p in workbooks
        if files
    ]
    tables = [p for p in files if table_for_name(p.stem) is not None]
    found.warnings += [
        ImportProblem.of(
            p.name,
            None,
            None,
            "{source} is not one of the tables ({allowed}); it is ignored",
            source=p.name,
            allowed=", ".join(TABLES),
        )
        for p in files
        if table_for_name(p.stem) is None
    ]
    if not tables and files:
        raise ImportRejected([_not_a_table(p.name) for p in files])  # nothing else to import
    if not tables:
        raise _refuse(str(path), N_("{source} holds no CSV files"), source=str(path))
    problems: list[ImportProblem] = []
    for p in tables:
        try:
            found.tables.append(read_csv(p))
        except ImportRejected as rejected:
            problems += rejected.problems
    if problems:
        raise ImportRejected(problems)
    return found
