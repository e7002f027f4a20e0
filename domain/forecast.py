"""The forecast of a term mark a parent reads in the digest and the diary.

Per pupil and subject, for the current period: the weighted mean so far, the mark it gives, what
it takes to reach the next mark ("two more 5s for control work") and the flags "at risk of 2" and
"at risk of «н/а»". The arithmetic is exact — in integers, weights and thresholds scaled by one
power of ten (`Weighing`) — so the forecast and the term-mark suggestion (`domain.grading`, in
Decimals) never disagree about the current mark; property tests hold the two together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from domain.grading import PASS_FAIL, GradingSettings

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


class Forecast(NamedTuple):  # a tuple: made ten times a pupil by the digest, and cheaply
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
    over the numeric marks — solved in closed form, then checked against the thresholds.

    The needed kind is the most common kind among the numeric marks; a tie goes to the heavier
    kind (fewer 5s needed), then to the alphabetically first code. A kind's weight is the weight
    of its latest mark.

    At risk of «н/а»: the rule applies now (fewer marks than the minimum and more than the
    school's share of lessons missed), or the pupil can no longer get the minimum within the
    lessons left and missing the lessons left would put them over that share.

    The arithmetic is exact (`Weighing`: weights and thresholds scaled to integers), so the
    forecast and the term-mark suggestion (`suggest_term_mark`, in Decimals) never disagree.
    The digest counts a class's marks itself (`MarkTally`) and calls `forecast_tally`.
    """
    weights = {mark.weight for mark in marks}
    weighing = Weighing({}, settings, weights)
    scaled = weighing.scaled
    sums = weights_sum = numeric_count = others = 0
    kind_counts: dict[str, int] = {}  # kind → how many numeric marks
    latest: dict[str, int] = {}  # kind → the (scaled) weight of its latest numeric mark
    for mark in marks:
        value, kind = mark.value, mark.work_kind
        n = _number(value)
        if n is None:
            if value in PASS_FAIL:
                others += 1  # «зач» and «незач» count towards the minimum, not in the mean
            continue
        weight = scaled(mark.weight)
        sums += n * weight
        weights_sum += weight
        numeric_count += 1
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        latest[kind] = weight
    kind_ = _most_common(kind_counts, latest) if kind_counts else None
    return weighing.forecast(
        sums,
        weights_sum,
        numeric_count,
        others,
        kind_,
        latest[kind_] if kind_ is not None else 0,
        hours_per_week,
        lessons_held,
        lessons_missed,
        lessons_left,
    )


class MarkTally:
    """One pupil's marks in one subject, counted per kind of work: all a forecast needs of
    them. The digest fills `kinds` as the database counted them (`digest_batch.MarkCount`);
    `add` counts marks one value at a time, in any order."""

    __slots__ = ("kinds",)

    def __init__(self) -> None:
        self.kinds: dict[str, list[int]] = {}  # kind → [numeric marks, Σ their values, «зач»s]

    def add(self, kind: str, value: str) -> None:
        """Counts a mark of `value` for work of `kind`."""
        tally = self.kinds.get(kind)
        if tally is None:
            tally = self.kinds[kind] = [0, 0, 0]
        n = _number(value)
        if n is None:
            if value in PASS_FAIL:
                tally[2] += 1
            return
        tally[0] += 1
        tally[1] += n


class Weighing:
    """A school's weights of work and grading settings, scaled to integers once: a forecast is
    then a handful of integer operations, exact, and about five times cheaper than in Decimals
    (the digest makes ten a pupil).

    Every weight, threshold and the «н/а» share is multiplied by the same power of ten, the
    least that makes them all whole; a mean S/W compares with a threshold t as S·scale ≥ t·W.
    Kinds the school no longer has weigh 1, as in the mean of the term mark.
    """

    __slots__ = (
        "_minimum",
        "half_up_to_2",
        "scale",
        "settings",
        "share",
        "thresholds",
        "top",
        "weights",
    )

    def __init__(
        self,
        weights: Mapping[str, Decimal],
        settings: GradingSettings,
        more_weights: Iterable[Decimal] = (),
    ) -> None:
        numbers = [
            *weights.values(),
            *more_weights,
            *settings.thresholds,
            _ONE_AND_A_HALF,
            settings.not_assessed_absence_share,
        ]
        places = 0
        for number in numbers:
            exponent = number.as_tuple().exponent
            if not isinstance(exponent, int):
                raise ValueError(f"not a finite number: {number}")
            places = max(places, -exponent)
        self.settings = settings
        self.scale = scale = 10**places
        self.weights = {kind: int(w * scale) for kind, w in weights.items()}
        self.thresholds = tuple(int(t * scale) for t in settings.thresholds)
        self.half_up_to_2 = int(_ONE_AND_A_HALF * scale)
        self.top = TOP_MARK * scale
        self.share = int(settings.not_assessed_absence_share * scale)
        self._minimum: dict[Decimal, int] = {}

    def scaled(self, weight: Decimal) -> int:
        """A weight in the scale's units (it must be one of the weights scaled by)."""
        return int(weight * self.scale)

    def mark_for(self, sums: int, weights_sum: int) -> int:
        """`grading.mark_for_mean` of sums / weights_sum (≠ 0): the mean compares with a
        threshold t as sums·scale ≥ t·weights_sum, the sum of weights taken positive."""
        if weights_sum < 0:  # only for weights a school set below zero: the same mean
            sums, weights_sum = -sums, -weights_sum
        low, mid, high = self.thresholds
        scaled = sums * self.scale
        if scaled >= high * weights_sum:
            return 5
        if scaled >= mid * weights_sum:
            return 4
        if scaled >= low * weights_sum:
            return 3
        if self.settings.lowest_mark == 2 or scaled >= self.half_up_to_2 * weights_sum:
            return 2
        return 1

    def _over_share(self, missed: int, lessons: int) -> bool:
        """missed / lessons > the «н/а» share (0 without lessons), as `suggest_term_mark`;
        lesson counts are never negative."""
        if lessons:
            return missed * self.scale > self.share * lessons
        return 0 > self.share

    def forecast(
        self,
        sums: int,
        weights_sum: int,
        numeric_count: int,
        others: int,
        needed_kind: str | None,
        needed_weight: int,
        hours_per_week: Decimal,
        lessons_held: int,
        lessons_missed: int,
        lessons_left: int,
    ) -> Forecast:
        """The forecast of `numeric_count` numeric marks summing to `sums` (Σ value × scaled
        weight) over `weights_sum` (Σ scaled weight), and `others` «зач»/«незач»; 5s of
        `needed_kind` (scaled weight `needed_weight`, see `_most_common`) would raise it."""
        if lessons_held < 0 or lessons_missed < 0 or lessons_left < 0:
            raise ValueError("lesson counts cannot be negative")
        count = numeric_count + others
        minimum = self._minimum.get(hours_per_week)
        if minimum is None:
            minimum = self._minimum[hours_per_week] = self.settings.minimum_marks(hours_per_week)
        too_few = count < minimum
        na_now = too_few and self._over_share(lessons_missed, lessons_held)
        na_sure_to_come = count + lessons_left < minimum and self._over_share(
            lessons_missed + lessons_left, lessons_held + lessons_left
        )

        mean: Decimal | None = None
        current: int | None = None
        if numeric_count and weights_sum != 0:
            mean = _cents(sums, weights_sum)
            current = self.mark_for(sums, weights_sum)
        target = None if current is None or current >= TOP_MARK else current + 1
        kind_: str | None = None
        needed: int | None = None
        if target is not None:
            kind_ = needed_kind
            if lessons_left > 0:
                needed = self._fives_needed(sums, weights_sum, needed_weight, target)
                if needed is not None and needed > lessons_left:
                    needed = None
        return Forecast(
            mean,
            None if current is None else str(current),
            None if target is None else str(target),
            kind_,
            needed,
            target is not None and needed is None,
            current is not None and current <= 2,
            na_now or na_sure_to_come,
            too_few,
            count,
            minimum,
        )

    def _fives_needed(self, sums: int, weights_sum: int, weight: int, target: int) -> int | None:
        """Fewest n ≥ 1 whose n 5s of `weight` make the mark at least `target`, or None.

        (S + 5wn)/(W + wn) ≥ t  ⇔  wn(5 − t) ≥ tW − S  ⇔  n ≥ (tW − S) / (w(5 − t)), in the
        scale's units; rounded up, then nudged by ±1 against the mark itself, so the answer is
        the mark's own whatever the signs.
        """
        threshold = self.thresholds[target - 3] if target >= 3 else self.half_up_to_2
        if weight <= 0 or threshold >= self.top:
            return None  # 5s of no weight move nothing; a mean of exactly 5 needs all 5s already

        def reaches(n: int) -> bool:
            together = weights_sum + weight * n
            return together != 0 and self.mark_for(sums + 5 * weight * n, together) >= target

        numerator = threshold * weights_sum - sums * self.scale
        n = max(1, -(-numerator // (weight * (self.top - threshold))))
        if weights_sum > 0:
            return n  # w > 0 and 5 > t: exactly the fewest n
        while n > 1 and reaches(n - 1):
            n -= 1
        while not reaches(n):
            n += 1
        return n


def forecast_tally(
    tally: MarkTally,
    weighing: Weighing,
    *,
    hours_per_week: Decimal,
    lessons_held: int,
    lessons_missed: int,
    lessons_left: int,
) -> Forecast:
    """`forecast` of counted marks, each kind weighing the school's weight for it (1 if the
    school no longer has it): the digest's hot path, ten calls a pupil."""
    weights = weighing.weights
    one = weighing.scale
    sums = weights_sum = numeric_count = others = 0
    best, best_count, best_weight = None, 0, 0  # the most common kind, as `_most_common`
    for kind, (count, total, passes) in tally.kinds.items():
        others += passes
        if count:
            weight = weights.get(kind, one)
            sums += total * weight
            weights_sum += count * weight
            numeric_count += count
            if count > best_count or (
                count == best_count
                # best is None only while best_count is 0, and then count > best_count
                and (
                    weight > best_weight
                    or (weight == best_weight and best is not None and kind < best)
                )
            ):
                best, best_count, best_weight = kind, count, weight
    return weighing.forecast(
        sums,
        weights_sum,
        numeric_count,
        others,
        best,
        best_weight,
        hours_per_week,
        lessons_held,
        lessons_missed,
        lessons_left,
    )


def running_means(marks: Iterable[tuple[str, Decimal]]) -> list[Decimal | None]:
    """The weighted mean after each mark, given as (value, weight) oldest first: the line of
    the digest's chart. Each is what `forecast` gives as `mean` for the marks up to it (the
    same integer arithmetic, `_cents`), so the line ends on the mean the header shows; None
    until the first numeric mark, and a «зач» or «н/а» leaves the mean as it was."""
    given = list(marks)
    weighing = Weighing({}, GradingSettings(), {weight for _, weight in given})
    sums = weights_sum = 0
    means: list[Decimal | None] = []
    for value, weight in given:
        n = _number(value)
        if n is not None:
            scaled = weighing.scaled(weight)
            sums += n * scaled
            weights_sum += scaled
        means.append(_cents(sums, weights_sum) if weights_sum else None)
    return means


def _number(value: str) -> int | None:
    """The number a mark's value counts as in the mean, or None («зач», «н/а» and the like)."""
    return MARK_NUMBERS.get(value)


# The values that count as numbers: a mark is a value of the school's scale (5 down to 1 or 2),
# as the journal takes it; 0–10 leaves room. The digest has the database count by this table
# (`digest_batch.class_batches`), so the diary's forecast and the digest's agree.
MARK_NUMBERS: dict[str, int] = {str(v): v for v in range(11)}
_ONE_AND_A_HALF = Decimal("1.5")  # the least mean that gives 2 when the lowest mark is 1


def _cents(sums: int, weights_sum: int) -> Decimal:
    """sums / weights_sum to 2 places, half away from zero (as Decimal's ROUND_HALF_UP)."""
    negative = (sums < 0) != (weights_sum < 0)
    sums, weights_sum = abs(sums), abs(weights_sum)
    cents = (200 * sums + weights_sum) // (2 * weights_sum)
    if negative:
        cents = -cents
    mean = _MEANS.get(cents)
    if mean is None:
        mean = Decimal(cents).scaleb(-2)
    return mean


_MEANS = {cents: Decimal(cents).scaleb(-2) for cents in range(1001)}  # 0.00 … 10.00


def _most_common(counts: Mapping[str, int], weights: Mapping[str, int]) -> str:
    """The kind with most marks; a tie goes to the heavier kind, then to the first code."""
    return min(counts, key=lambda kind: (-counts[kind], -weights[kind], kind))


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
