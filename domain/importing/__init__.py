"""Turning a school's spreadsheets into the journal's records, or into a list of what is wrong.

The rules are import-format.md's: English or Russian headers, two date formats, school keys that
make a re-import update rather than duplicate, and all-or-nothing: one bad row means nothing is
imported and every bad row is named with its column and reason.

Validation reads nothing but the rows and a snapshot of what the school already has, so it is
pure and runs before a single row is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.importing.cells import (
    PHONE_EXAMPLE,
    CellError,
    parse_choice,
    parse_date,
    parse_grades,
    parse_hours,
    parse_int,
    parse_phone,
    parse_time,
)
from domain.importing.keys import (
    INVISIBLE,
    class_key,
    class_name,
    clean_name,
    fold,
    id_key,
    school_key,
)
from domain.importing.messages import (
    ABSENT_KEPT,
    CLASSES_NORMALISED,
    EMPTY_KEPT,
    EMPTY_REFUSED,
    IDS_AMBIGUOUS,
    IDS_RESOLVED,
    PHONES_NORMALISED,
)
from domain.model import (
    ALL_GRADES,
    Assignment,
    Bell,
    Enrolment,
    GradeRange,
    Grading,
    Guardian,
    Guardianship,
    Holiday,
    Period,
    PeriodKind,
    PlanTopic,
    Pupil,
    Role,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
)

# --------------------------------------------------------------------------- raw input


@dataclass(slots=True)
class RawTable:
    """One table as read from a file or sheet: a header and numbered rows of text cells."""

    table: str
    source: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """What is wrong and where; `message` is an English msgid with {placeholders}."""

    source: str
    row: int | None
    column: str | None
    message: str
    params: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def of(
        source: str, row: int | None, column: str | None, message: str, /, **params: object
    ) -> ImportProblem:
        return ImportProblem(
            source=source,
            row=row,
            column=column,
            message=message,
            params=tuple((k, str(v)) for k, v in params.items()),
        )


class ImportRejected(Exception):
    """Nothing was imported; `problems` says why."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the import")
        self.problems = list(problems)


# --------------------------------------------------------------------------- limits

# A school's lists are a few thousand rows; these bounds keep a wrong file (a database dump, a
# photo renamed .csv, a cell pasted a million times) from taking the machine's memory.
MAX_FILE_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB * 2**20
MAX_UNPACKED_MB = 200  # what an XLSX (a zip) may hold unpacked
MAX_CELL_CHARS = 10_000
MAX_ROWS = 100_000  # data rows of one file or sheet


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    ru: tuple[str, ...]
    required: bool = False


def _c(name: str, *ru: str, required: bool = False) -> Column:
    return Column(name, ru, required)


NAME_COLUMNS = (
    _c("last_name", "фамилия", required=True),
    _c("first_name", "имя", required=True),
    _c("middle_name", "отчество"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "staff": (
        _c("id", "код", required=True),
        *NAME_COLUMNS,
        _c("roles", "роли", "роль", required=True),
        _c("deputy_grades", "параллели завуча"),
    ),
    "subjects": (
        _c("name", "предмет", "название", required=True),
        _c("short_name", "сокращение"),
        _c("grading", "оценивание"),
    ),
    "classes": (
        _c("name", "класс", required=True),
        _c("grade", "параллель", required=True),
        _c("class_teacher", "классный руководитель"),
    ),
    "students": (
        _c("id", "код", required=True),
        _c("class", "класс", required=True),
        *NAME_COLUMNS,
        _c("birth_date", "дата рождения"),
        _c("enrolled_on", "дата зачисления"),
        _c("left_on", "дата выбытия"),
        _c("home_schooled", "на дому"),
    ),
    "guardians": (
        _c("id", "код", required=True),
        _c("student_id", "код ученика", required=True),
        *NAME_COLUMNS,
        _c("relation", "кем приходится"),
        _c("phone", "телефон"),
    ),
    "groups": (
        _c("class", "класс", required=True),
        _c("subject", "предмет", required=True),
        _c("group", "группа", required=True),
        _c("student_id", "код ученика", required=True),
    ),
    "assignments": (
        _c("teacher_id", "код учителя", required=True),
        _c("subject", "предмет", required=True),
        _c("class", "класс", required=True),
        _c("group", "группа"),
        _c("hours_per_week", "часов в неделю", required=True),
    ),
    "bells": (
        _c("lesson", "урок", required=True),
        _c("starts", "начало", required=True),
        _c("ends", "конец", required=True),
        _c("shift", "смена"),
    ),
    "periods": (
        _c("name", "период", "название", required=True),
        _c("kind", "тип", required=True),
        _c("grades", "параллели", required=True),
        _c("starts", "начало", "с", required=True),
        _c("ends", "конец", "по", required=True),
    ),
    "holidays": (
        _c("name", "название", "каникулы", required=True),
        _c("starts", "начало", "с", required=True),
        _c("ends", "конец", "по", required=True),
        _c("grades", "параллели"),
    ),
    "timetable": (
        _c("class", "класс", required=True),
        _c("group", "группа"),
        _c("weekday", "день", required=True),
        _c("lesson", "урок", required=True),
        _c("subject", "предмет", required=True),
        _c("teacher_id", "код учителя", required=True),
        _c("room", "кабинет"),
        _c("valid_from", "с"),
        _c("valid_to", "по"),
    ),
    "plan": (
        _c("subject", "предмет", required=True),
        _c("grade", "параллель"),
        _c("class", "класс"),
        _c("number", "№", "номер", required=True),
        _c("topic", "тема", required=True),
        _c("hours", "часов"),
        _c("kind", "вид работы"),
    ),
}

# The order rows are applied in: every table only refers to tables before it.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

TABLE_ALIASES: dict[str, str] = {
    "staff": "staff",
    "сотрудники": "staff",
    "subjects": "subjects",
    "предметы": "subjects",
    "classes": "classes",
    "классы": "classes",
    "students": "students",
    "ученики": "students",
    "guardians": "guardians",
    "родители": "guardians",
    "представители": "guardians",
    "groups": "groups",
    "группы": "groups",
    "assignments": "assignments",
    "нагрузка": "assignments",
    "bells": "bells",
    "звонки": "bells",
    "periods": "periods",
    "периоды": "periods",
    "holidays": "holidays",
    "каникулы": "holidays",
    "timetable": "timetable",
    "расписание": "timetable",
    "plan": "plan",
    "ктп": "plan",
}


def table_for_name(name: str) -> str | None:
    """The table a file or sheet name stands for, or None when it is not one of ours."""
    return TABLE_ALIASES.get(name.strip().casefold())


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", INVISIBLE.sub("", text).strip().casefold().replace("ё", "е"))


def _column_lookup(columns: Iterable[Column]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for col in columns:
        lookup[_header_key(col.name)] = col.name
        for alias in col.ru:
            lookup[_header_key(alias)] = col.name
    return lookup


ROLE_NAMES: dict[str, Role] = {
    "teacher": Role.TEACHER,
    "учитель": Role.TEACHER,
    "deputy": Role.DEPUTY,
    "завуч": Role.DEPUTY,
    "director": Role.DIRECTOR,
    "директор": Role.DIRECTOR,
    "admin": Role.ADMIN,
    "администратор": Role.ADMIN,
    "secretary": Role.SECRETARY,
    "секретарь": Role.SECRETARY,
}

GRADING_NAMES: dict[str, Grading] = {
    "marks": Grading.MARKS,
    "отметки": Grading.MARKS,
    "pass_fail": Grading.PASS_FAIL,
    "зачёт": Grading.PASS_FAIL,
    "зачет": Grading.PASS_FAIL,
    "none": Grading.NONE,
    "без оценок": Grading.NONE,
}

PERIOD_KIND_NAMES: dict[str, PeriodKind] = {
    "quarter": PeriodKind.QUARTER,
    "четверть": PeriodKind.QUARTER,
    "half": PeriodKind.HALF,
    "полугодие": PeriodKind.HALF,
    "year": PeriodKind.YEAR,
    "год": PeriodKind.YEAR,
}

BOOL_NAMES: dict[str, bool] = {
    "1": True,
    "0": False,
    "да": True,
    "нет": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "": False,
}


# --------------------------------------------------------------------------- parsed rows


@dataclass(slots=True)
class Row:
    """A row with cells by canonical column name, where it came from and its file's columns."""

    source: str
    number: int
    cells: dict[str, str]
    columns: frozenset[str] = frozenset()

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def has(self, column: str) -> bool:
        """Whether the file has the column at all: an absent column keeps what is stored."""
        return column in self.columns


@dataclass(slots=True)
class ParsedTables:
    tables: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)


def read_rows(raw_tables: Sequence[RawTable]) -> ParsedTables:
    """Map headers onto canonical columns and drop blank rows; report header problems.

    A file without a single row is skipped with a warning; when no file has a row, there is
    nothing to import and that is a refusal, not a silent success.
    """
    result = ParsedTables()
    empty: list[str] = []
    for raw in raw_tables:
        if not _has_rows(raw):
            empty.append(raw.source)
            continue
        _read_table(raw, result)
    if any(result.tables.values()) or result.problems:
        result.warnings.extend(
            ImportProblem.of(
                source, None, None, "{source} holds no rows; it is skipped", source=source
            )
            for source in empty
        )
    else:
        result.problems.extend(
            ImportProblem.of(
                source,
                None,
                None,
                "{source} holds no rows: there is nothing to import",
                source=source,
            )
            for source in empty or ["—"]
        )
    return result


def _has_rows(raw: RawTable) -> bool:
    return any(any(c.strip() for c in cells) for _, cells in raw.rows)


def _read_table(raw: RawTable, result: ParsedTables) -> None:
    """One file's rows, if its header is usable; every oversized or overfull row is named."""
    mapping, refusals, unknown = _map_header(raw)
    if refusals:
        # A title we do not know next to a missing column is most likely that column mistyped.
        result.problems.extend(refusals + unknown)
        return
    result.warnings.extend(unknown)
    columns = frozenset(mapping.values())
    titles = [h.strip() or str(i + 1) for i, h in enumerate(raw.header)]
    rows = result.tables.setdefault(raw.table, [])
    count = 0
    for number, cells in raw.rows:
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            result.problems.append(
                ImportProblem.of(
                    raw.source, number, None, "more than {limit} rows in one table", limit=MAX_ROWS
                )
            )
            return
        if any(c.strip() for c in cells[len(titles) :]):
            result.problems.append(
                ImportProblem.of(
                    raw.source,
                    number,
                    None,
                    "the row has {count} cells but the header has {width}: "
                    "is there a separator inside a cell?",
                    count=len(cells),
                    width=len(titles),
                )
            )
        for index, text in enumerate(cells):
            if len(text) > MAX_CELL_CHARS:
                column = mapping.get(index, titles[index] if index < len(titles) else None)
                result.problems.append(
                    ImportProblem.of(
                        raw.source,
                        number,
                        column,
                        "the cell is longer than {limit} characters",
                        limit=MAX_CELL_CHARS,
                    )
                )
        rows.append(
            Row(
                source=raw.source,
                number=number,
                cells={mapping[i]: v for i, v in enumerate(cells) if i in mapping},
                columns=columns,
            )
        )


def _map_header(raw: RawTable) -> tuple[dict[int, str], list[ImportProblem], list[ImportProblem]]:
    """Header positions → canonical columns, the refusals, and the unknown titles (ignored)."""
    columns = TABLES[raw.table]
    lookup = _column_lookup(columns)
    mapping: dict[int, str] = {}
    refusals: list[ImportProblem] = []
    unknown: list[ImportProblem] = []
    for index, title in enumerate(raw.header):
        if not title.strip():
            continue
        canonical = lookup.get(_header_key(title))
        if canonical is None:
            unknown.append(
                ImportProblem.of(
                    raw.source,
                    1,
                    title.strip(),
                    "unknown column {column}; the columns of {table} are: {allowed}",
                    column=title.strip(),
                    table=raw.table,
                    allowed=", ".join(c.name for c in columns),
                )
            )
        elif canonical in mapping.values():
            refusals.append(
                ImportProblem.of(
                    raw.source, 1, title.strip(), "column {column} appears twice", column=canonical
                )
            )
        else:
            mapping[index] = canonical
    for col in columns:
        if col.required and col.name not in mapping.values():
            refusals.append(
                ImportProblem.of(
                    raw.source, 1, col.name, "required column {column} is missing", column=col.name
                )
            )
    if raw.table == "plan" and not refusals and not {"grade", "class"} & set(mapping.values()):
        refusals.append(
            ImportProblem.of(raw.source, 1, "grade", "column grade or class is required")
        )
    if not refusals:
        # Ignored, and said so: a school's own column (notes, a form tutor's remark) is no error.
        unknown = [
            ImportProblem.of(
                p.source,
                p.row,
                p.column,
                "column {column} is not one of the columns of {table}; it is ignored",
                column=p.column or "",
                table=raw.table,
            )
            for p in unknown
        ]
    return mapping, refusals, unknown


# --------------------------------------------------------------------------- the snapshot


@dataclass(slots=True)
class SchoolSnapshot:
    """Everything the school has now that an import can refer to or update."""

    school_id: int
    staff: list[StaffMember] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    classes: list[SchoolClass] = field(default_factory=list)
    pupils: list[Pupil] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    guardianships: list[Guardianship] = field(default_factory=list)
    subgroups: list[Subgroup] = field(default_factory=list)
    subgroup_members: list[tuple[int, int]] = field(default_factory=list)  # (subgroup, pupil)
    assignments: list[Assignment] = field(default_factory=list)
    bells: list[Bell] = field(default_factory=list)
    school_years: list[SchoolYear] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    holidays: list[Holiday] = field(default_factory=list)
    timetable: list[TimetableSlot] = field(default_factory=list)
    plan: list[PlanTopic] = field(default_factory=list)


def latest_enrolments(enrolments: Iterable[Enrolment]) -> dict[int, Enrolment]:
    """Each pupil's latest stay in a class: the current one, or the last before leaving."""
    latest: dict[int, Enrolment] = {}
    for e in enrolments:
        known = latest.get(e.pupil_id)
        if known is None or e.starts > known.starts:
            latest[e.pupil_id] = e
    return latest


# --------------------------------------------------------------------------- validated rows

# `keep` on a validated row names the columns whose stored value stays as it is: the file has
# no such column, or (birth_date, enrolled_on, relation) the cell is empty. A new row gets the
# format's default for them.


@dataclass(slots=True)
class StaffRow:
    row: Row
    external_id: str
    last_name: str
    first_name: str
    middle_name: str
    roles: frozenset[Role]
    deputy_grades: GradeRange | None
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class SubjectRow:
    row: Row
    name: str
    short_name: str
    grading: Grading
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class ClassRow:
    row: Row
    name: str
    grade: int
    class_teacher: str
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class StudentRow:
    row: Row
    external_id: str
    class_name: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    enrolled_on: dt.date | None
    left_on: dt.date | None
    home_schooled: bool
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class GuardianRow:
    row: Row
    external_id: str
    student_id: str
    last_name: str
    first_name: str
    middle_name: str
    relation: str
    phone: str
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class GroupRow:
    row: Row
    class_name: str
    subject: str
    group: str
    student_id: str


@dataclass(slots=True)
class AssignmentRow:
    row: Row
    teacher_id: str
    subject: str
    class_name: str
    group: str
    hours: Decimal


@dataclass(slots=True)
class BellRow:
    row: Row
    lesson: int
    starts: dt.time
    ends: dt.time
    shift: int


@dataclass(slots=True)
class PeriodRow:
    row: Row
    name: str
    kind: PeriodKind
    grades: GradeRange
    starts: dt.date
    ends: dt.date


@dataclass(slots=True)
class HolidayRow:
    row: Row
    name: str
    starts: dt.date
    ends: dt.date
    grades: GradeRange


@dataclass(slots=True)
class TimetableRow:
    row: Row
    class_name: str
    group: str
    weekday: int
    lesson: int
    subject: str
    teacher_id: str
    room: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class PlanRow:
    row: Row
    subject: str
    grade: int | None
    class_name: str
    number: int
    topic: str
    hours: int
    kind: str
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class ValidatedImport:
    """Rows that passed every check, by table, ready to be applied; and what to tell the user."""

    staff: list[StaffRow] = field(default_factory=list)
    subjects: list[SubjectRow] = field(default_factory=list)
    classes: list[ClassRow] = field(default_factory=list)
    students: list[StudentRow] = field(default_factory=list)
    guardians: list[GuardianRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    assignments: list[AssignmentRow] = field(default_factory=list)
    bells: list[BellRow] = field(default_factory=list)
    periods: list[PeriodRow] = field(default_factory=list)
    holidays: list[HolidayRow] = field(default_factory=list)
    timetable: list[TimetableRow] = field(default_factory=list)
    plan: list[PlanRow] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)

    def tables(self) -> list[str]:
        return [t for t in TABLE_ORDER if getattr(self, t)]


# --------------------------------------------------------------------------- validation


EARLIEST_BIRTH = dt.date(1900, 1, 1)
AHEAD = dt.timedelta(days=366)  # how far ahead an arrival or leaving date may be


@dataclass(slots=True)
class _Checker:
    """Collects problems while reading cells, so that one pass reports every bad cell."""

    problems: list[ImportProblem]

    def cell(
        self, row: Row, column: str, parse: Callable[[str], object], *, required: bool = False
    ) -> object:
        text = row.get(column)
        if not text:
            if required:
                self.fail(row, column, "{column} is empty", column=column)
            return None
        try:
            return parse(text)
        except CellError as err:
            self.problems.append(
                ImportProblem.of(row.source, row.number, column, err.message, **err.params)
            )
            return None

    def date(self, row: Row, column: str, *, required: bool = False) -> dt.date | None:
        value = self.cell(row, column, parse_date, required=required)
        return value if isinstance(value, dt.date) else None

    def number(
        self, row: Row, column: str, low: int, high: int, *, required: bool = False
    ) -> int | None:
        value = self.cell(row, column, lambda t: parse_int(t, low, high), required=required)
        return value if isinstance(value, int) else None

    def text(self, row: Row, column: str, *, required: bool = False, limit: int = 200) -> str:
        value = clean_name(row.get(column))
        if required and not value:
            self.fail(row, column, "{column} is empty", column=column)
        elif len(value) > limit:
            self.fail(
                row,
                column,
                "{column} is longer than {limit} characters",
                column=column,
                limit=limit,
            )
        return value

    def name(self, row: Row, column: str, *, required: bool = False, limit: int = 200) -> str:
        """A person's, subject's or class's name: never «?», which is what a letter becomes
        when a file passes through an encoding without Cyrillic."""
        value = self.text(row, column, required=required, limit=limit)
        if "?" in value:
            self.fail(
                row,
                column,
                "{value} has «?» in place of letters: was the file saved in an encoding "
                "without Cyrillic?",
                value=value,
            )
        return value

    def key(self, row: Row, column: str, *, required: bool = True) -> str:
        """A school id (staff, pupil, guardian): compared without invisible characters."""
        return school_key(self.text(row, column, required=required, limit=64))

    def fail(self, row: Row, column: str | None, message: str, /, **params: object) -> None:
        self.problems.append(ImportProblem.of(row.source, row.number, column, message, **params))

    def duplicate(
        self, seen: dict[object, Row], key: object, row: Row, column: str, value: str
    ) -> bool:
        first = seen.get(key)
        if first is not None:
            self.fail(
                row, column, "{value} is already on row {first}", value=value, first=first.number
            )
            return True
        seen[key] = row
        return False


@dataclass(slots=True)
class _Tally:
    """A warning said once per file and column: how many rows, and the first one's values."""

    example: dict[str, object]
    count: int = 0


@dataclass(slots=True)
class _Validation:
    """One validation: its checks, its results, and what later tables may refer to.

    Tables are checked in TABLE_ORDER; each adds what it brings (staff ids, classes, pupils,
    groups, lesson numbers) to what the school already has, for the tables after it.
    """

    check: _Checker
    snapshot: SchoolSnapshot
    today: dt.date | None
    out: ValidatedImport = field(default_factory=ValidatedImport)
    staff_roles: dict[str, frozenset[Role]] = field(default_factory=dict)
    subjects: set[str] = field(default_factory=set)
    class_grades: dict[str, int] = field(default_factory=dict)
    pupil_class: dict[str, str] = field(default_factory=dict)
    group_keys: set[tuple[str, str, str]] = field(default_factory=set)
    lessons: set[int] = field(default_factory=set)
    tallies: dict[tuple[str, str, str], _Tally] = field(default_factory=dict)
    # "staff", "pupil", "guardian" → id_key → the spellings stored (or first given in the files)
    spellings: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: {"staff": {}, "pupil": {}, "guardian": {}}
    )

    def tally(self, row: Row, column: str, message: str, /, **example: object) -> None:
        """Count a warning of a file's column; the first row's values fill its example."""
        self.tallies.setdefault((row.source, column, message), _Tally(example=example)).count += 1

    def warnings(self) -> list[ImportProblem]:
        return [
            ImportProblem.of(source, None, column, message, count=t.count, **t.example)
            for (source, column, message), t in self.tallies.items()
        ]

    def kept(self, row: Row, stored: bool, *columns: str) -> frozenset[str]:
        """The columns the row's file lacks: a stored row keeps them (and is counted)."""
        absent = frozenset(c for c in columns if not row.has(c))
        if stored:
            for column in absent:
                self.tally(row, column, ABSENT_KEPT)
        return absent

    def empty_kept(self, row: Row, column: str, stored: object) -> frozenset[str]:
        """A fact an empty cell cannot un-know (a birth date, a relation): stored stays, and
        the user hears of it when there was one."""
        if row.has(column) and not row.get(column):
            if stored:
                self.tally(row, column, EMPTY_KEPT)
            return frozenset({column})
        return frozenset()

    def not_emptied(self, row: Row, column: str, stored: object, default: object) -> None:
        """A column with a default (grading, home_schooled, hours, a deputy's grades): an empty
        cell is the default for a new row, but never written over another stored value."""
        if row.has(column) and not row.get(column) and stored is not None and stored != default:
            shown = ("1" if stored else "0") if isinstance(stored, bool) else str(stored)
            self.check.fail(row, column, EMPTY_REFUSED, column=column, value=shown)

    def school_id(
        self, row: Row, column: str, kind: str, *, new: bool = False, required: bool = True
    ) -> str:
        """A staff, pupil or guardian id as the one stored (or first given) that it matches
        after id_key: «t1» is the stored «T1», never a second person. `new`: the row brings
        the person, so an id seen for the first time is theirs."""
        written = self.check.key(row, column, required=required)
        if not written:
            return written
        known = self.spellings[kind].setdefault(id_key(written), [])
        if not known:
            if new:
                known.append(written)
            return written
        if written in known:
            return written
        if len(known) > 1:
            allowed = ", ".join(known)
            self.check.fail(row, column, IDS_AMBIGUOUS, value=written, allowed=allowed)
            return written
        self.tally(row, column, IDS_RESOLVED, value=written, id=known[0])
        return known[0]

    def known_class(self, row: Row, column: str) -> str:
        name = self.check.text(row, column, required=True, limit=20)
        if name and class_key(name) not in self.class_grades:
            self.check.fail(row, column, "there is no class {value}", value=name)
        return name

    def known_subject(self, row: Row, column: str = "subject") -> str:
        name = self.check.text(row, column, required=True, limit=100)
        if name and fold(name) not in self.subjects:
            self.check.fail(row, column, "there is no subject {value}", value=name)
        return name

    def known_teacher(self, row: Row, column: str) -> str:
        ext = self.school_id(row, column, "staff")
        if ext and ext not in self.staff_roles:
            self.check.fail(row, column, "no staff member has the id {value}", value=ext)
        elif ext and Role.TEACHER not in self.staff_roles[ext]:
            self.check.fail(row, column, "staff member {value} is not a teacher", value=ext)
        return ext

    def known_pupil(self, row: Row, column: str = "student_id") -> str:
        ext = self.school_id(row, column, "pupil")
        if ext and ext not in self.pupil_class:
            self.check.fail(row, column, "there is no pupil with the id {value}", value=ext)
        return ext

    def known_group(self, row: Row, cls: str, subject: str) -> str:
        group = self.check.text(row, "group", limit=50)
        if (
            group
            and cls
            and subject
            and (class_key(cls), fold(subject), fold(group)) not in self.group_keys
        ):
            self.check.fail(
                row,
                "group",
                "class {name} has no group {value} in {subject}",
                name=cls,
                value=group,
                subject=subject,
            )
        return group


def _ordered(start: dt.date | None, end: dt.date | None) -> bool:
    return start is None or end is None or start <= end


def validate(
    raw_tables: Sequence[RawTable], snapshot: SchoolSnapshot, today: dt.date | None = None
) -> ValidatedImport:
    """Check every row against the format and against the school; raise ImportRejected.

    `today` (the school's date) bounds the dates that cannot be in the future; without it
    only the calendar's own checks apply.
    """
    parsed = read_rows(raw_tables)
    v = _Validation(check=_Checker(parsed.problems), snapshot=snapshot, today=today)
    _start(v)
    for table, check_table in _TABLE_CHECKS:
        check_table(v, parsed.tables.get(table, []))
    if v.check.problems:
        raise ImportRejected(v.check.problems)
    v.out.warnings = parsed.warnings + v.warnings()
    return v.out


def _start(v: _Validation) -> None:
    """What the school has before the import: every reference may point at it."""
    snap = v.snapshot
    v.staff_roles = {school_key(s.external_id): s.roles for s in snap.staff}
    for kind, people in (
        ("staff", snap.staff),
        ("pupil", snap.pupils),
        ("guardian", snap.guardians),
    ):
        for person in people:
            ext = school_key(person.external_id)
            known = v.spellings[kind].setdefault(id_key(ext), [])
            if ext not in known:
                known.append(ext)
    v.subjects = {fold(s.name) for s in snap.subjects}
    v.class_grades = {class_key(c.name): c.grade for c in snap.classes}
    v.lessons = {b.lesson for b in snap.bells}
    classes = {c.id: c for c in snap.classes}
    subjects = {s.id: s for s in snap.subjects}
    latest = latest_enrolments(snap.enrolments)
    for pupil in snap.pupils:
        enrolment = latest.get(pupil.id) if pupil.id is not None else None
        ext = school_key(pupil.external_id)
        if enrolment is not None and enrolment.class_id in classes:
            v.pupil_class[ext] = class_key(classes[enrolment.class_id].name)
        else:
            v.pupil_class.setdefault(ext, "")
    for sg in snap.subgroups:
        if sg.class_id in classes and sg.subject_id in subjects:
            v.group_keys.add(
                (
                    class_key(classes[sg.class_id].name),
                    fold(subjects[sg.subject_id].name),
                    fold(sg.name),
                )
            )


def _check_staff(v: _Validation, rows: Sequence[Row]) -> None:
    stored = {school_key(s.external_id): s for s in v.snapshot.staff}
    seen: dict[object, Row] = {}
    for row in rows:
        ext = v.school_id(row, "id", "staff", new=True)
        roles = _roles(v.check, row)
        grades = v.check.cell(row, "deputy_grades", parse_grades)
        if grades is not None and Role.DEPUTY not in roles:
            v.check.fail(row, "deputy_grades", "deputy grades are given but the role deputy is not")
        old = stored.get(ext)
        if old is not None and Role.DEPUTY in roles:
            v.not_emptied(row, "deputy_grades", old.deputy_grades, None)
        # Without the role deputy there are no deputy grades to keep.
        optional = ("middle_name", "deputy_grades") if Role.DEPUTY in roles else ("middle_name",)
        last, first, middle = _person(v.check, row)
        item = StaffRow(
            row=row,
            external_id=ext,
            last_name=last,
            first_name=first,
            middle_name=middle,
            roles=frozenset(roles),
            deputy_grades=grades if isinstance(grades, GradeRange) else None,
            keep=v.kept(row, ext in stored, *optional),
        )
        if ext and not v.check.duplicate(seen, ext, row, "id", school_key(row.get("id"))):
            v.out.staff.append(item)
    v.staff_roles.update({s.external_id: s.roles for s in v.out.staff})


def _roles(check: _Checker, row: Row) -> set[Role]:
    roles: set[Role] = set()
    for part in re.split(r"[;,]", row.get("roles")):
        if not part.strip():
            continue
        role = ROLE_NAMES.get(part.strip().casefold())
        if role is None:
            check.fail(
                row,
                "roles",
                "unknown role {value}; roles are: {allowed}",
                value=part.strip(),
                allowed="teacher, deputy, director, admin, secretary",
            )
        else:
            roles.add(role)
    if not row.get("roles"):
        check.fail(row, "roles", "{column} is empty", column="roles")
    return roles


def _person(check: _Checker, row: Row) -> tuple[str, str, str]:
    return (
        check.name(row, "last_name", required=True),
        check.name(row, "first_name", required=True),
        check.name(row, "middle_name"),
    )


def _check_subjects(v: _Validation, rows: Sequence[Row]) -> None:
    stored = {fold(s.name): s for s in v.snapshot.subjects}
    seen: dict[object, Row] = {}
    for row in rows:
        name = v.check.name(row, "name", required=True, limit=100)
        grading = v.check.cell(row, "grading", lambda t: parse_choice(t, GRADING_NAMES))
        old = stored.get(fold(name))
        if old is not None:
            v.not_emptied(row, "grading", str(old.grading), str(Grading.MARKS))
        item = SubjectRow(
            row=row,
            name=name,
            short_name=v.check.text(row, "short_name", limit=20),
            grading=grading if isinstance(grading, Grading) else Grading.MARKS,
            keep=v.kept(row, fold(name) in stored, "short_name", "grading"),
        )
        if name and not v.check.duplicate(seen, fold(name), row, "name", name):
            v.out.subjects.append(item)
    v.subjects |= {fold(s.name) for s in v.out.subjects}


def _check_classes(v: _Validation, rows: Sequence[Row]) -> None:
    stored = {class_key(c.name) for c in v.snapshot.classes}
    seen: dict[object, Row] = {}
    for row in rows:
        written = v.check.name(row, "name", required=True, limit=20)
        name = class_name(written)
        if name != written:
            v.tally(row, "name", CLASSES_NORMALISED, value=written, name=name)
        grade = v.check.number(row, "grade", 1, 11, required=True)
        teacher = v.school_id(row, "class_teacher", "staff", required=False)
        if teacher and teacher not in v.staff_roles:
            v.check.fail(row, "class_teacher", "no staff member has the id {value}", value=teacher)
        digits = re.match(r"^(\d{1,2})", class_key(name))
        if digits and grade is not None and int(digits.group(1)) != grade:
            v.check.fail(
                row, "grade", "class {name} is not in grade {grade}", name=written, grade=grade
            )
        if (
            name
            and grade is not None
            and not v.check.duplicate(seen, class_key(name), row, "name", written)
        ):
            keep = v.kept(row, class_key(name) in stored, "class_teacher")
            v.out.classes.append(
                ClassRow(row=row, name=name, grade=grade, class_teacher=teacher, keep=keep)
            )
    v.class_grades.update({class_key(c.name): c.grade for c in v.out.classes})


@dataclass(slots=True)
class _PupilDates:
    birth: dt.date | None
    enrolled: dt.date | None
    left: dt.date | None
    keep: frozenset[str]


def _check_students(v: _Validation, rows: Sequence[Row]) -> None:
    stored = {school_key(p.external_id): p for p in v.snapshot.pupils}
    seen: dict[object, Row] = {}
    for row in rows:
        ext = v.school_id(row, "id", "pupil", new=True)
        cls = v.known_class(row, "class")
        old = stored.get(ext)
        dates = _pupil_dates(v, row, old)
        home = v.check.cell(row, "home_schooled", lambda t: parse_choice(t, BOOL_NAMES))
        if old is not None:
            v.not_emptied(row, "home_schooled", old.home_schooled, False)
        optional = ("middle_name", "birth_date", "enrolled_on", "left_on", "home_schooled")
        last, first, middle = _person(v.check, row)
        item = StudentRow(
            row=row,
            external_id=ext,
            class_name=cls,
            last_name=last,
            first_name=first,
            middle_name=middle,
            birth_date=dates.birth,
            enrolled_on=dates.enrolled,
            left_on=dates.left,
            home_schooled=bool(home),
            keep=v.kept(row, old is not None, *optional) | dates.keep,
        )
        if ext and not v.check.duplicate(seen, ext, row, "id", school_key(row.get("id"))):
            v.out.students.append(item)
            v.pupil_class[ext] = class_key(cls)


def _pupil_dates(v: _Validation, row: Row, old: Pupil | None) -> _PupilDates:
    """A pupil's dates, checked against each other and the calendar, stored ones included."""
    check = v.check
    birth = check.date(row, "birth_date")
    enrolled = check.date(row, "enrolled_on")
    left = check.date(row, "left_on")
    keep = v.empty_kept(row, "birth_date", old and old.birth_date) | v.empty_kept(
        row, "enrolled_on", old and old.enrolled_on
    )
    if birth is not None and birth < EARLIEST_BIRTH:
        check.fail(row, "birth_date", "{value} is before 1900", value=row.get("birth_date"))
    elif birth is not None and v.today is not None and birth > v.today:
        check.fail(row, "birth_date", "{value} is in the future", value=row.get("birth_date"))
    for column, day in (("enrolled_on", enrolled), ("left_on", left)):
        if day is not None and v.today is not None and day > v.today + AHEAD:
            check.fail(row, column, "{value} is more than a year ahead", value=row.get(column))
        elif day is not None and day < EARLIEST_BIRTH:
            check.fail(row, column, "{value} is before 1900", value=row.get(column))

    def effective(column: str, given: dt.date | None) -> dt.date | None:
        if given is not None or old is None:
            return given
        return getattr(old, column) if (not row.has(column) or column in keep) else None

    birth_on = effective("birth_date", birth)
    enrolled_on = effective("enrolled_on", enrolled)
    left_on = effective("left_on", left)
    if enrolled_on and left_on and left_on < enrolled_on:
        check.fail(row, "left_on" if left else "enrolled_on", "the pupil leaves before arriving")
    if birth_on and enrolled_on and birth_on >= enrolled_on:
        check.fail(
            row, "birth_date" if birth else "enrolled_on", "the pupil is born after arriving"
        )
    return _PupilDates(birth=birth, enrolled=enrolled, left=left, keep=keep)


def _check_guardians(v: _Validation, rows: Sequence[Row]) -> None:
    snap = v.snapshot
    stored = {g.id: school_key(g.external_id) for g in snap.guardians}
    pupils = {p.id: school_key(p.external_id) for p in snap.pupils}
    links = {
        (stored.get(g.guardian_id), pupils.get(g.pupil_id)): g.relation for g in snap.guardianships
    }
    stored_ids = set(stored.values())
    names: dict[str, tuple[tuple[str, str, str], Row | None]] = {
        school_key(g.external_id): (
            (fold(g.last_name), fold(g.first_name), fold(g.middle_name)),
            None,
        )
        for g in snap.guardians
    }
    phones: dict[str, tuple[str, Row]] = {}
    seen: dict[object, Row] = {}
    for row in rows:
        ext = v.school_id(row, "id", "guardian", new=True)
        student = v.known_pupil(row)
        last, first, middle = _person(v.check, row)
        phone = _phone(v, row)
        link = (ext, student)
        keep = (
            v.kept(row, ext in stored_ids, "middle_name", "phone")
            | v.kept(row, link in links, "relation")
            | v.empty_kept(row, "relation", links.get(link))
        )
        item = GuardianRow(
            row=row,
            external_id=ext,
            student_id=student,
            last_name=last,
            first_name=first,
            middle_name=middle,
            relation=v.check.text(row, "relation", limit=50),
            phone=phone,
            keep=keep,
        )
        if ext:
            _same_guardian(v, item, names, phones)
        if (
            ext
            and student
            and not v.check.duplicate(seen, (ext, student), row, "student_id", student)
        ):
            v.out.guardians.append(item)
    # A guardian of two children is one person: the phone given on any of their rows is theirs.
    for item in v.out.guardians:
        if not item.phone and item.external_id in phones:
            item.phone = phones[item.external_id][0]


def _phone(v: _Validation, row: Row) -> str:
    phone = v.check.cell(row, "phone", parse_phone)
    if not isinstance(phone, str):
        return ""
    if phone != row.get("phone"):
        v.tally(row, "phone", PHONES_NORMALISED, example=PHONE_EXAMPLE)
    return phone


def _same_guardian(
    v: _Validation,
    item: GuardianRow,
    names: dict[str, tuple[tuple[str, str, str], Row | None]],
    phones: dict[str, tuple[str, Row]],
) -> None:
    """Rows of one guardian id must agree on the name and the phone."""
    row, ext = item.row, item.external_id
    folded = (fold(item.last_name), fold(item.first_name), fold(item.middle_name))
    earlier = names.get(ext)
    if earlier is not None and earlier[1] is not None and earlier[0] != folded:
        v.check.fail(
            row,
            "last_name",
            "guardian {value} has another name on row {first}",
            value=ext,
            first=earlier[1].number,
        )
    else:
        names[ext] = (folded, row)
    if item.phone:
        known = phones.setdefault(ext, (item.phone, row))
        if known[0] != item.phone:
            v.check.fail(
                row,
                "phone",
                "guardian {value} has another phone on row {first}",
                value=ext,
                first=known[1].number,
            )


def _check_groups(v: _Validation, rows: Sequence[Row]) -> None:
    seen: dict[object, Row] = {}
    for row in rows:
        cls = v.known_class(row, "class")
        subject = v.known_subject(row)
        group = v.check.text(row, "group", required=True, limit=50)
        student = v.school_id(row, "student_id", "pupil")
        if student and student not in v.pupil_class:
            v.check.fail(row, "student_id", "there is no pupil with the id {value}", value=student)
        elif student and cls and v.pupil_class[student] != class_key(cls):
            v.check.fail(
                row, "student_id", "pupil {value} is not in class {name}", value=student, name=cls
            )
        key = (class_key(cls), fold(subject), student)
        if (
            cls
            and subject
            and group
            and student
            and not v.check.duplicate(seen, key, row, "student_id", student)
        ):
            v.out.groups.append(
                GroupRow(row=row, class_name=cls, subject=subject, group=group, student_id=student)
            )
            v.group_keys.add((class_key(cls), fold(subject), fold(group)))


def _check_assignments(v: _Validation, rows: Sequence[Row]) -> None:
    stored = _stored_assignment_groups(v) if rows else {}
    seen: dict[object, Row] = {}
    for row in rows:
        teacher = v.known_teacher(row, "teacher_id")
        subject = v.known_subject(row)
        cls = v.known_class(row, "class")
        group = v.known_group(row, cls, subject)
        if not row.has("group"):
            # The group is part of the key: without the column, the one stored assignment of
            # this teacher, subject and class is meant, not a new one for the whole class.
            same = stored.get((teacher, fold(subject), class_key(cls)), [])
            if len(same) == 1 and same[0]:
                group = same[0]
                v.tally(row, "group", ABSENT_KEPT)
        hours = v.check.cell(row, "hours_per_week", parse_hours, required=True)
        key = (teacher, fold(subject), class_key(cls), fold(group))
        if (
            teacher
            and subject
            and cls
            and isinstance(hours, Decimal)
            and not v.check.duplicate(seen, key, row, "teacher_id", teacher)
        ):
            v.out.assignments.append(
                AssignmentRow(
                    row=row,
                    teacher_id=teacher,
                    subject=subject,
                    class_name=cls,
                    group=group,
                    hours=hours,
                )
            )


def _stored_assignment_groups(v: _Validation) -> dict[tuple[str, str, str], list[str]]:
    """(teacher, subject, class) → the group names of its stored assignments ("" for all)."""
    snap = v.snapshot
    staff = {s.id: school_key(s.external_id) for s in snap.staff}
    subjects = {s.id: fold(s.name) for s in snap.subjects}
    classes = {c.id: class_key(c.name) for c in snap.classes}
    groups = {g.id: g.name for g in snap.subgroups}
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for a in snap.assignments:
        key = (
            staff.get(a.teacher_id, ""),
            subjects.get(a.subject_id, ""),
            classes.get(a.class_id, ""),
        )
        found[key].append(groups.get(a.subgroup_id, "") if a.subgroup_id is not None else "")
    return found


def _check_bells(v: _Validation, rows: Sequence[Row]) -> None:
    seen: dict[object, Row] = {}
    for row in rows:
        lesson = v.check.number(row, "lesson", 0, 12, required=True)
        starts = v.check.cell(row, "starts", parse_time, required=True)
        ends = v.check.cell(row, "ends", parse_time, required=True)
        shift = v.check.number(row, "shift", 1, 3) or 1
        if isinstance(starts, dt.time) and isinstance(ends, dt.time) and starts >= ends:
            v.check.fail(row, "ends", "the lesson ends before it starts")
        elif lesson is not None and isinstance(starts, dt.time) and isinstance(ends, dt.time):
            if not v.check.duplicate(seen, (shift, lesson), row, "lesson", str(lesson)):
                v.out.bells.append(
                    BellRow(row=row, lesson=lesson, starts=starts, ends=ends, shift=shift)
                )
    v.lessons |= {b.lesson for b in v.out.bells}


def _check_periods(v: _Validation, rows: Sequence[Row]) -> None:
    seen: dict[object, Row] = {}
    for row in rows:
        name = v.check.text(row, "name", required=True, limit=50)
        kind = v.check.cell(
            row, "kind", lambda t: parse_choice(t, PERIOD_KIND_NAMES), required=True
        )
        grades = v.check.cell(row, "grades", parse_grades, required=True)
        starts = v.check.date(row, "starts", required=True)
        ends = v.check.date(row, "ends", required=True)
        if starts and ends:
            if starts > ends:
                v.check.fail(row, "ends", "the period ends before it starts")
                continue
            if SchoolYear.name_for(starts) != SchoolYear.name_for(ends):
                v.check.fail(row, "ends", "the period runs into the next school year")
                continue
        if (
            name
            and isinstance(kind, PeriodKind)
            and isinstance(grades, GradeRange)
            and starts
            and ends
        ):
            key = (SchoolYear.name_for(starts), fold(name), str(grades))
            if not v.check.duplicate(seen, key, row, "name", name):
                v.out.periods.append(
                    PeriodRow(
                        row=row, name=name, kind=kind, grades=grades, starts=starts, ends=ends
                    )
                )
    _check_overlaps(v, v.out.periods)


def _check_overlaps(v: _Validation, periods: list[PeriodRow]) -> None:
    """Two terms of the same kind for the same grade may not overlap, stored ones included."""
    years = {y.id: y.name for y in v.snapshot.school_years}
    incoming = {(SchoolYear.name_for(p.starts), fold(p.name), str(p.grades)) for p in periods}
    stored = [
        PeriodRow(
            row=Row(source="", number=0, cells={}),
            name=p.name,
            kind=p.kind,
            grades=p.grades,
            starts=p.starts,
            ends=p.ends,
        )
        for p in v.snapshot.periods
        if (years.get(p.school_year_id, ""), fold(p.name), str(p.grades)) not in incoming
    ]
    for i, a in enumerate(periods):
        for b in [*periods[i + 1 :], *stored]:
            if a.kind != b.kind or a.kind == PeriodKind.YEAR:
                continue
            grades_meet = a.grades.first <= b.grades.last and b.grades.first <= a.grades.last
            if not (grades_meet and a.starts <= b.ends and b.starts <= a.ends):
                continue
            if b.row.number:
                v.check.fail(
                    b.row,
                    "starts",
                    "the period overlaps {name} on row {first}",
                    name=a.name,
                    first=a.row.number,
                )
            else:
                v.check.fail(
                    a.row, "starts", "the period overlaps the stored period {name}", name=b.name
                )


def _check_holidays(v: _Validation, rows: Sequence[Row]) -> None:
    stored: dict[tuple[str, str], list[Holiday]] = defaultdict(list)
    for h in v.snapshot.holidays:
        stored[(SchoolYear.name_for(h.starts), fold(h.name))].append(h)
    seen: dict[object, Row] = {}
    for row in rows:
        name = v.check.text(row, "name", required=True, limit=100)
        starts = v.check.date(row, "starts", required=True)
        ends = v.check.date(row, "ends", required=True)
        grades = v.check.cell(row, "grades", parse_grades)
        if starts and ends and starts > ends:
            v.check.fail(row, "ends", "the holiday ends before it starts")
            continue
        if not (name and starts and ends):
            continue
        if not isinstance(grades, GradeRange):
            grades = ALL_GRADES
            same = stored.get((SchoolYear.name_for(starts), fold(name)), [])
            if not row.has("grades") and len(same) == 1:
                # The grades are part of a holiday's key: without the column, the stored
                # holiday of that name keeps its grades instead of getting a twin for all.
                grades = same[0].grades
                v.tally(row, "grades", ABSENT_KEPT)
        key = (SchoolYear.name_for(starts), fold(name), str(grades))
        if not v.check.duplicate(seen, key, row, "name", name):
            v.out.holidays.append(
                HolidayRow(row=row, name=name, starts=starts, ends=ends, grades=grades)
            )


def _check_plan(v: _Validation, rows: Sequence[Row]) -> None:
    subjects = {s.id: fold(s.name) for s in v.snapshot.subjects}
    classes = {c.id: class_key(c.name) for c in v.snapshot.classes}
    stored = {
        (
            subjects.get(p.subject_id),
            classes.get(p.class_id) if p.class_id else p.grade,
            p.number,
        ): p
        for p in v.snapshot.plan
    }
    seen: dict[object, Row] = {}
    for row in rows:
        subject = v.known_subject(row)
        grade = v.check.number(row, "grade", 1, 11)
        cls = v.known_class(row, "class") if row.get("class") else ""
        if grade is None and not cls:
            v.check.fail(row, "grade", "give the grade or the class")
        number = v.check.number(row, "number", 1, 1000, required=True)
        topic = v.check.text(row, "topic", required=True, limit=500)
        hours = v.check.number(row, "hours", 1, 20) or 1
        kind = v.check.text(row, "kind", limit=50)
        if not (subject and topic and number is not None and (grade is not None or cls)):
            continue
        key = (fold(subject), class_key(cls) if cls else grade, number)
        if key in stored:
            v.not_emptied(row, "hours", stored[key].hours, 1)
        if not v.check.duplicate(seen, key, row, "number", str(number)):
            v.out.plan.append(
                PlanRow(
                    row=row,
                    subject=subject,
                    grade=grade,
                    class_name=cls,
                    number=number,
                    topic=topic,
                    hours=hours,
                    kind=kind,
                    keep=v.kept(row, key in stored, "hours", "kind"),
                )
            )


@dataclass(frozen=True, slots=True)
class _Slot:
    """A weekly lesson as the clash checks see it: from the file (with its row) or stored."""

    row: Row | None
    class_key: str
    class_name: str
    group: str  # folded group name; "" for the whole class
    place: tuple[object, ...]  # class, subgroup, weekday, lesson: with valid_from, its key
    teacher: str
    subject: str  # folded
    group_name: str  # as written
    weekday: int
    lesson: int
    starts: dt.date | None
    ends: dt.date | None

    @property
    def key(self) -> tuple[object, ...]:
        """What makes two rows the same stored lesson (the applier's key)."""
        return (*self.place, self.starts)


def _place(cls: str, subject: str, group: str, weekday: int, lesson: int) -> tuple[object, ...]:
    return (cls, (subject, group) if group else None, weekday, lesson)


def _stored_slots(v: _Validation) -> list[_Slot]:
    snap = v.snapshot
    classes = {c.id: c.name for c in snap.classes}
    subjects = {s.id: fold(s.name) for s in snap.subjects}
    groups = {g.id: g for g in snap.subgroups}
    staff = {s.id: school_key(s.external_id) for s in snap.staff}
    slots = []
    for t in snap.timetable:
        name = classes.get(t.class_id)
        if name is None:
            continue
        sg = groups.get(t.subgroup_id) if t.subgroup_id is not None else None
        group = fold(sg.name) if sg else ""
        subject = subjects.get(sg.subject_id if sg else t.subject_id, "")
        slots.append(
            _Slot(
                row=None,
                class_key=class_key(name),
                class_name=name,
                group=group,
                place=_place(class_key(name), subject, group, t.weekday, t.lesson),
                teacher=staff.get(t.teacher_id, ""),
                subject=subjects.get(t.subject_id, ""),
                group_name=sg.name if sg else "",
                weekday=t.weekday,
                lesson=t.lesson,
                starts=t.valid_from,
                ends=t.valid_to,
            )
        )
    return slots


def _check_timetable(v: _Validation, rows: Sequence[Row]) -> None:
    stored = _stored_slots(v) if rows else []
    by_place: dict[tuple[object, ...], list[_Slot]] = defaultdict(list)
    by_time: dict[tuple[str, int, int], list[_Slot]] = defaultdict(list)
    for slot in stored:
        by_place[slot.place].append(slot)
        by_time[(slot.class_key, slot.weekday, slot.lesson)].append(slot)
    stored_by_key = {slot.key: slot for slot in stored}
    seen: dict[object, Row] = {}
    for row in rows:
        cls = v.known_class(row, "class")
        subject = v.known_subject(row)
        group = v.known_group(row, cls, subject)
        weekday = v.check.number(row, "weekday", 1, 6, required=True)
        lesson = v.check.number(row, "lesson", 0, 12, required=True)
        teacher = v.known_teacher(row, "teacher_id")
        if lesson is not None:
            _check_bell(v, row, lesson)
        valid_from = v.check.date(row, "valid_from")
        valid_to = v.check.date(row, "valid_to")
        if not _ordered(valid_from, valid_to):
            v.check.fail(row, "valid_to", "the lesson stops before it starts")
            continue
        if not (cls and subject and teacher and weekday is not None and lesson is not None):
            continue
        if not row.has("group"):
            same_time = by_time.get((class_key(cls), weekday, lesson), [])
            group = _stored_group(v, row, teacher, same_time)
        place = _place(class_key(cls), fold(subject), fold(group), weekday, lesson)
        if not row.has("valid_from"):
            valid_from = _stored_start(v, row, by_place.get(place, []))
        old = stored_by_key.get((*place, valid_from))
        if old is not None and not row.has("valid_to"):
            valid_to = old.ends  # kept: the clash checks must see the stored end
        if not _ordered(valid_from, valid_to):
            v.check.fail(row, "valid_to", "the lesson stops before it starts")
            continue
        key = (class_key(cls), fold(group), weekday, lesson, valid_from)
        if v.check.duplicate(seen, key, row, "lesson", str(lesson)):
            continue
        v.out.timetable.append(
            TimetableRow(
                row=row,
                class_name=cls,
                group=group,
                weekday=weekday,
                lesson=lesson,
                subject=subject,
                teacher_id=teacher,
                room=v.check.text(row, "room", limit=20),
                valid_from=valid_from,
                valid_to=valid_to,
                keep=v.kept(row, old is not None, "room", "valid_to"),
            )
        )
    _check_clashes(v, v.out.timetable, stored)


def _check_bell(v: _Validation, row: Row, lesson: int) -> None:
    """A lesson number means a time only through the bells (stored or imported now)."""
    if lesson in v.lessons:
        return
    if v.lessons:
        v.check.fail(
            row,
            "lesson",
            "there is no bell for lesson {value}; the bells have lessons {allowed}",
            value=lesson,
            allowed=", ".join(str(n) for n in sorted(v.lessons)),
        )
    else:
        v.check.fail(
            row,
            "lesson",
            "there is no bell for lesson {value}: the school has no bells yet (import bells too)",
            value=lesson,
        )


def _stored_group(v: _Validation, row: Row, teacher: str, same_time: list[_Slot]) -> str:
    """Without the column group, a row is the stored lesson of its class at that time with
    its subject and teacher (say, English group 1 with T2), when there is exactly one."""
    subject = fold(row.get("subject"))
    groups = {s.group_name for s in same_time if s.subject == subject and s.teacher == teacher}
    if len(groups) != 1 or not (group := groups.pop()):
        return ""
    v.tally(row, "group", ABSENT_KEPT)
    return group


def _stored_start(v: _Validation, row: Row, candidates: list[_Slot]) -> dt.date | None:
    """Without the column valid_from, a row is the stored lesson at its place (the current one)."""
    if len(candidates) > 1 and v.today is not None:
        today = v.today
        candidates = [s for s in candidates if s.ends is None or s.ends >= today]
    if len(candidates) != 1:
        return None
    v.tally(row, "valid_from", ABSENT_KEPT)
    return candidates[0].starts


def _check_clashes(v: _Validation, incoming: list[TimetableRow], stored: list[_Slot]) -> None:
    """A teacher or a class in two places at once: in the file, or with the stored timetable.

    Two groups of one class may have lessons at the same time (English group 1 and group 2,
    each with its teacher); the whole class and one of its groups may not, and a teacher may
    not be with two classes or two groups at once. Lessons whose dates do not overlap
    (valid_from / valid_to) never clash.
    """
    new = [
        _Slot(
            row=r.row,
            class_key=class_key(r.class_name),
            class_name=r.class_name,
            group=fold(r.group),
            place=_place(
                class_key(r.class_name), fold(r.subject), fold(r.group), r.weekday, r.lesson
            ),
            teacher=r.teacher_id,
            subject=fold(r.subject),
            group_name=r.group,
            weekday=r.weekday,
            lesson=r.lesson,
            starts=r.valid_from,
            ends=r.valid_to,
        )
        for r in incoming
    ]
    replaced = {s.key for s in new}
    kept = [s for s in stored if s.key not in replaced]
    by_teacher: dict[tuple[str, int, int], list[_Slot]] = defaultdict(list)
    by_class: dict[tuple[str, int, int], list[_Slot]] = defaultdict(list)
    for slot in new + kept:
        by_teacher[(slot.teacher, slot.weekday, slot.lesson)].append(slot)
        by_class[(slot.class_key, slot.weekday, slot.lesson)].append(slot)
    for same_time in by_teacher.values():
        _tell_clashes(v, same_time, teacher=True)
    for same_time in by_class.values():
        _tell_clashes(v, same_time, teacher=False)


def _tell_clashes(v: _Validation, slots: list[_Slot], *, teacher: bool) -> None:
    """Each row of the file is told its first clash: with an earlier row, else a stored one."""
    if len(slots) < 2:
        return
    for i, a in enumerate(slots):
        if a.row is None:
            continue
        others = slots[:i] + [s for s in slots[i + 1 :] if s.row is None]
        clash = next((b for b in others if _clash(a, b, teacher=teacher)), None)
        if clash is None:
            continue
        if teacher and clash.row is not None:
            v.check.fail(
                a.row,
                "teacher_id",
                "teacher {value} already teaches {name} at this time on row {first}",
                value=a.teacher,
                name=clash.class_name,
                first=clash.row.number,
            )
        elif teacher:
            v.check.fail(
                a.row,
                "teacher_id",
                "teacher {value} already teaches {name} at this time in the stored timetable",
                value=a.teacher,
                name=clash.class_name,
            )
        elif clash.row is not None:
            v.check.fail(
                a.row,
                "lesson",
                "class {name} already has a lesson at this time on row {first}",
                name=a.class_name,
                first=clash.row.number,
            )
        else:
            v.check.fail(
                a.row,
                "lesson",
                "class {name} already has a lesson at this time in the stored timetable",
                name=a.class_name,
            )


def _clash(a: _Slot, b: _Slot, *, teacher: bool) -> bool:
    dates_meet = (a.starts is None or b.ends is None or a.starts <= b.ends) and (
        b.starts is None or a.ends is None or b.starts <= a.ends
    )
    if not dates_meet:
        return False
    return teacher or not a.group or not b.group or a.group == b.group


_TABLE_CHECKS: tuple[tuple[str, Callable[[_Validation, Sequence[Row]], None]], ...] = (
    ("staff", _check_staff),
    ("subjects", _check_subjects),
    ("classes", _check_classes),
    ("students", _check_students),
    ("guardians", _check_guardians),
    ("groups", _check_groups),
    ("assignments", _check_assignments),
    ("bells", _check_bells),
    ("periods", _check_periods),
    ("holidays", _check_holidays),
    ("timetable", _check_timetable),
    ("plan", _check_plan),
)
assert tuple(t for t, _ in _TABLE_CHECKS) == TABLE_ORDER
