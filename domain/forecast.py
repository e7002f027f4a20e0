"""The forecast of a term mark a parent reads in the digest and the diary.

Per pupil and subject, for the current period: the weighted mean so far, the mark it gives, what
it takes to reach the next mark ("two more 5s for control work") and the flags "at risk of 2" and
"at risk of «н/а»". The arithmetic is the term-mark suggestion's own (`domain.grading`), in exact
decimals, so the forecast and the suggestion never disagree about the current mark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from domain.grading import (
    GradingSettings,
    WeightedMark,
    exact_weighted_mean,
    mark_for_mean,
    numeric,
    suggest_term_mark,
    weighted_mean,
)

TOP_MARK = 5


def N_(msgid: str) -> str:
    """Marks a msgid for `locales.extract`; the renderer translates it later."""
    return msgid


@dataclass(frozen=True, slots=True)
class MarkInPeriod:
    """A mark already given in the period."""

    value: str  # "5", "4", … or «зач», «н/а» (non-numeric marks don't count in the mean)
    work_kind: str  # code, e.g. "oral", "control"
    weight: Decimal


@dataclass(frozen=True, slots=True)
class Forecast:
    mean: Decimal | None  # current weighted mean, 2 places (None without numeric marks)
    mark: str | None  # the mark the mean gives now, by the school's thresholds
    next_mark: str | None  # the next mark up; None at 5 or without numeric marks
    needed_kind: str | None  # the kind of work to reach next_mark (most common kind)
    needed_count: int | None  # fewest 5s of that kind reaching next_mark; None if out of reach
    out_of_reach: bool  # next_mark needs more marks than lessons left
    at_risk_of_2: bool  # the current mark would be 2 (or lower)
    at_risk_of_na: bool  # the «н/а» rule applies now, or surely will unless absences stop
    too_few_marks: bool  # fewer than the minimum number of marks
    marks_count: int
    minimum_marks: int


def forecast(
    marks: Sequence[MarkInPeriod],
    *,
    settings: GradingSettings,
    hours_per_week: Decimal,
    lessons_held: int,
    lessons_missed: int,
    lessons_left: int,
) -> Forecast:
    """The forecast for one pupil and subject; `marks` are in the order given, oldest first.

    What it takes: the fewest n ≥ 1 marks of 5 of the needed kind (weight w) such that
    (S + 5·w·n) / (W + w·n) gives at least next_mark, where S = Σ value×weight and W = Σ weight
    over the numeric marks — solved in closed form, then checked with `mark_for_mean`.

    The needed kind is the most common kind among the numeric marks; a tie goes to the heavier
    kind (fewer 5s needed), then to the alphabetically first code. A kind's weight is the weight
    of its latest mark.

    At risk of «н/а»: the rule applies now (fewer marks than the minimum and more than the
    school's share of lessons missed), or the pupil can no longer get the minimum within the
    lessons left and missing the lessons left would put them over that share.
    """
    if min(lessons_held, lessons_missed, lessons_left) < 0:
        raise ValueError("lesson counts cannot be negative")
    weighted = [WeightedMark(m.value, m.weight) for m in marks]
    suggestion = suggest_term_mark(
        weighted,
        settings=settings,
        hours_per_week=hours_per_week,
        lessons_held=lessons_held,
        lessons_missed=lessons_missed,
    )
    count, minimum = suggestion.marks_count, suggestion.minimum_marks
    share = settings.not_assessed_absence_share
    too_few = count < minimum
    na_now = too_few and suggestion.absence_share > share
    lessons_to_come = lessons_held + lessons_left
    worst_share = (
        Decimal(lessons_missed + lessons_left) / Decimal(lessons_to_come)
        if lessons_to_come
        else Decimal(0)
    )
    na_sure_to_come = count + lessons_left < minimum and worst_share > share

    exact = exact_weighted_mean(weighted)
    current = None if exact is None else mark_for_mean(exact, settings)
    target = None if current is None or current >= TOP_MARK else current + 1
    kind: str | None = None
    needed: int | None = None
    if target is not None:
        kind, weight = _needed_kind(marks)
        counted = [(Decimal(n), m.weight) for m in weighted if (n := numeric(m.value)) is not None]
        total = sum((n * w for n, w in counted), Decimal(0))
        weights = sum((w for _, w in counted), Decimal(0))
        needed = _fives_needed(total, weights, weight, target, settings)
        if needed is not None and needed > lessons_left:
            needed = None
    return Forecast(
        mean=weighted_mean(weighted),
        mark=None if current is None else str(current),
        next_mark=None if target is None else str(target),
        needed_kind=kind,
        needed_count=needed,
        out_of_reach=target is not None and needed is None,
        at_risk_of_2=current is not None and current <= 2,
        at_risk_of_na=na_now or na_sure_to_come,
        too_few_marks=too_few,
        marks_count=count,
        minimum_marks=minimum,
    )


def _needed_kind(marks: Sequence[MarkInPeriod]) -> tuple[str, Decimal]:
    """The most common kind among numeric marks; ties: heavier weight, then code."""
    counts: Counter[str] = Counter()
    weight_of: dict[str, Decimal] = {}
    for m in marks:
        if numeric(m.value) is None:
            continue
        counts[m.work_kind] += 1
        weight_of[m.work_kind] = m.weight
    kind = min(counts, key=lambda k: (-counts[k], -weight_of[k], k))
    return kind, weight_of[kind]


def _threshold(mark: int, settings: GradingSettings) -> Decimal:
    """The least mean that gives `mark` (3, 4, 5 by the thresholds; 2 from 1 at 1.5)."""
    if mark >= 3:
        return settings.thresholds[mark - 3]
    return Decimal("1.5")


def _fives_needed(
    total: Decimal, weights: Decimal, weight: Decimal, target: int, settings: GradingSettings
) -> int | None:
    """Fewest n ≥ 1 with mark_for_mean((total + 5·w·n)/(weights + w·n)) ≥ target, or None.

    (S + 5wn)/(W + wn) ≥ T  ⇔  wn(5 − T) ≥ TW − S  ⇔  n ≥ (TW − S) / (w(5 − T)).
    The quotient is rounded up, then nudged by ±1 against `mark_for_mean` itself, so the answer
    agrees with the term-mark suggestion even where Decimal division rounds.
    """
    threshold = _threshold(target, settings)
    if weight <= 0 or threshold >= TOP_MARK:
        return None  # 5s of no weight move nothing; a mean of exactly 5 needs all 5s already

    def reaches(n: int) -> bool:
        five_w = TOP_MARK * weight * n
        return mark_for_mean((total + five_w) / (weights + weight * n), settings) >= target

    estimate = (threshold * weights - total) / (weight * (TOP_MARK - threshold))
    n = max(1, int(estimate.to_integral_value(rounding=ROUND_CEILING)))
    while n > 1 and reaches(n - 1):
        n -= 1
    while not reaches(n):
        n += 1
    return n


def describe(f: Forecast) -> list[tuple[str, dict[str, object]]]:
    """The forecast as English msgids with their values, for the digest and the diary.

    `kind` stays a work-kind code and `mean` a Decimal; the renderer names and formats them.
    """
    lines: list[tuple[str, dict[str, object]]] = []
    if f.mean is not None:
        lines.append((N_("Mean {mean}: mark {mark}"), {"mean": f.mean, "mark": f.mark}))
    if f.next_mark is not None and f.needed_count is not None:
        params: dict[str, object] = {
            "count": f.needed_count,
            "kind": f.needed_kind,
            "next_mark": f.next_mark,
        }
        if f.needed_count == 1:
            lines.append((N_("One more 5 ({kind}) makes it {next_mark}"), params))
        else:
            lines.append((N_("{count} more 5s ({kind}) make it {next_mark}"), params))
    if f.out_of_reach and f.next_mark is not None:
        lines.append((N_("{next_mark} is out of reach this period"), {"next_mark": f.next_mark}))
    if f.at_risk_of_2:
        lines.append((N_("At risk of 2"), {}))
    if f.at_risk_of_na:
        lines.append((N_("At risk of «н/а»: too few marks and many lessons missed"), {}))
    if f.too_few_marks:
        lines.append(
            (
                N_("Too few marks: {count} of {minimum}"),
                {"count": f.marks_count, "minimum": f.minimum_marks},
            )
        )
    return lines
