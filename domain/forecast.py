"""The forecast of a term mark a parent reads in the digest and the diary.

Per pupil and subject, for the current period: the weighted mean so far, the mark it gives, what
it takes to reach the next mark ("two more 5s for control work") and the flags "at risk of 2" and
"at risk of «н/а»". The arithmetic is the term-mark suggestion's own (`domain.grading`), in exact
decimals, so the forecast and the suggestion never disagree about the current mark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from domain.grading import FAIL, PASS, GradingSettings, mark_for_mean

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

    The values are summed per weight in integers, so S and W cost one Decimal product per
    distinct weight; the arithmetic is the term-mark
    suggestion's (`suggest_term_mark`, `weighted_mean`), exactly. The digest counts a class's
    marks itself (`MarkTally`) and calls `forecast_tally`.
    """
    value_sums: dict[Decimal, int] = {}  # weight → Σ value of the numeric marks of that weight
    value_counts: dict[Decimal, int] = {}  # weight → how many numeric marks have it
    kind_counts: dict[str, int] = {}  # kind → how many numeric marks
    latest: dict[str, Decimal] = {}  # kind → the weight of its latest numeric mark
    others = 0  # «зач» and «незач»: they count towards the minimum, not in the mean
    for mark in marks:
        value, kind, weight = mark.value, mark.work_kind, mark.weight
        n = _number(value)
        if n is None:
            if value == PASS or value == FAIL:
                others += 1
            continue
        value_sums[weight] = value_sums.get(weight, 0) + n
        value_counts[weight] = value_counts.get(weight, 0) + 1
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        latest[kind] = weight
    return _forecast(
        value_sums,
        value_counts,
        kind_counts,
        latest,
        others,
        settings=settings,
        hours_per_week=hours_per_week,
        lessons_held=lessons_held,
        lessons_missed=lessons_missed,
        lessons_left=lessons_left,
    )


class MarkTally:
    """One pupil's marks in one subject, counted per kind of work: all a forecast needs of
    them. The digest adds a class's marks to these as the database counted them (per kind and
    value), in any order."""

    __slots__ = ("kinds",)

    def __init__(self) -> None:
        self.kinds: dict[str, list[int]] = {}  # kind → [numeric marks, Σ their values, «зач»s]

    def add(self, kind: str, value: str, times: int = 1) -> None:
        """Counts `times` marks of `value` for work of `kind`."""
        tally = self.kinds.get(kind)
        if tally is None:
            tally = self.kinds[kind] = [0, 0, 0]
        n = _number(value)
        if n is None:
            if value == PASS or value == FAIL:
                tally[2] += times
            return
        tally[0] += times
        tally[1] += n * times


def forecast_tally(
    tally: MarkTally,
    weights: Mapping[str, Decimal],
    *,
    settings: GradingSettings,
    hours_per_week: Decimal,
    lessons_held: int,
    lessons_missed: int,
    lessons_left: int,
) -> Forecast:
    """`forecast` of counted marks, each kind weighing `weights[kind]` (1 if the school no
    longer has it): the digest's hot path, ten calls a pupil, a few operations per kind."""
    value_sums: dict[Decimal, int] = {}
    value_counts: dict[Decimal, int] = {}
    kind_counts: dict[str, int] = {}
    others = 0
    for kind, (count, total, passes) in tally.kinds.items():
        others += passes
        if count:
            weight = weights.get(kind, _ONE)
            value_sums[weight] = value_sums.get(weight, 0) + total
            value_counts[weight] = value_counts.get(weight, 0) + count
            kind_counts[kind] = count
    return _forecast(
        value_sums,
        value_counts,
        kind_counts,
        weights,
        others,
        settings=settings,
        hours_per_week=hours_per_week,
        lessons_held=lessons_held,
        lessons_missed=lessons_missed,
        lessons_left=lessons_left,
    )


def _forecast(
    value_sums: dict[Decimal, int],
    value_counts: dict[Decimal, int],
    kind_counts: dict[str, int],
    kind_weight: Mapping[str, Decimal],
    others: int,
    *,
    settings: GradingSettings,
    hours_per_week: Decimal,
    lessons_held: int,
    lessons_missed: int,
    lessons_left: int,
) -> Forecast:
    """The forecast from the numeric marks summed and counted per weight, counted per kind
    (weighing `kind_weight[kind]`), and the number of «зач»/«незач»."""
    if lessons_held < 0 or lessons_missed < 0 or lessons_left < 0:
        raise ValueError("lesson counts cannot be negative")
    numeric_count = sum(value_counts.values())
    count = numeric_count + others
    minimum = settings.minimum_marks(hours_per_week)
    share = settings.not_assessed_absence_share
    too_few = count < minimum
    na_now = too_few and _share(lessons_missed, lessons_held) > share
    na_sure_to_come = (
        count + lessons_left < minimum
        and _share(lessons_missed + lessons_left, lessons_held + lessons_left) > share
    )

    mean: Decimal | None = None
    current: int | None = None
    total = weights_sum = Decimal(0)
    if numeric_count:
        for weight, n in value_sums.items():
            total += n * weight
            weights_sum += value_counts[weight] * weight
        if weights_sum != 0:
            exact = total / weights_sum
            mean = exact.quantize(_CENTS, rounding=ROUND_HALF_UP)
            current = mark_for_mean(exact, settings)
    target = None if current is None or current >= TOP_MARK else current + 1
    kind_: str | None = None
    needed: int | None = None
    if target is not None:
        weight_of = kind_weight.get
        if len(kind_counts) == 1:
            [kind_] = kind_counts
        else:
            kind_ = min(kind_counts, key=lambda k: (-kind_counts[k], -weight_of(k, _ONE), k))
        if lessons_left > 0:
            weight = weight_of(kind_, _ONE)
            needed = _fives_needed(total, weights_sum, weight, target, settings)
            if needed is not None and needed > lessons_left:
                needed = None
    return Forecast(
        mean=mean,
        mark=None if current is None else str(current),
        next_mark=None if target is None else str(target),
        needed_kind=kind_,
        needed_count=needed,
        out_of_reach=target is not None and needed is None,
        at_risk_of_2=current is not None and current <= 2,
        at_risk_of_na=na_now or na_sure_to_come,
        too_few_marks=too_few,
        marks_count=count,
        minimum_marks=minimum,
    )


def _number(value: str) -> int | None:
    """`grading.numeric`: «зач», «н/а» and the like are None (the usual values looked up)."""
    n = _NUMBERS.get(value)
    if n is None and value.isdigit():
        return int(value)
    return n


_ONE = Decimal(1)
_NUMBERS = {str(v): v for v in range(11)}  # `numeric` of the usual mark values
_CENTS = Decimal("0.01")


def _share(missed: int, lessons: int) -> Decimal:
    """missed / lessons as `suggest_term_mark` works out the share of lessons missed."""
    return Decimal(missed) / Decimal(lessons) if lessons else Decimal(0)


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
