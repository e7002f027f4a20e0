"""The check of the bells table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from domain.importing.cells import parse_time
from domain.importing.checker import Validation
from domain.importing.reading import Row
from domain.importing.validated import BellRow


def check_bells(v: Validation, rows: Sequence[Row]) -> None:
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
