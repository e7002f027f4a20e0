"""The check of the subjects table."""

from __future__ import annotations

from collections.abc import Sequence

from domain.importing.cells import parse_choice
from domain.importing.checker import Validation
from domain.importing.columns import GRADING_NAMES
from domain.importing.keys import fold
from domain.importing.reading import Row
from domain.importing.validated import SubjectRow
from domain.model import Grading


def check_subjects(v: Validation, rows: Sequence[Row]) -> None:
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
