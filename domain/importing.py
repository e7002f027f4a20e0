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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

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
            source, row, column, message, tuple((k, str(v)) for k, v in params.items())
        )


class ImportRejected(Exception):
    """Nothing was imported; `problems` says why."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the import")
        self.problems = list(problems)


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
    return re.sub(r"\s+", " ", text.replace("\ufeff", "").strip().casefold().replace("ё", "е"))


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


# --------------------------------------------------------------------------- cell parsing


class CellError(ValueError):
    """A cell that cannot be read; the message is a msgid, params fill it."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def parse_date(text: str) -> dt.date:
    text = text.strip()
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", "dmy"),
    ):
        m = re.fullmatch(pattern, text)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise CellError("{value} is not a real date", value=text) from None
    raise CellError("{value} is not a date: write YYYY-MM-DD or DD.MM.YYYY", value=text)


def parse_time(text: str) -> dt.time:
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::00)?", text.strip())
    if m:
        hours, minutes = int(m.group(1)), int(m.group(2))
        if hours < 24 and minutes < 60:
            return dt.time(hours, minutes)
    raise CellError("{value} is not a time: write HH:MM", value=text)


def parse_int(text: str, low: int, high: int) -> int:
    cleaned = text.strip()
    if re.fullmatch(r"\d+(\.0+)?", cleaned):
        value = int(cleaned.split(".")[0])
        if low <= value <= high:
            return value
    raise CellError(
        "{value} is not a whole number from {low} to {high}", value=text, low=low, high=high
    )


def parse_grades(text: str) -> GradeRange:
    try:
        return GradeRange.parse(text)
    except ValueError:
        raise CellError("{value} is not a grade range such as 5-9", value=text) from None


def parse_choice(text: str, names: dict[str, object]) -> object:
    key = text.strip().casefold()
    if key in names:
        return names[key]
    allowed = ", ".join(dict.fromkeys(k for k in names if k))
    raise CellError("{value} is not one of: {allowed}", value=text, allowed=allowed)


def parse_hours(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise CellError("{value} is not a number of hours", value=text) from None
    if not (Decimal(0) < value <= Decimal(40)) or value != value.quantize(Decimal("0.5")):
        raise CellError("{value} is not a number of hours", value=text)
    return value.quantize(Decimal("0.5"))


def _name(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip())


def _fold(text: str) -> str:
    """Keys of names compare without case, extra spaces or ё/е differences."""
    return _name(text).casefold().replace("ё", "е")


def class_key(text: str) -> str:
    """«5 а», «5А» and «5a» (Latin) name the same class."""
    cleaned = re.sub(r"[\s\-]+", "", text.strip()).upper()
    return cleaned.translate(str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ"))


# --------------------------------------------------------------------------- parsed rows


@dataclass(slots=True)
class Row:
    """A row with cells by canonical column name, and where it came from."""

    source: str
    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


@dataclass(slots=True)
class ParsedTables:
    tables: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)


def read_rows(raw_tables: Sequence[RawTable]) -> ParsedTables:
    """Map headers onto canonical columns and drop blank rows; report header problems."""
    result = ParsedTables()
    for raw in raw_tables:
        if not any(h.strip() for h in raw.header) and not any(
            any(c.strip() for c in cells) for _, cells in raw.rows
        ):
            continue  # a blank sheet: the school has nothing for this table
        columns = TABLES[raw.table]
        lookup = _column_lookup(columns)
        mapping: dict[int, str] = {}
        header_ok = True
        for index, title in enumerate(raw.header):
            if not title.strip():
                continue
            canonical = lookup.get(_header_key(title))
            if canonical is None:
                result.problems.append(
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
                header_ok = False
            elif canonical in mapping.values():
                result.problems.append(
                    ImportProblem.of(
                        raw.source,
                        1,
                        title.strip(),
                        "column {column} appears twice",
                        column=canonical,
                    )
                )
                header_ok = False
            else:
                mapping[index] = canonical
        for col in columns:
            if col.required and col.name not in mapping.values():
                result.problems.append(
                    ImportProblem.of(
                        raw.source,
                        1,
                        col.name,
                        "required column {column} is missing",
                        column=col.name,
                    )
                )
                header_ok = False
        if raw.table == "plan" and header_ok and not {"grade", "class"} & set(mapping.values()):
            result.problems.append(
                ImportProblem.of(raw.source, 1, "grade", "column grade or class is required")
            )
            header_ok = False
        if not header_ok:
            continue
        rows = result.tables.setdefault(raw.table, [])
        for number, cells in raw.rows:
            if not any(c.strip() for c in cells):
                continue
            rows.append(
                Row(
                    raw.source, number, {mapping[i]: v for i, v in enumerate(cells) if i in mapping}
                )
            )
    return result


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


# --------------------------------------------------------------------------- validation


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

    def text(self, row: Row, column: str, *, required: bool = False, limit: int = 200) -> str:
        value = _name(row.get(column))
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

    def fail(self, row: Row, column: str | None, message: str, /, **params: object) -> None:
        self.problems.append(ImportProblem.of(row.source, row.number, column, message, **params))


@dataclass(slots=True)
class StaffRow:
    row: Row
    external_id: str
    last_name: str
    first_name: str
    middle_name: str
    roles: frozenset[Role]
    deputy_grades: GradeRange | None


@dataclass(slots=True)
class SubjectRow:
    row: Row
    name: str
    short_name: str
    grading: Grading


@dataclass(slots=True)
class ClassRow:
    row: Row
    name: str
    grade: int
    class_teacher: str


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


@dataclass(slots=True)
class ValidatedImport:
    """Rows that passed every check, by table, ready to be applied."""

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

    def tables(self) -> list[str]:
        return [t for t in TABLE_ORDER if getattr(self, t)]


def _ordered(start: dt.date | None, end: dt.date | None) -> bool:
    return start is None or end is None or start <= end


def validate(raw_tables: Sequence[RawTable], snapshot: SchoolSnapshot) -> ValidatedImport:
    """Check every row against the format and against the school; raise ImportRejected."""
    parsed = read_rows(raw_tables)
    problems = parsed.problems
    check = _Checker(problems)
    out = ValidatedImport()
    tables = parsed.tables

    def duplicate(seen: dict[object, Row], key: object, row: Row, column: str, value: str) -> bool:
        first = seen.get(key)
        if first is not None:
            check.fail(
                row, column, "{value} is already on row {first}", value=value, first=first.number
            )
            return True
        seen[key] = row
        return False

    # staff ---------------------------------------------------------------------------
    seen: dict[object, Row] = {}
    for row in tables.get("staff", []):
        ext = check.text(row, "id", required=True, limit=64)
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
        grades = check.cell(row, "deputy_grades", parse_grades)
        if grades is not None and Role.DEPUTY not in roles:
            check.fail(row, "deputy_grades", "deputy grades are given but the role deputy is not")
        item = StaffRow(
            row,
            ext,
            check.text(row, "last_name", required=True),
            check.text(row, "first_name", required=True),
            check.text(row, "middle_name"),
            frozenset(roles),
            grades if isinstance(grades, GradeRange) else None,
        )
        if ext and not duplicate(seen, ext, row, "id", ext):
            out.staff.append(item)

    staff_roles: dict[str, frozenset[Role]] = {s.external_id: s.roles for s in snapshot.staff}
    staff_roles.update({s.external_id: s.roles for s in out.staff})

    # subjects ------------------------------------------------------------------------
    seen = {}
    for row in tables.get("subjects", []):
        name = check.text(row, "name", required=True, limit=100)
        grading = check.cell(row, "grading", lambda t: parse_choice(t, GRADING_NAMES))
        item = SubjectRow(
            row,
            name,
            check.text(row, "short_name", limit=20),
            grading if isinstance(grading, Grading) else Grading.MARKS,
        )
        if name and not duplicate(seen, _fold(name), row, "name", name):
            out.subjects.append(item)
    subjects = {_fold(s.name) for s in snapshot.subjects} | {_fold(s.name) for s in out.subjects}

    # classes -------------------------------------------------------------------------
    seen = {}
    for row in tables.get("classes", []):
        name = check.text(row, "name", required=True, limit=20)
        grade = check.cell(row, "grade", lambda t: parse_int(t, 1, 11), required=True)
        teacher = check.text(row, "class_teacher", limit=64)
        if teacher and teacher not in staff_roles:
            check.fail(row, "class_teacher", "no staff member has the id {value}", value=teacher)
        digits = re.match(r"^(\d{1,2})", class_key(name))
        if digits and isinstance(grade, int) and int(digits.group(1)) != grade:
            check.fail(row, "grade", "class {name} is not in grade {grade}", name=name, grade=grade)
        if (
            name
            and isinstance(grade, int)
            and not duplicate(seen, class_key(name), row, "name", name)
        ):
            out.classes.append(ClassRow(row, name, grade, teacher))
    class_grades: dict[str, int] = {class_key(c.name): c.grade for c in snapshot.classes}
    class_grades.update({class_key(c.name): c.grade for c in out.classes})

    def known_class(row: Row, column: str) -> str:
        name = check.text(row, column, required=True, limit=20)
        if name and class_key(name) not in class_grades:
            check.fail(row, column, "there is no class {value}", value=name)
        return name

    def known_subject(row: Row, column: str = "subject") -> str:
        name = check.text(row, column, required=True, limit=100)
        if name and _fold(name) not in subjects:
            check.fail(row, column, "there is no subject {value}", value=name)
        return name

    def known_teacher(row: Row, column: str) -> str:
        ext = check.text(row, column, required=True, limit=64)
        if ext and ext not in staff_roles:
            check.fail(row, column, "no staff member has the id {value}", value=ext)
        elif ext and Role.TEACHER not in staff_roles[ext]:
            check.fail(row, column, "staff member {value} is not a teacher", value=ext)
        return ext

    # students ------------------------------------------------------------------------
    seen = {}
    pupil_class: dict[str, str] = {}
    class_by_id = {c.id: c for c in snapshot.classes}
    latest = latest_enrolments(snapshot.enrolments)
    for pupil in snapshot.pupils:
        enrolment = latest.get(pupil.id)
        if enrolment is not None and enrolment.class_id in class_by_id:
            pupil_class[pupil.external_id] = class_key(class_by_id[enrolment.class_id].name)
        else:
            pupil_class.setdefault(pupil.external_id, "")
    for row in tables.get("students", []):
        ext = check.text(row, "id", required=True, limit=64)
        cls = known_class(row, "class")
        birth = check.cell(row, "birth_date", parse_date)
        enrolled = check.cell(row, "enrolled_on", parse_date)
        left = check.cell(row, "left_on", parse_date)
        home = check.cell(row, "home_schooled", lambda t: parse_choice(t, BOOL_NAMES))
        if isinstance(enrolled, dt.date) and isinstance(left, dt.date) and left < enrolled:
            check.fail(row, "left_on", "the pupil leaves before arriving")
        if isinstance(birth, dt.date) and isinstance(enrolled, dt.date) and birth >= enrolled:
            check.fail(row, "birth_date", "the pupil is born after arriving")
        item = StudentRow(
            row,
            ext,
            cls,
            check.text(row, "last_name", required=True),
            check.text(row, "first_name", required=True),
            check.text(row, "middle_name"),
            birth if isinstance(birth, dt.date) else None,
            enrolled if isinstance(enrolled, dt.date) else None,
            left if isinstance(left, dt.date) else None,
            bool(home),
        )
        if ext and not duplicate(seen, ext, row, "id", ext):
            out.students.append(item)
            pupil_class[ext] = class_key(cls)

    # guardians -----------------------------------------------------------------------
    seen = {}
    guardian_names: dict[str, tuple[tuple[str, str, str], Row]] = {
        g.external_id: (
            (_fold(g.last_name), _fold(g.first_name), _fold(g.middle_name)),
            Row("", 0, {}),
        )
        for g in snapshot.guardians
    }
    for row in tables.get("guardians", []):
        ext = check.text(row, "id", required=True, limit=64)
        student = check.text(row, "student_id", required=True, limit=64)
        if student and student not in pupil_class:
            check.fail(row, "student_id", "there is no pupil with the id {value}", value=student)
        item = GuardianRow(
            row,
            ext,
            student,
            check.text(row, "last_name", required=True),
            check.text(row, "first_name", required=True),
            check.text(row, "middle_name"),
            check.text(row, "relation", limit=50),
            check.text(row, "phone", limit=30),
        )
        if ext:
            names = (_fold(item.last_name), _fold(item.first_name), _fold(item.middle_name))
            earlier = guardian_names.get(ext)
            if earlier is not None and earlier[1].number and earlier[0] != names:
                check.fail(
                    row,
                    "last_name",
                    "guardian {value} has another name on row {first}",
                    value=ext,
                    first=earlier[1].number,
                )
            else:
                guardian_names[ext] = (names, row)
        if ext and student and not duplicate(seen, (ext, student), row, "student_id", student):
            out.guardians.append(item)

    # groups --------------------------------------------------------------------------
    seen = {}
    group_keys: set[tuple[str, str, str]] = set()
    subject_by_id = {s.id: s for s in snapshot.subjects}
    for sg in snapshot.subgroups:
        if sg.class_id in class_by_id and sg.subject_id in subject_by_id:
            group_keys.add(
                (
                    class_key(class_by_id[sg.class_id].name),
                    _fold(subject_by_id[sg.subject_id].name),
                    _fold(sg.name),
                )
            )
    for row in tables.get("groups", []):
        cls = known_class(row, "class")
        subject = known_subject(row)
        group = check.text(row, "group", required=True, limit=50)
        student = check.text(row, "student_id", required=True, limit=64)
        if student and student not in pupil_class:
            check.fail(row, "student_id", "there is no pupil with the id {value}", value=student)
        elif student and cls and pupil_class[student] != class_key(cls):
            check.fail(
                row, "student_id", "pupil {value} is not in class {name}", value=student, name=cls
            )
        key = (class_key(cls), _fold(subject), student)
        if (
            cls
            and subject
            and group
            and student
            and not duplicate(seen, key, row, "student_id", student)
        ):
            out.groups.append(GroupRow(row, cls, subject, group, student))
            group_keys.add((class_key(cls), _fold(subject), _fold(group)))

    def known_group(row: Row, cls: str, subject: str) -> str:
        group = check.text(row, "group", limit=50)
        if (
            group
            and cls
            and subject
            and (class_key(cls), _fold(subject), _fold(group)) not in group_keys
        ):
            check.fail(
                row,
                "group",
                "class {name} has no group {value} in {subject}",
                name=cls,
                value=group,
                subject=subject,
            )
        return group

    # assignments ---------------------------------------------------------------------
    seen = {}
    for row in tables.get("assignments", []):
        teacher = known_teacher(row, "teacher_id")
        subject = known_subject(row)
        cls = known_class(row, "class")
        group = known_group(row, cls, subject)
        hours = check.cell(row, "hours_per_week", parse_hours, required=True)
        key = (teacher, _fold(subject), class_key(cls), _fold(group))
        if (
            teacher
            and subject
            and cls
            and isinstance(hours, Decimal)
            and not duplicate(seen, key, row, "teacher_id", teacher)
        ):
            out.assignments.append(AssignmentRow(row, teacher, subject, cls, group, hours))

    # bells ---------------------------------------------------------------------------
    seen = {}
    for row in tables.get("bells", []):
        lesson = check.cell(row, "lesson", lambda t: parse_int(t, 0, 12), required=True)
        starts = check.cell(row, "starts", parse_time, required=True)
        ends = check.cell(row, "ends", parse_time, required=True)
        shift = check.cell(row, "shift", lambda t: parse_int(t, 1, 3)) or 1
        if isinstance(starts, dt.time) and isinstance(ends, dt.time) and starts >= ends:
            check.fail(row, "ends", "the lesson ends before it starts")
        elif isinstance(lesson, int) and isinstance(starts, dt.time) and isinstance(ends, dt.time):
            if not duplicate(seen, (shift, lesson), row, "lesson", str(lesson)):
                out.bells.append(BellRow(row, lesson, starts, ends, int(shift)))  # type: ignore[arg-type]

    # periods -------------------------------------------------------------------------
    seen = {}
    for row in tables.get("periods", []):
        name = check.text(row, "name", required=True, limit=50)
        kind = check.cell(row, "kind", lambda t: parse_choice(t, PERIOD_KIND_NAMES), required=True)
        grades = check.cell(row, "grades", parse_grades, required=True)
        starts = check.cell(row, "starts", parse_date, required=True)
        ends = check.cell(row, "ends", parse_date, required=True)
        if isinstance(starts, dt.date) and isinstance(ends, dt.date):
            if starts > ends:
                check.fail(row, "ends", "the period ends before it starts")
                continue
            if SchoolYear.name_for(starts) != SchoolYear.name_for(ends):
                check.fail(row, "ends", "the period runs into the next school year")
                continue
        if (
            name
            and isinstance(kind, PeriodKind)
            and isinstance(grades, GradeRange)
            and isinstance(starts, dt.date)
            and isinstance(ends, dt.date)
        ):
            key = (SchoolYear.name_for(starts), _fold(name), str(grades))
            if not duplicate(seen, key, row, "name", name):
                out.periods.append(PeriodRow(row, name, kind, grades, starts, ends))
    _check_overlaps(out.periods, check)

    # holidays ------------------------------------------------------------------------
    seen = {}
    for row in tables.get("holidays", []):
        name = check.text(row, "name", required=True, limit=100)
        starts = check.cell(row, "starts", parse_date, required=True)
        ends = check.cell(row, "ends", parse_date, required=True)
        grades = check.cell(row, "grades", parse_grades) or ALL_GRADES
        if isinstance(starts, dt.date) and isinstance(ends, dt.date) and starts > ends:
            check.fail(row, "ends", "the holiday ends before it starts")
            continue
        if name and isinstance(starts, dt.date) and isinstance(ends, dt.date):
            key = (SchoolYear.name_for(starts), _fold(name), str(grades))
            if not duplicate(seen, key, row, "name", name):
                out.holidays.append(HolidayRow(row, name, starts, ends, grades))  # type: ignore[arg-type]

    # timetable -----------------------------------------------------------------------
    seen = {}
    for row in tables.get("timetable", []):
        cls = known_class(row, "class")
        subject = known_subject(row)
        group = known_group(row, cls, subject)
        weekday = check.cell(row, "weekday", lambda t: parse_int(t, 1, 6), required=True)
        lesson = check.cell(row, "lesson", lambda t: parse_int(t, 0, 12), required=True)
        teacher = known_teacher(row, "teacher_id")
        valid_from = check.cell(row, "valid_from", parse_date)
        valid_to = check.cell(row, "valid_to", parse_date)
        if not _ordered(valid_from, valid_to):  # type: ignore[arg-type]
            check.fail(row, "valid_to", "the lesson stops before it starts")
            continue
        if cls and subject and teacher and isinstance(weekday, int) and isinstance(lesson, int):
            key = (class_key(cls), _fold(group), weekday, lesson, valid_from)
            if not duplicate(seen, key, row, "lesson", str(lesson)):
                out.timetable.append(
                    TimetableRow(
                        row,
                        cls,
                        group,
                        weekday,
                        lesson,
                        subject,
                        teacher,
                        check.text(row, "room", limit=20),
                        valid_from if isinstance(valid_from, dt.date) else None,
                        valid_to if isinstance(valid_to, dt.date) else None,
                    )
                )

    # plan ----------------------------------------------------------------------------
    seen = {}
    for row in tables.get("plan", []):
        subject = known_subject(row)
        grade = check.cell(row, "grade", lambda t: parse_int(t, 1, 11))
        cls = ""
        if row.get("class"):
            cls = known_class(row, "class")
        if grade is None and not cls:
            check.fail(row, "grade", "give the grade or the class")
        number = check.cell(row, "number", lambda t: parse_int(t, 1, 1000), required=True)
        topic = check.text(row, "topic", required=True, limit=500)
        hours = check.cell(row, "hours", lambda t: parse_int(t, 1, 20)) or 1
        kind = check.text(row, "kind", limit=50)
        if subject and topic and isinstance(number, int) and (grade is not None or cls):
            key = (_fold(subject), class_key(cls) if cls else grade, number)
            if not duplicate(seen, key, row, "number", str(number)):
                out.plan.append(
                    PlanRow(
                        row,
                        subject,
                        grade if isinstance(grade, int) else None,
                        cls,
                        number,
                        topic,
                        int(hours),
                        kind,
                    )  # type: ignore[arg-type]
                )

    if problems:
        raise ImportRejected(problems)
    return out


def _check_overlaps(periods: list[PeriodRow], check: _Checker) -> None:
    """Two terms of the same kind for the same grade may not overlap."""
    for i, a in enumerate(periods):
        for b in periods[i + 1 :]:
            if a.kind != b.kind or a.kind == PeriodKind.YEAR:
                continue
            grades_meet = a.grades.first <= b.grades.last and b.grades.first <= a.grades.last
            if grades_meet and a.starts <= b.ends and b.starts <= a.ends:
                check.fail(
                    b.row,
                    "starts",
                    "the period overlaps {name} on row {first}",
                    name=a.name,
                    first=a.row.number,
                )
