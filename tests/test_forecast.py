"""The forecast of a term mark for a parent: the mean, the mark, what it takes, the risks."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.forecast import (
    Forecast,
    MarkInPeriod,
    MarkTally,
    Weighing,
    describe,
    forecast,
    forecast_tally,
    running_means,
)
from domain.grading import (
    FAIL,
    NOT_ASSESSED,
    PASS,
    THRESHOLD_PRESETS,
    GradingSettings,
    TermMarkSuggestion,
    WeightedMark,
    exact_weighted_mean,
    mark_for_mean,
    suggest_term_mark,
)

W = Decimal
SETTINGS = GradingSettings()
STRICT = GradingSettings(thresholds=THRESHOLD_PRESETS["strict"])
KIND_WEIGHTS = {"oral": W(1), "homework": W(1), "test": W("1.5"), "control": W(2), "exam": W(3)}


def mk(value: str, kind: str = "oral", weight: str | None = None) -> MarkInPeriod:
    return MarkInPeriod(value, kind, W(weight) if weight else KIND_WEIGHTS[kind])


def run(
    marks: list[MarkInPeriod],
    *,
    settings: GradingSettings = SETTINGS,
    hours: str = "3",
    held: int = 20,
    missed: int = 0,
    left: int = 20,
) -> Forecast:
    return forecast(
        marks,
        settings=settings,
        hours_per_week=W(hours),
        lessons_held=held,
        lessons_missed=missed,
        lessons_left=left,
    )


def agrees_with_suggestion(
    f: Forecast,
    marks: list[MarkInPeriod],
    settings: GradingSettings,
    *,
    hours: str,
    held: int,
    missed: int,
) -> TermMarkSuggestion:
    """The forecast says the term-mark suggestion's mark and mean whenever the «н/а» rule does
    not apply, and is at risk of «н/а» when it does; returns the suggestion."""
    suggestion = suggest_term_mark(
        [WeightedMark(m.value, m.weight) for m in marks],
        settings=settings,
        hours_per_week=W(hours),
        lessons_held=held,
        lessons_missed=missed,
    )
    if suggestion.value == NOT_ASSESSED:
        assert f.at_risk_of_na
    else:
        assert f.mark == suggestion.value and f.mean == suggestion.mean
    return suggestion


def mark_after(marks: list[MarkInPeriod], settings: GradingSettings) -> int:
    mean = exact_weighted_mean([WeightedMark(m.value, m.weight) for m in marks])
    assert mean is not None
    return mark_for_mean(mean, settings)


# --- worked examples, by hand -------------------------------------------------------------


def test_oral_marks_need_five_more_fives() -> None:
    # 4 + 4 + 3 = 11 over weight 3 → 3.666… → 3.67 → 4 (≥ 3.5)
    # next 5 needs ≥ 4.5: (11 + 5n)/(3 + n) ≥ 4.5 ⇔ 11 + 5n ≥ 13.5 + 4.5n ⇔ 0.5n ≥ 2.5 ⇔ n ≥ 5
    # check: n = 5 → 36/8 = 4.5 ✓; n = 4 → 31/7 = 4.43 ✗
    f = run([mk("4"), mk("4"), mk("3")], left=5)
    assert (f.mean, f.mark, f.next_mark) == (W("3.67"), "4", "5")
    assert (f.needed_kind, f.needed_count, f.out_of_reach) == ("oral", 5, False)
    assert not f.at_risk_of_2 and not f.at_risk_of_na
    # 3 marks of the 5 needed at 3 hours a week
    assert f.too_few_marks and (f.marks_count, f.minimum_marks) == (3, 5)


def test_next_mark_out_of_reach_when_lessons_run_out() -> None:
    # the same marks need 5 fives, but only 4 lessons are left
    f = run([mk("4"), mk("4"), mk("3")], left=4)
    assert (f.next_mark, f.needed_kind, f.needed_count, f.out_of_reach) == ("5", "oral", None, True)


def test_control_work_weighted_two_is_the_most_common_kind() -> None:
    # control 3 ×2, control 4 ×2, oral 5 ×1: S = 6 + 8 + 5 = 19, W = 5 → 3.8 → 4
    # control (2 marks) beats oral (1), w = 2:
    # (19 + 10n)/(5 + 2n) ≥ 4.5 ⇔ 19 + 10n ≥ 22.5 + 9n ⇔ n ≥ 3.5 → n = 4
    # check: n = 3 → 49/11 = 4.45 ✗; n = 4 → 59/13 = 4.54 ✓
    f = run([mk("3", "control"), mk("4", "control"), mk("5", "oral")])
    assert (f.mean, f.mark, f.next_mark) == (W("3.80"), "4", "5")
    assert (f.needed_kind, f.needed_count) == ("control", 4)


def test_strict_preset() -> None:
    # 5 + 5 + 4 + 4 = 18 over 4 → 4.5: a 5 by the standard thresholds, a 4 by the strict (4.65)
    marks = [mk("5"), mk("5"), mk("4"), mk("4")]
    assert run(marks).mark == "5" and run(marks).next_mark is None
    # strict: (18 + 5n)/(4 + n) ≥ 4.65 ⇔ 18 + 5n ≥ 18.6 + 4.65n ⇔ 0.35n ≥ 0.6 ⇔ n ≥ 1.71 → 2
    # check: n = 1 → 23/5 = 4.6 ✗; n = 2 → 28/6 = 4.67 ✓
    f = run(marks, settings=STRICT)
    assert (f.mean, f.mark, f.next_mark, f.needed_count) == (W("4.50"), "4", "5", 2)


def test_tie_in_the_most_common_kind_goes_to_the_heavier_kind() -> None:
    # oral 3, 4 and test 3, 4 (weight 1.5): two each, test is heavier
    # S = 3 + 4 + 4.5 + 6 = 17.5, W = 5 → 3.5 → 4
    # (17.5 + 7.5n)/(5 + 1.5n) ≥ 4.5 ⇔ 17.5 + 7.5n ≥ 22.5 + 6.75n ⇔ 0.75n ≥ 5 ⇔ n ≥ 6.67 → 7
    # check: n = 6 → 62.5/14 = 4.46 ✗; n = 7 → 70/15.5 = 4.52 ✓
    f = run([mk("3", "oral"), mk("4", "oral"), mk("3", "test"), mk("4", "test")])
    assert (f.mean, f.mark, f.needed_kind, f.needed_count) == (W("3.50"), "4", "test", 7)


def test_tie_in_kind_and_weight_goes_to_the_first_code() -> None:
    # oral 4, homework 4: one each, both weight 1 → "homework" < "oral"
    # (8 + 5n)/(2 + n) ≥ 4.5 ⇔ 0.5n ≥ 1 ⇔ n ≥ 2; check: n = 1 → 13/3 ✗; n = 2 → 18/4 = 4.5 ✓
    f = run([mk("4", "oral"), mk("4", "homework")])
    assert (f.needed_kind, f.needed_count) == ("homework", 2)


def test_pupil_already_at_five() -> None:
    # 5 + 5 + 4 = 14 over 3 → 4.67 → 5: nothing to reach
    f = run([mk("5"), mk("5"), mk("4")], left=0)
    assert (f.mean, f.mark) == (W("4.67"), "5")
    assert (f.next_mark, f.needed_kind, f.needed_count, f.out_of_reach) == (None, None, None, False)
    assert not f.at_risk_of_2


def test_pupil_at_two_is_at_risk() -> None:
    # 2 + 2 + 3 = 7 over 3 → 2.33 → 2; next 3 needs 2.5:
    # (7 + 5n)/(3 + n) ≥ 2.5 ⇔ 2.5n ≥ 0.5 ⇔ n ≥ 0.2 → 1; check: 12/4 = 3 ✓
    f = run([mk("2"), mk("2"), mk("3")])
    assert (f.mean, f.mark, f.next_mark, f.needed_count) == (W("2.33"), "2", "3", 1)
    assert f.at_risk_of_2 and not f.at_risk_of_na


def test_one_five_may_jump_past_the_next_mark() -> None:
    # a single control 2 (weight 2): one more control 5 → (4 + 10)/4 = 3.5 → 4, past 3.
    # needed_count is the fewest 5s that reach *at least* next_mark.
    f = run([mk("2", "control")])
    assert (f.mark, f.next_mark, f.needed_count) == ("2", "3", 1)
    assert mark_after([mk("2", "control"), mk("5", "control")], SETTINGS) == 4


def test_at_risk_of_not_assessed_now() -> None:
    # 2 marks of the 5 needed and 11 of 20 lessons missed (55% > 50%): the н/а rule applies now;
    # the mark of the mean is still shown: (5 + 4)/2 = 4.5 → 5
    f = run([mk("5"), mk("4")], held=20, missed=11)
    assert f.at_risk_of_na and f.too_few_marks and f.mark == "5"
    # exactly half missed is not more than half
    assert not run([mk("5"), mk("4")], held=20, missed=10).at_risk_of_na
    # enough marks: no н/а however much is missed
    assert not run([mk("5")] * 5, held=20, missed=19).at_risk_of_na


def test_at_risk_of_not_assessed_when_the_minimum_is_out_of_reach() -> None:
    # 1 mark, 5 of 10 held missed (50%, not yet over), 2 lessons left: 1 + 2 < 5 marks for sure,
    # and missing both lessons left makes 7 of 12 = 58% > 50%
    assert run([mk("4")], held=10, missed=5, left=2).at_risk_of_na
    # 4 of 10 missed: even missing both → 6 of 12 = 50%, not over
    assert not run([mk("4")], held=10, missed=4, left=2).at_risk_of_na
    # 4 lessons left: 1 + 4 = 5 marks can still come
    assert not run([mk("4")], held=10, missed=5, left=4).at_risk_of_na


def test_one_hour_subject_needs_three_marks() -> None:
    one_hour = run([mk("3")] * 3, hours="1", held=9, missed=8, left=0)
    assert (one_hour.marks_count, one_hour.minimum_marks) == (3, 3)
    assert not one_hour.too_few_marks and not one_hour.at_risk_of_na
    two = run([mk("3")] * 2, hours="1", held=9, missed=8, left=0)
    assert two.too_few_marks and two.at_risk_of_na and two.minimum_marks == 3
    assert run([mk("3")] * 3, hours="2").minimum_marks == 5


def test_no_numeric_marks() -> None:
    f = run([mk(PASS, "control"), mk(NOT_ASSESSED)])
    assert (f.mean, f.mark, f.next_mark, f.needed_kind, f.needed_count) == (None,) * 5
    assert not f.out_of_reach and not f.at_risk_of_2
    assert f.marks_count == 1  # «зач» counts towards the minimum, «н/а» does not
    empty = run([])
    assert empty.mean is None and empty.marks_count == 0 and empty.too_few_marks


def test_non_numeric_marks_do_not_choose_the_kind() -> None:
    # three «зач» for control work do not move a mean; the oral 4 does
    f = run([mk(PASS, "control")] * 3 + [mk("4", "oral")])
    assert (f.mark, f.needed_kind) == ("4", "oral")


def test_a_threshold_of_five_cannot_be_reached_by_more_fives() -> None:
    settings = GradingSettings(thresholds=(W("2.5"), W("3.5"), W(5)))
    f = run([mk("5"), mk("4")], settings=settings, left=1000)
    assert (f.mark, f.next_mark, f.needed_count, f.out_of_reach) == ("4", "5", None, True)


def test_lowest_mark_one() -> None:
    # 1 + 1 + 2 = 4 over 3 → 1.33 → 1 (below 1.5); 2 from 1.5: (4 + 5n)/(3 + n) ≥ 1.5 → n = 1
    settings = GradingSettings(lowest_mark=1)
    f = run([mk("1"), mk("1"), mk("2")], settings=settings)
    assert (f.mark, f.next_mark, f.needed_count, f.at_risk_of_2) == ("1", "2", 1, True)


def test_many_marks_solved_in_closed_form() -> None:
    # 200 oral 2s → 2; the next mark is 3: (400 + 5n)/(200 + n) ≥ 2.5 ⇔ 2.5n ≥ 100 ⇔ n ≥ 40
    assert run([mk("2")] * 200, left=10**6).needed_count == 40
    fours = [mk("4")] * 200  # (800 + 5n)/(200 + n) ≥ 4.5 ⇔ 0.5n ≥ 100 ⇔ n ≥ 200
    assert run(fours, left=10**6).needed_count == 200
    assert run(fours, left=199).out_of_reach
    threes = [mk("3", weight="1")] * 1000  # (3000 + 5n)/(1000 + n) ≥ 3.5 ⇔ 1.5n ≥ 500 → 334
    assert run(threes, left=10**9).needed_count == 334


def test_negative_lessons_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        run([mk("5")], left=-1)


def test_forecast_and_term_mark_suggestion_agree() -> None:
    def suggested(marks: list[MarkInPeriod]) -> tuple[str | None, Decimal | None]:
        s = suggest_term_mark(
            [WeightedMark(m.value, m.weight) for m in marks],
            settings=SETTINGS,
            hours_per_week=W(3),
            lessons_held=20,
            lessons_missed=0,
        )
        return s.value, s.mean

    # 4×1.5 + 5×1.5 + 4×1 = 17.5 over 4 → 4.375 → shown 4.38, mark 4
    marks = [mk("4", "test"), mk("5", "test"), mk("4")]
    f = run(marks)
    assert (f.mark, f.mean) == suggested(marks) == ("4", W("4.38"))
    # 99 fives and 101 fours: 899/200 = 4.495 exactly → shown 4.50, but below 4.5: mark 4,
    # in the forecast as in the suggestion (no double rounding in either)
    edge = [mk("5")] * 99 + [mk("4")] * 101
    f = run(edge)
    assert (f.mark, f.mean) == suggested(edge) == ("4", W("4.50"))
    # (899 + 5n)/(200 + n) ≥ 4.5 ⇔ 0.5n ≥ 1 ⇔ n ≥ 2; check: n = 1 → 904/201 = 4.4975 ✗
    assert f.needed_count == 2


def test_describe() -> None:
    f = run([mk("4"), mk("4"), mk("3")], left=5)
    five_more = {"count": 5, "kind": "oral", "next_mark": "5"}
    assert describe(f) == [
        ("Mean {mean}: mark {mark}", {"mean": W("3.67"), "mark": "4"}),
        ("{count} more 5s ({kind}) make it {next_mark}", five_more),
        ("Too few marks: {count} of {minimum}", {"count": 3, "minimum": 5}),
    ]
    # 2, 2, 3 twice: 14/6 = 2.33 → 2; one 5: 19/7 = 2.71 → 3
    one = describe(run([mk("2"), mk("2"), mk("3")] * 2))
    one_more = {"count": 1, "kind": "oral", "next_mark": "3"}
    assert ("One more 5 ({kind}) makes it {next_mark}", one_more) in one
    assert ("At risk of 2", {}) in one
    out = describe(run([mk("4"), mk("4"), mk("3")], left=4, held=20, missed=15))
    assert [msgid for msgid, _ in out] == [
        "Mean {mean}: mark {mark}",
        "{next_mark} is out of reach this period",
        "At risk of «н/а»: too few marks and many lessons missed",
        "Too few marks: {count} of {minimum}",
    ]
    assert describe(run([])) == [
        ("Too few marks: {count} of {minimum}", {"count": 0, "minimum": 5})
    ]


# --- properties -----------------------------------------------------------------------------

settings_strategy = st.builds(
    GradingSettings,
    lowest_mark=st.sampled_from([1, 2]),
    thresholds=st.sampled_from(list(THRESHOLD_PRESETS.values())),
)
marks_strategy = st.lists(
    st.builds(
        lambda value, kind: MarkInPeriod(value, kind, KIND_WEIGHTS[kind]),
        st.sampled_from(["1", "2", "3", "4", "5", "2", "3", "4", "5", PASS, NOT_ASSESSED]),
        st.sampled_from(sorted(KIND_WEIGHTS)),
    ),
    max_size=40,
)
lessons = st.integers(min_value=0, max_value=60)


def with_fives(marks: list[MarkInPeriod], kind: str, n: int) -> list[MarkInPeriod]:
    return [*marks, *[MarkInPeriod("5", kind, KIND_WEIGHTS[kind])] * n]


@given(marks_strategy, settings_strategy, lessons)
def test_needed_fives_reach_the_next_mark_and_no_fewer_do(
    marks: list[MarkInPeriod], settings: GradingSettings, left: int
) -> None:
    f = run(marks, settings=settings, left=left)
    if f.needed_count is None:
        return
    assert f.next_mark is not None and f.needed_kind is not None and not f.out_of_reach
    target = int(f.next_mark)
    # (1) needed_count 5s of the needed kind reach next_mark, by the suggestion's own arithmetic
    assert mark_after(with_fives(marks, f.needed_kind, f.needed_count), settings) >= target
    # (2) one fewer does not
    assert mark_after(with_fives(marks, f.needed_kind, f.needed_count - 1), settings) < target
    # (3) never more than the lessons left
    assert 1 <= f.needed_count <= left


@given(marks_strategy, settings_strategy, lessons)
def test_out_of_reach_means_even_every_lesson_left_is_not_enough(
    marks: list[MarkInPeriod], settings: GradingSettings, left: int
) -> None:
    f = run(marks, settings=settings, left=left)
    assert f.out_of_reach == (f.next_mark is not None and f.needed_count is None)
    if f.out_of_reach:
        assert f.next_mark is not None and f.needed_kind is not None
        assert mark_after(with_fives(marks, f.needed_kind, left), settings) < int(f.next_mark)


@given(marks_strategy, settings_strategy, lessons, lessons, lessons, st.sampled_from(["1", "3"]))
def test_forecast_mark_is_the_term_mark_suggestion(
    marks: list[MarkInPeriod],
    settings: GradingSettings,
    held: int,
    missed: int,
    left: int,
    hours: str,
) -> None:
    missed = min(missed, held)
    f = run(marks, settings=settings, hours=hours, held=held, missed=missed, left=left)
    suggestion = agrees_with_suggestion(f, marks, settings, hours=hours, held=held, missed=missed)
    assert (f.marks_count, f.minimum_marks) == (suggestion.marks_count, suggestion.minimum_marks)
    assert f.too_few_marks == suggestion.too_few_marks
    assert f.at_risk_of_2 == (f.mark is not None and int(f.mark) <= 2)


any_marks_strategy = st.lists(
    st.builds(
        lambda value, kind: MarkInPeriod(value, kind, KIND_WEIGHTS.get(kind, W(1))),
        st.sampled_from(["1", "2", "3", "4", "5", "10", PASS, FAIL, NOT_ASSESSED, "x"]),
        st.sampled_from([*sorted(KIND_WEIGHTS), "retired"]),  # a kind the school has dropped
    ),
    max_size=40,
)


@given(
    any_marks_strategy, settings_strategy, lessons, lessons, lessons, st.sampled_from(["1", "3"])
)
def test_counted_marks_give_the_same_forecast_as_the_marks(
    marks: list[MarkInPeriod],
    settings: GradingSettings,
    held: int,
    missed: int,
    left: int,
    hours: str,
) -> None:
    """The digest counts a class's marks per kind in one pass; their order is not needed."""
    missed = min(missed, held)
    tally = MarkTally()
    for m in reversed(marks):
        tally.add(m.work_kind, m.value)
    counted = forecast_tally(
        tally,
        Weighing(KIND_WEIGHTS, settings),
        hours_per_week=W(hours),
        lessons_held=held,
        lessons_missed=missed,
        lessons_left=left,
    )
    assert counted == run(
        marks, settings=settings, hours=hours, held=held, missed=missed, left=left
    )


ODD_WEIGHTS = {"oral": W("0.75"), "test": W("1.125"), "control": W("2.4"), "exam": W("3")}


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", "3", "4", "5", PASS, NOT_ASSESSED]),
            st.sampled_from(sorted(ODD_WEIGHTS)),
        ),
        max_size=40,
    ),
    settings_strategy,
    st.sampled_from(["0.5", "0.333", "0.25"]),
    lessons,
    lessons,
    lessons,
)
def test_integer_arithmetic_agrees_with_decimals_for_any_weights_and_share(
    given_marks: list[tuple[str, str]],
    base: GradingSettings,
    share: str,
    held: int,
    missed: int,
    left: int,
) -> None:
    """The forecast scales weights, thresholds and the «н/а» share to integers: with weights
    of three places and a share of three, it still says what the Decimal arithmetic of the
    term-mark suggestion says."""
    settings = GradingSettings(
        lowest_mark=base.lowest_mark,
        thresholds=base.thresholds,
        not_assessed_absence_share=W(share),
    )
    missed = min(missed, held)
    marks = [MarkInPeriod(value, kind, ODD_WEIGHTS[kind]) for value, kind in given_marks]
    f = run(marks, settings=settings, held=held, missed=missed, left=left)
    suggestion = agrees_with_suggestion(f, marks, settings, hours="3", held=held, missed=missed)
    if left == 0:  # nothing more to come: at risk of «н/а» exactly when the rule applies now
        assert f.at_risk_of_na == (suggestion.value == NOT_ASSESSED)
    if f.needed_count is not None:
        assert f.needed_kind is not None and f.next_mark is not None
        fives = [MarkInPeriod("5", f.needed_kind, ODD_WEIGHTS[f.needed_kind])]
        target = int(f.next_mark)
        assert mark_after(marks + fives * f.needed_count, settings) >= target
        assert mark_after(marks + fives * (f.needed_count - 1), settings) < target
    tally = MarkTally()
    for m in marks:
        tally.add(m.work_kind, m.value)
    assert f == forecast_tally(
        tally,
        Weighing(ODD_WEIGHTS, settings),
        hours_per_week=W(3),
        lessons_held=held,
        lessons_missed=missed,
        lessons_left=left,
    )


STRANGE_WEIGHTS = {"minus": W("-1"), "none": W("0"), "one": W("1"), "more": W("2.5")}


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", "3", "4", "5"]), st.sampled_from(sorted(STRANGE_WEIGHTS))
        ),
        max_size=30,
    ),
    settings_strategy,
    lessons,
)
def test_weights_of_zero_or_below_zero_still_agree_with_decimals(
    given_marks: list[tuple[str, str]], settings: GradingSettings, left: int
) -> None:
    """No school has such weights (they come from the regulation's list), but the arithmetic
    does not assume positive ones: the mean, the mark and the fewest 5s are the Decimal ones."""
    marks = [MarkInPeriod(value, kind, STRANGE_WEIGHTS[kind]) for value, kind in given_marks]
    f = run(marks, settings=settings, left=left)
    exact = exact_weighted_mean([WeightedMark(m.value, m.weight) for m in marks])
    if exact is None:
        assert f.mean is None and f.mark is None
        return
    assert f.mark == str(mark_for_mean(exact, settings))
    assert f.mean == exact.quantize(W("0.01"), rounding=ROUND_HALF_UP)
    if f.needed_count is not None:
        assert f.needed_kind is not None and f.next_mark is not None
        five = MarkInPeriod("5", f.needed_kind, STRANGE_WEIGHTS[f.needed_kind])
        for n in range(1, f.needed_count + 1):
            mean = exact_weighted_mean(
                [WeightedMark(m.value, m.weight) for m in [*marks, *[five] * n]]
            )
            reached = mean is not None and mark_for_mean(mean, settings) >= int(f.next_mark)
            assert reached == (n == f.needed_count), n


@given(any_marks_strategy)
def test_the_running_mean_ends_on_the_forecasts_mean(marks: list[MarkInPeriod]) -> None:
    """The chart's line (`running_means`) after each mark is the forecast's mean of the marks
    so far: weighted, exact, rounded as the header shows it."""
    means = running_means((m.value, m.weight) for m in marks)
    assert len(means) == len(marks)
    for n, mean in enumerate(means, start=1):
        assert mean == run(marks[:n]).mean


def test_the_running_mean_weighs_a_control_work_twice() -> None:
    marks = [mk("5"), mk("5", "homework"), mk("2", "control"), mk("зач")]
    assert running_means((m.value, m.weight) for m in marks) == [
        W("5.00"),
        W("5.00"),
        W("3.50"),  # the plain mean would be 4.00
        W("3.50"),
    ]
    assert running_means([("н/а", W(1))]) == [None]
