"""The figures the report screens show, worked out from the reports, so that a messenger's
screen only renders them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.usecases.class_teacher import AttendanceLine
from domain.usecases.control import ControlReport, Figures

LEAST_ON_TIME = 5  # the teachers the control screen names as filling in least on time


@dataclass(frozen=True, slots=True)
class AttendanceTotals:
    """A class's absences over a report's days, summed over its pupils."""

    lessons_missed: int
    days_missed: int
    ill: int
    valid: int
    no_reason: int
    unknown: int
    late: int


def attendance_totals(lines: Iterable[AttendanceLine]) -> AttendanceTotals:
    rows = list(lines)
    return AttendanceTotals(
        lessons_missed=sum(a.lessons_missed for a in rows),
        days_missed=sum(a.days_missed for a in rows),
        ill=sum(a.ill for a in rows),
        valid=sum(a.valid for a in rows),
        no_reason=sum(a.no_reason for a in rows),
        unknown=sum(a.unknown for a in rows),
        late=sum(a.late for a in rows),
    )


def least_on_time(report: ControlReport, count: int = LEAST_ON_TIME) -> list[Figures]:
    """The teachers with the smallest share of lessons filled in on time, fewest first; those
    with no lessons due have no share and are left out."""
    rated: list[tuple[Decimal, Figures]] = [
        (f.on_time_pct, f) for f in report.teachers if f.on_time_pct is not None
    ]
    rated.sort(key=lambda pair: pair[0])
    return [f for _, f in rated[:count]]
