"""What an import is given and what it says is wrong: raw tables, problems, limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
