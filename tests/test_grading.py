"""The arithmetic of marks: weighted means, thresholds, н/а, year marks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.grading import (
    FAIL,
    NOT_ASSESSED,
    PASS,
    THRESHOLD_PRESETS,
    GradingSettings,
    WeightedMark,
    mark_for_mean,
    suggest_term_mark,
    weighted_mean,
    year_mark,
)

W = Decimal
SETTINGS = GradingSettings()


def m(value: str, weight: str = "1") -> WeightedMark:
    return WeightedMark(value, W(weight))


def test_weighted_mean_by_hand() -> None:
    # 5×1 + 4×1 + 3×2 (control work) = 15 over weight 4 → 3.75
    assert weighted_mean([m("5"), m("4"), m("3", "2")]) == W("3.75")
    # «зач» and «н/а» do not count in a mean
    assert weighted_mean([m("5"), m(PASS), m(NOT_ASSESSED)]) == W("5.00")
    assert weighted_mean([]) is None


@pytest.mark.parametrize(
    ("mean", "standard", "strict"),
    [
        ("2.49", 2, 2),
        ("2.5", 3, 2),
        ("3.5", 4, 3),
        ("3.64", 4, 3),
        ("3.65", 4, 4),
        ("4.5", 5, 4),
        ("4.65", 5, 5),
        ("5", 5, 5),
    ],
)
def test_thresholds(mean: str, standard: int, strict: int) -> None:
    assert mark_for_mean(W(mean), SETTINGS) == standard
    strict_settings = GradingSettings(thresholds=THRESHOLD_PRESETS["strict"])
    assert mark_for_mean(W(mean), strict_settings) == strict


def test_no_double_rounding_at_a_threshold() -> None:
    # (5+4+4)/3 = 4.333…; (4+5)/2 = 4.5 exactly → 5; 3 × 1.5 + 4 × 1 → 4.4/… checked exactly
    marks = [m("4", "1.5"), m("5", "1.5"), m("4", "1")]  # 16.5/4 = 4.125 → 4
    assert (
        suggest_term_mark(
            marks, settings=SETTINGS, hours_per_week=W(5), lessons_held=10, lessons_missed=0
        ).value
        == "4"
    )
    just_below = [m("5"), m("4")] * 2 + [m("4")]  # 22/5 = 4.4 → 4
    assert (
        suggest_term_mark(
            just_below, settings=SETTINGS, hours_per_week=W(5), lessons_held=10, lessons_missed=0
        ).value
        == "4"
    )


def test_not_assessed_needs_few_marks_and_many_absences() -> None:
    two_marks = [m("5"), m("4")]
    many_missed = suggest_term_mark(
        two_marks, settings=SETTINGS, hours_per_week=W(5), lessons_held=40, lessons_missed=21
    )
    assert many_missed.value == NOT_ASSESSED
    half_missed = suggest_term_mark(
        two_marks, settings=SETTINGS, hours_per_week=W(5), lessons_held=40, lessons_missed=20
    )
    assert half_missed.value == "5" and half_missed.too_few_marks
    # one hour a week: 3 marks are enough
    one_hour = suggest_term_mark(
        [m("3")] * 3, settings=SETTINGS, hours_per_week=W(1), lessons_held=9, lessons_missed=8
    )
    assert one_hour.value == "3" and not one_hour.too_few_marks


def test_pass_fail_subject() -> None:
    result = suggest_term_mark(
        [m(PASS), m(FAIL), m(PASS)],
        settings=SETTINGS,
        hours_per_week=W(1),
        lessons_held=9,
        lessons_missed=0,
        grading="pass_fail",
    )
    assert result.value == PASS


def test_year_mark_tie_goes_to_the_pupil() -> None:
    assert year_mark(["4", "5"]) == "5"
    assert year_mark(["3", "4", "4", "3"]) == "4"
    assert year_mark(["3", "3", "4"]) == "3"
    assert year_mark([PASS, PASS]) == PASS
    assert year_mark([]) is None


def test_scales() -> None:
    assert SETTINGS.scale == ("5", "4", "3", "2")
    assert GradingSettings(lowest_mark=1).scale == ("5", "4", "3", "2", "1")
    assert SETTINGS.values_for("pass_fail") == (PASS, FAIL)
    assert SETTINGS.values_for("none") == ()
    assert not SETTINGS.marks_allowed_in(1) and SETTINGS.marks_allowed_in(2)
    with pytest.raises(ValueError, match="thresholds"):
        GradingSettings(thresholds=(W("3.5"), W("2.5"), W("4.5")))


def test_settings_round_trip() -> None:
    custom = GradingSettings(
        lowest_mark=1, thresholds=THRESHOLD_PRESETS["strict"], min_marks_one_hour=4
    )
    assert GradingSettings.from_dict(custom.to_dict()) == custom
    assert GradingSettings.from_dict(None) == SETTINGS


marks_strategy = st.lists(
    st.tuples(st.sampled_from(["2", "3", "4", "5"]), st.sampled_from(["1", "1.5", "2", "3"])),
    min_size=1,
    max_size=40,
)


@given(marks_strategy)
def test_suggestion_lies_between_lowest_and_highest_mark(raw: list[tuple[str, str]]) -> None:
    marks = [m(v, w) for v, w in raw]
    result = suggest_term_mark(
        marks, settings=SETTINGS, hours_per_week=W(3), lessons_held=30, lessons_missed=0
    )
    values = [int(v) for v, _ in raw]
    assert result.value is not None
    assert min(values) <= int(result.value) <= max(values)
    assert result.mean is not None and W(min(values)) <= result.mean <= W(max(values))


@given(marks_strategy, st.sampled_from(["2", "3", "4", "5"]))
def test_a_better_mark_never_lowers_the_suggestion(raw: list[tuple[str, str]], extra: str) -> None:
    marks = [m(v, w) for v, w in raw]
    before = suggest_term_mark(
        marks, settings=SETTINGS, hours_per_week=W(3), lessons_held=30, lessons_missed=0
    )
    assert before.value is not None
    if int(extra) >= int(before.value):
        after = suggest_term_mark(
            [*marks, m(extra)],
            settings=SETTINGS,
            hours_per_week=W(3),
            lessons_held=30,
            lessons_missed=0,
        )
        assert after.value is not None and int(after.value) >= int(before.value)


def test_stored_settings_are_read_as_their_types_and_a_wrong_shape_is_refused() -> None:
    """A settings column is JSON: numbers may come back as text, and a value of the wrong shape
    must be refused rather than taken apart (a string is iterable: «н/а» would become letters)."""
    stored = GradingSettings.from_dict(
        {"lowest_mark": "1", "min_marks_one_hour": 4, "extra_values": ["н/а", "осв"]}
    )
    assert stored.lowest_mark == 1 and stored.min_marks_one_hour == 4
    assert stored.extra_values == ("н/а", "осв")
    with pytest.raises(TypeError, match="list"):
        GradingSettings.from_dict({"extra_values": "н/а"})
    with pytest.raises(TypeError, match="int"):
        GradingSettings.from_dict({"lowest_mark": [2]})
    with pytest.raises(ValueError):
        GradingSettings.from_dict({"thresholds": ["4.5", "3.5"]})
