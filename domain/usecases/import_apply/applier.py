"""Write a validated import: one applier step per table, in the order the tables need.

A re-import updates rows with the same school key and adds new ones; it never duplicates and
never deletes.
"""

from __future__ import annotations

from domain.importing import ValidatedImport
from domain.usecases.import_apply import groups, people, school, teaching, timetable
from domain.usecases.import_apply.state import ApplyState


class Applier(ApplyState):
    """Runs the steps over the shared state (`state.ApplyState`), table by table."""

    async def apply(self, v: ValidatedImport) -> None:
        """Each table in the order its keys are needed (classes need staff, pupils classes)."""
        steps = (
            (v.staff, people.apply_staff),
            (v.subjects, school.apply_subjects),
            (v.classes, school.apply_classes),
            (v.students, people.apply_students),
            (v.guardians, people.apply_guardians),
            (v.groups, groups.apply_groups),
            (v.assignments, teaching.apply_assignments),
            (v.bells, school.apply_bells),
            (v.periods or v.holidays, school.apply_years),
            (v.periods, school.apply_periods),
            (v.holidays, school.apply_holidays),
            (v.timetable, timetable.apply_timetable),
            (v.plan, teaching.apply_plan),
        )
        for rows, step in steps:
            if rows:
                await step(self, v)
