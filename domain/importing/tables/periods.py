"""The check of the periods table."""

from __future__ import annotations

from collections.abc import Sequence

from domain.importing.cells import parse_choice, parse_grades
from domain.importing.checker import Validation
from domain.importing.columns import PERIOD_KIND_NAMES
from domain.importing.keys import fold
from domain.importing.reading import Row
from domain.importing.validated import PeriodRow
from domain.model import GradeRange, PeriodKind, SchoolYear


def check_periods(v: Validation, rows: Sequence[Row]) -> None:
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


def _check_overlaps(v: Validation, periods: list[PeriodRow]) -> None:
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
