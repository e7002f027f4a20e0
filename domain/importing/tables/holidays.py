"""The check of the holidays table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.importing.cells import parse_grades
from domain.importing.checker import Validation
from domain.importing.keys import fold
from domain.importing.messages import ABSENT_KEPT
from domain.importing.reading import Row
from domain.importing.validated import HolidayRow
from domain.model import ALL_GRADES, GradeRange, Holiday, SchoolYear


def check_holidays(v: Validation, rows: Sequence[Row]) -> None:
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
