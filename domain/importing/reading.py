"""Raw tables into rows by canonical column, with the header problems named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.importing.columns import TABLES, column_lookup, header_key
from domain.importing.problems import MAX_CELL_CHARS, MAX_ROWS, ImportProblem, RawTable

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
    lookup = column_lookup(columns)
    mapping: dict[int, str] = {}
    refusals: list[ImportProblem] = []
    unknown: list[ImportProblem] = []
    for index, title in enumerate(raw.header):
        if not title.strip():
            continue
        canonical = lookup.get(header_key(title))
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
