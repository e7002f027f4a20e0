"""Forged MAX payloads get a refusal and change nothing, as on Telegram: a dialog's button with
ids that are not the person's, notice buttons for rows that are not theirs, Telegram's payloads
and anything at all; never a crash."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.uow import SqlUnitOfWork
from tests.bot.conftest import MSK
from tests.bot.test_forged_ids import crashes
from tests.bot.test_forgery import SEP, journal_state
from tests.max.harness import MaxHarness, MaxPerson, running_max_bot

STALE = "This screen is out of date; here is a fresh menu."


@pytest.fixture
async def max_harness(make_uow: Callable[[], SqlUnitOfWork]) -> AsyncIterator[MaxHarness]:
    async with running_max_bot(make_uow) as h:
        yield h


def forge(person: MaxPerson, widget: str, item: str) -> str:
    """A payload for `widget` with our own item, under the screen's real intent id."""
    for row in person.screen().buttons:
        for button in row:
            if SEP in button["payload"]:
                return f"{button['payload'].split(SEP, 1)[0]}{SEP}{widget}:{item}"
    raise AssertionError(f"no dialog buttons on {person.screen().text!r}")


async def refused(person: MaxPerson, payload: str) -> str:
    """Press a forged `payload`: what the answer showed over the chat."""
    callback_id = await person._handled(
        lambda: person.server.user_forges_press(person.user_id, payload)
    )
    notes = person.notes(callback_id)
    assert notes, f"no refusal shown for {payload!r}"
    return notes[0]


async def _lesson_ids(h: MaxHarness) -> dict[str, int]:
    async with h.make_uow() as uow:
        lessons = await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
    mine = next(x for x in lessons if x.teacher_id == h.staff["T1"] and x.lesson_number == 1)
    theirs = next(x for x in lessons if x.teacher_id == h.staff["T2"] and x.lesson_number == 4)
    return {"mine": mine.id, "theirs": theirs.id}


async def test_forged_max_payloads_are_refused_and_change_nothing(max_harness: MaxHarness) -> None:
    h = max_harness
    h.clock.moment = dt.datetime(2026, 11, 16, 9, 0, tzinfo=MSK)
    await h.teacher("T2", user_id=7002)  # makes T2's lessons exist too
    teacher = await h.teacher("T1", user_id=7001)
    ids = await _lesson_ids(h)
    other_pupil = h.pupils["B5"]  # 8Б, not in 7А
    before = await journal_state(h)

    assert "not yours" in await refused(teacher, forge(teacher, "tl", str(ids["theirs"])))
    assert STALE == await refused(teacher, forge(teacher, "tl", "999999"))
    assert "Today, Mon 16.11" in (teacher.screen().text or "")  # a fresh menu
    assert STALE == await refused(teacher, "garbage")
    assert STALE == await refused(teacher, forge(teacher, "tl", "1" * 40))
    await teacher.press("1. 7А · Математика")
    await teacher.press("Marks")
    assert "roster" in await refused(teacher, forge(teacher, "mg", f"v{other_pupil}:5"))
    assert "not a mark" in await refused(teacher, forge(teacher, "mg", f"v{h.pupils['A1']}:9"))

    # Notice buttons: rows that are not the teacher's, and Telegram's payloads, which MAX's
    # codec does not read.
    for payload in ("seen:1", "remind:1", "remark:999999", f"contact:{other_pupil}"):
        assert await refused(teacher, payload) != "", payload
    absence = f"absence:{h.classes['8Б']}:2026-11-16:{other_pupil}:?"
    assert "not your class" in await refused(teacher, absence)
    assert STALE == await refused(teacher, "ack:1")
    assert STALE == await refused(teacher, "seen:" + "9" * 40)

    assert await journal_state(h) == before
    assert all("Traceback" not in (text or "") for text in teacher.texts())


PREFIXES = ["seen:", "absence:", "remind:", "contact:", "remark:", "ack:", ""]
payloads = st.one_of(
    st.text(max_size=300),
    st.builds(lambda p, rest: p + rest, st.sampled_from(PREFIXES), st.text(max_size=60)),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=payloads, under_intent=st.booleans())
async def test_any_forged_payload_gets_an_answer(
    max_harness: MaxHarness,
    caplog: pytest.LogCaptureFixture,
    payload: str,
    under_intent: bool,
) -> None:
    h = max_harness
    caplog.set_level(logging.INFO)
    teacher = MaxPerson(h, 7001)
    if not h.server.bot_messages(7001):
        teacher = await h.teacher("T1", user_id=7001)
    if under_intent:
        payload = forge(teacher, "tl", payload)
    if len(payload.encode()) > 1024:
        return  # MAX does not deliver a payload longer than its buttons may carry
    before = chat(h)
    callback_id = await teacher._handled(lambda: h.server.user_forges_press(7001, payload))
    notes = teacher.notes(callback_id)
    # An answer: a refusal over the chat, or (for data that happens to be a real button of
    # this teacher's, such as their own lesson's id) the screen it opens.
    assert notes or chat(h) != before, f"no answer to {payload!r}"
    assert all("Traceback" not in text for text in notes + teacher.texts())
    assert crashes(caplog) == []


def chat(h: MaxHarness) -> list[tuple[str, int, str]]:
    """What the teacher's chat shows: each bot message with its edits."""
    return [(m.mid, len(m.history), m.text or "") for m in h.server.bot_messages(7001)]
