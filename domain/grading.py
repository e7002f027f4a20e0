"""How marks add up to a term mark: the school's grading settings and the arithmetic.

All arithmetic is in `Decimal`, because a mean of 3.5 must round the same way every time and
on every database; floats would put 3.4999… on the wrong side of a threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from domain.stored import as_int, as_items

# Mark values that are not numbers, as the journal writes them.
PASS = "зач"
FAIL = "незач"
NOT_ASSESSED = "н/а"
EXEMPT = "осв"
# Count towards the minimum number of marks, not in the mean.
PASS_FAIL = (PASS, FAIL)

THRESHOLD_PRESETS: dict[str, tuple[Decimal, Decimal, Decimal]] = {
    "standard": (Decimal("2.5"), Decimal("3.5"), Decimal("4.5")),
    "strict": (Decimal("2.65"), Decimal("3.65"), Decimal("4.65")),
    "lenient": (Decimal("2.4"), Decimal("3.4"), Decimal("4.4")),
}


@dataclass(frozen=True, slots=True)
class DefaultWorkKind:
    code: str
    name: str
    weight: Decimal
    written: bool


# Kinds of work and weights from product.md; a school edits them in its settings.
DEFAULT_WORK_KINDS: tuple[DefaultWorkKind, ...] = (
    DefaultWorkKind(code="oral", name="Устный ответ", weight=Decimal("1"), written=False),
    DefaultWorkKind(code="homework", name="Домашняя работа", weight=Decimal("1"), written=False),
    DefaultWorkKind(code="classwork", name="Работа на уроке", weight=Decimal("1"), written=False),
    DefaultWorkKind(
        code="independent", name="Самостоятельная работа", weight=Decimal("1.5"), written=True
    ),
    DefaultWorkKind(code="test", name="Тест", weight=Decimal("1.5"), written=True),
    DefaultWorkKind(
        code="practical", name="Практическая работа", weight=Decimal("1.5"), written=True
    ),
    DefaultWorkKind(
        code="laboratory", name="Лабораторная работа", weight=Decimal("1.5"), written=True
    ),
    DefaultWorkKind(code="check", name="Проверочная работа", weight=Decimal("1.5"), written=True),
    DefaultWorkKind(code="dictation", name="Диктант", weight=Decimal("2"), written=True),
    DefaultWorkKind(code="essay", name="Сочинение", weight=Decimal("2"), written=True),
    DefaultWorkKind(code="control", name="Контрольная работа", weight=Decimal("2"), written=True),
    DefaultWorkKind(code="credit", name="Зачёт", weight=Decimal("2"), written=True),
    DefaultWorkKind(
        code="final", name="Итоговая контрольная работа", weight=Decimal("3"), written=True
    ),
    DefaultWorkKind(
        code="diagnostic", name="Диагностическая работа", weight=Decimal("3"), written=True
    ),
    DefaultWorkKind(code="exam", name="Экзамен", weight=Decimal("3"), written=True),
)


@dataclass(frozen=True, slots=True)
class GradingSettings:
    """A school's grading rules; the defaults are the seed regulation's."""

    lowest_mark: int = 2
    thresholds: tuple[Decimal, Decimal, Decimal] = THRESHOLD_PRESETS["standard"]
    min_marks_one_hour: int = 3
    min_marks_more_hours: int = 5
    not_assessed_absence_share: Decimal = Decimal("0.5")
    first_grade_marks: bool = False
    extra_values: tuple[str, ...] = field(default=(NOT_ASSESSED, EXEMPT))

    def __post_init__(self) -> None:
        if self.lowest_mark not in (1, 2):
            raise ValueError("lowest mark must be 1 or 2")
        t = self.thresholds
        if not (Decimal(2) <= t[0] < t[1] < t[2] <= Decimal(5)):
            raise ValueError("thresholds must rise between 2 and 5")

    @property
    def scale(self) -> tuple[str, ...]:
        """Numeric marks, best first, as a teacher taps them."""
        return tuple(str(v) for v in range(5, self.lowest_mark - 1, -1))

    def values_for(self, grading: str) -> tuple[str, ...]:
        """Every value a mark in a subject of this grading kind may take."""
        if grading == "marks":
            return self.scale
        if grading == "pass_fail":
            return PASS_FAIL
        return ()

    def minimum_marks(self, hours_per_week: Decimal) -> int:
        return self.min_marks_one_hour if hours_per_week <= 1 else self.min_marks_more_hours

    def marks_allowed_in(self, grade: int) -> bool:
        return grade != 1 or self.first_grade_marks

    def to_dict(self) -> dict[str, object]:
        return {
            "lowest_mark": self.lowest_mark,
            "thresholds": [str(t) for t in self.thresholds],
            "min_marks_one_hour": self.min_marks_one_hour,
            "min_marks_more_hours": self.min_marks_more_hours,
            "not_assessed_absence_share": str(self.not_assessed_absence_share),
            "first_grade_marks": self.first_grade_marks,
            "extra_values": list(self.extra_values),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> GradingSettings:
        if not data:
            return cls()
        base = cls()
        thresholds = base.thresholds
        if data.get("thresholds"):
            low, mid, high = (Decimal(str(t)) for t in as_items(data["thresholds"]))
            thresholds = (low, mid, high)
        return cls(
            lowest_mark=as_int(data.get("lowest_mark", base.lowest_mark)),
            thresholds=thresholds,
            min_marks_one_hour=as_int(data.get("min_marks_one_hour", 3)),
            min_marks_more_hours=as_int(data.get("min_marks_more_hours", 5)),
            not_assessed_absence_share=Decimal(
                str(data.get("not_assessed_absence_share", base.not_assessed_absence_share))
            ),
            first_grade_marks=bool(data.get("first_grade_marks", False)),
            extra_values=tuple(
                str(v) for v in as_items(data.get("extra_values", base.extra_values))
            ),
        )


@dataclass(frozen=True, slots=True)
class WeightedMark:
    value: str
    weight: Decimal


def numeric(value: str) -> int | None:
    """The number behind a mark, or None for «зач», «н/а» and the like."""
    return int(value) if value.isdigit() else None


def weighted_mean(marks: Iterable[WeightedMark]) -> Decimal | None:
    """Σ(mark × weight) / Σ weight over numeric marks, to 2 places; None without marks."""
    total = Decimal(0)
    weights = Decimal(0)
    for mark in marks:
        n = numeric(mark.value)
        if n is None:
            continue
        total += n * mark.weight
        weights += mark.weight
    if weights == 0:
        return None
    return (total / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def exact_weighted_mean(marks: Iterable[WeightedMark]) -> Decimal | None:
    """Unrounded mean, for comparing against thresholds without double rounding."""
    total = Decimal(0)
    weights = Decimal(0)
    for mark in marks:
        n = numeric(mark.value)
        if n is None:
            continue
        total += n * mark.weight
        weights += mark.weight
    return None if weights == 0 else total / weights


def mark_for_mean(mean: Decimal, settings: GradingSettings) -> int:
    """The mark a mean gives: at or above a threshold rounds up (3.5 → 4 by default)."""
    low, mid, high = settings.thresholds
    if mean >= high:
        return 5
    if mean >= mid:
        return 4
    if mean >= low:
        return 3
    return 2 if settings.lowest_mark == 2 or mean >= Decimal("1.5") else 1


@dataclass(frozen=True, slots=True)
class TermMarkSuggestion:
    value: str | None
    mean: Decimal | None
    marks_count: int
    minimum_marks: int
    absence_share: Decimal

    @property
    def too_few_marks(self) -> bool:
        return self.marks_count < self.minimum_marks


def suggest_term_mark(
    marks: Sequence[WeightedMark],
    *,
    settings: GradingSettings,
    hours_per_week: Decimal,
    lessons_held: int,
    lessons_missed: int,
    grading: str = "marks",
) -> TermMarkSuggestion:
    """What the journal proposes; the teacher confirms or overrides it.

    «н/а» when the pupil has fewer than the minimum of marks and missed more than half of the
    lessons; otherwise the mark of the weighted mean (flagged when marks are too few).
    """
    minimum = settings.minimum_marks(hours_per_week)
    share = (Decimal(lessons_missed) / Decimal(lessons_held)) if lessons_held else Decimal(0)
    counted = [m for m in marks if numeric(m.value) is not None or m.value in PASS_FAIL]
    if len(counted) < minimum and share > settings.not_assessed_absence_share:
        return TermMarkSuggestion(
            value=NOT_ASSESSED,
            mean=None,
            marks_count=len(counted),
            minimum_marks=minimum,
            absence_share=share,
        )
    if grading == "pass_fail":
        if not counted:
            return TermMarkSuggestion(
                value=None, mean=None, marks_count=0, minimum_marks=minimum, absence_share=share
            )
        passed = sum(1 for m in counted if m.value == PASS)
        value = PASS if passed * 2 >= len(counted) else FAIL
        return TermMarkSuggestion(
            value=value,
            mean=None,
            marks_count=len(counted),
            minimum_marks=minimum,
            absence_share=share,
        )
    mean = exact_weighted_mean(marks)
    if mean is None:
        return TermMarkSuggestion(
            value=None,
            mean=None,
            marks_count=len(counted),
            minimum_marks=minimum,
            absence_share=share,
        )
    shown = mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return TermMarkSuggestion(
        value=str(mark_for_mean(mean, settings)),
        mean=shown,
        marks_count=len(counted),
        minimum_marks=minimum,
        absence_share=share,
    )


def year_mark(period_marks: Sequence[str]) -> str | None:
    """Mean of the period marks; a tie (x.5) goes in the pupil's favour."""
    numbers = [n for n in (numeric(v) for v in period_marks) if n is not None]
    if not numbers:
        if period_marks and all(v == PASS for v in period_marks):
            return PASS
        return None
    mean = Decimal(sum(numbers)) / Decimal(len(numbers))
    return str(int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


# When term marks are set and seen (product.md: «at the end of a period parents view the term
# marks»). A teacher sets them in the period's last two weeks; earlier the journal asks once
# more. Families see them from the period's last week on, so that a mark set early, and perhaps
# changed after a late control work, is not read by a family weeks before it is final.
TERM_MARKS_DUE_DAYS = 14  # the period's last two weeks
TERM_MARKS_SHOWN_DAYS = 7  # the period's last week


def term_marks_due_from(period_ends: dt.date) -> dt.date:
    """The first day of a period's last two weeks: from it on, a term mark is set in one tap."""
    return period_ends - dt.timedelta(days=TERM_MARKS_DUE_DAYS - 1)


def term_marks_early(period_ends: dt.date, today: dt.date) -> bool:
    """Setting a term mark today is early: before the period's last two weeks."""
    return today < term_marks_due_from(period_ends)


def term_marks_shown_from(period_ends: dt.date) -> dt.date:
    """The first day of a period's last week: families see its term marks from it on."""
    return period_ends - dt.timedelta(days=TERM_MARKS_SHOWN_DAYS - 1)


def term_marks_shown(period_ends: dt.date, today: dt.date) -> bool:
    """Families see the period's term marks today (the school's day): in its last week or after."""
    return today >= term_marks_shown_from(period_ends)
