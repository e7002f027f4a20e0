"""The day view's use case: only the child's own subgroup's lessons, and refusals for another
family's child and for days that are none of the child's school days."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.people import PersonKind
from domain.usecases import teaching
from domain.usecases.diary import NoSuchSchoolDay, NotYourChild, diary_day
from tests.builders import UowFactory, imported_school, todays_lesson
from tests.school_data import SMALL_SCHOOL
from tests.test_family import join


async def test_the_day_shows_the_childs_own_subgroup_only(make_uow: UowFactory) -> None:
    """5А learns English in two groups at Monday's lesson 2: S2 (group 2) sees group 2's."""
    w = await imported_school(make_uow, SMALL_SCHOOL)
    one = await join(w, PersonKind.STAFF, w.ids["T2"], 1)  # English, group 1
    two = await join(w, PersonKind.STAFF, w.ids["T3"], 2)  # English, group 2
    parent = await join(w, PersonKind.GUARDIAN, w.ids["G2"], 3)  # S2, group 2
    await teaching.set_topic(
        w.make_uow(), one, await todays_lesson(w, one, 2), w.clock, text="Past Simple"
    )
    mine = await todays_lesson(w, two, 2)
    await teaching.set_topic(w.make_uow(), two, mine, w.clock, text="Present Perfect")
    await teaching.put_mark(w.make_uow(), two, mine, w.ids["S2"], "oral", "4", w.clock)

    day = await diary_day(w.make_uow(), parent, w.ids["S2"], w.clock)
    assert day.day == dt.date(2026, 11, 16)
    english = [x for x in day.lessons if x.subject == "Английский язык"]
    assert [(x.number, x.topic) for x in english] == [(2, "Present Perfect")]
    assert [(m.value, m.work_kind) for m in english[0].marks] == [("4", "Устный ответ")]

    with pytest.raises(NotYourChild):
        await diary_day(w.make_uow(), parent, w.ids["S1"], w.clock)
    # Sunday, the autumn holiday, the summer before and the winter after the year's periods.
    for forged in ("2026-11-15", "2026-11-02", "2026-08-31", "2027-01-11"):
        with pytest.raises(NoSuchSchoolDay):
            await diary_day(
                w.make_uow(), parent, w.ids["S2"], w.clock, dt.date.fromisoformat(forged)
            )
