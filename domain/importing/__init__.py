"""Turning a school's spreadsheets into the journal's records, or into a list of what is wrong.

The rules are import-format.md's: English or Russian headers, two date formats, school keys that
make a re-import update rather than duplicate, and all-or-nothing: one bad row means nothing is
imported and every bad row is named with its column and reason.

Validation reads nothing but the rows and a snapshot of what the school already has, so it is
pure and runs before a single row is written.
"""

from __future__ import annotations

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
from domain.importing.checker import AHEAD, EARLIEST_BIRTH
from domain.importing.columns import (
    BOOL_NAMES,
    GRADING_NAMES,
    NAME_COLUMNS,
    PERIOD_KIND_NAMES,
    ROLE_NAMES,
    TABLE_ALIASES,
    TABLE_ORDER,
    TABLES,
    Column,
    table_for_name,
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
from domain.importing.problems import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    MAX_ROWS,
    MAX_UNPACKED_MB,
    ImportProblem,
    ImportRejected,
    RawTable,
)
from domain.importing.reading import ParsedTables, Row, read_rows
from domain.importing.snapshot import SchoolSnapshot, latest_enrolments
from domain.importing.validated import (
    AssignmentRow,
    BellRow,
    ClassRow,
    GroupRow,
    GuardianRow,
    HolidayRow,
    PeriodRow,
    PlanRow,
    StaffRow,
    StudentRow,
    SubjectRow,
    TimetableRow,
    ValidatedImport,
)
from domain.importing.validation import validate

__all__ = [
    "ABSENT_KEPT",
    "AHEAD",
    "BOOL_NAMES",
    "CLASSES_NORMALISED",
    "EARLIEST_BIRTH",
    "EMPTY_KEPT",
    "EMPTY_REFUSED",
    "GRADING_NAMES",
    "IDS_AMBIGUOUS",
    "IDS_RESOLVED",
    "INVISIBLE",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_FILE_MB",
    "MAX_ROWS",
    "MAX_UNPACKED_MB",
    "NAME_COLUMNS",
    "PERIOD_KIND_NAMES",
    "PHONES_NORMALISED",
    "PHONE_EXAMPLE",
    "ROLE_NAMES",
    "TABLES",
    "TABLE_ALIASES",
    "TABLE_ORDER",
    "AssignmentRow",
    "BellRow",
    "CellError",
    "ClassRow",
    "Column",
    "GroupRow",
    "GuardianRow",
    "HolidayRow",
    "ImportProblem",
    "ImportRejected",
    "ParsedTables",
    "PeriodRow",
    "PlanRow",
    "RawTable",
    "Row",
    "SchoolSnapshot",
    "StaffRow",
    "StudentRow",
    "SubjectRow",
    "TimetableRow",
    "ValidatedImport",
    "class_key",
    "class_name",
    "clean_name",
    "fold",
    "id_key",
    "latest_enrolments",
    "parse_choice",
    "parse_date",
    "parse_grades",
    "parse_hours",
    "parse_int",
    "parse_phone",
    "parse_time",
    "read_rows",
    "school_key",
    "table_for_name",
    "validate",
]
