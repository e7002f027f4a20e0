"""MAX's callback payloads: every intent round-trips within MAX's 1024 bytes, and whatever we did
not write (huge or malformed ids, garbage, Telegram's or another prefix) is refused, never
parsed into an intent. Telegram's button data is as it always was."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import payloads as telegram
from bot.max import payloads
from domain.family import AbsenceCode
from domain.ids import MAX_ID, StaleInput
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
    Intent,
    OpenRemark,
    RemindTeacher,
    SetAbsenceReason,
)
from tests import strategies

ids = st.integers(min_value=1, max_value=MAX_ID)
intents = strategies.intents(ids)


@given(intents)
def test_every_intent_round_trips_within_max_limit(intent: Intent) -> None:
    data = payloads.encode(intent)
    assert len(data.encode()) <= payloads.MAX_PAYLOAD
    assert payloads.decode(data) == intent
    assert payloads.decode_as(data, type(intent)) == intent


@given(intents)
def test_telegram_and_max_payloads_are_apart(intent: Intent) -> None:
    """Each messenger reads only its own: a Telegram payload is no MAX one, and back."""
    assert telegram.decode(telegram.encode(intent)) == intent
    with pytest.raises(StaleInput):
        payloads.decode(telegram.encode(intent))
    with pytest.raises(StaleInput):
        telegram.decode(payloads.encode(intent))


FORGED = [
    None,
    "",
    "seen:",
    "seen:" + "1" * 40,  # a huge id
    f"seen:{MAX_ID + 1}",
    "seen:0",
    "seen:-1",
    "seen:012",
    "seen:١٢",
    "seen: 12",
    "seen:12:13",
    "seen:" + "1" * 2000,  # over MAX's limit
    "SEEN:12",
    "ack:12",  # Telegram's prefix
    "nope:12",
    "seen12",
    "garbage \x00\xff",
    "absence:1:2026-02-30:3:Б",
    "absence:1:2026-11-16:3:X",
    "absence:1:2026-11-16:3",
    "absence:1:2026-11-16:3:Б:9",
    "remind:" + "9" * 19,
]


@pytest.mark.parametrize("data", FORGED)
def test_forged_payloads_are_refused(data: str | None) -> None:
    with pytest.raises(StaleInput):
        payloads.decode(data)


@given(st.text(max_size=200))
def test_any_text_decodes_to_an_intent_of_ours_or_is_refused(data: str) -> None:
    try:
        intent = payloads.decode(data)
    except StaleInput:
        return
    assert payloads.encode(intent) == data  # only what we write is read


def test_a_payload_of_another_kind_is_refused() -> None:
    with pytest.raises(StaleInput):
        payloads.decode_as(payloads.encode(OpenRemark(5)), AcknowledgeTermMarks)


def test_telegram_writes_what_it_always_wrote() -> None:
    day = dt.date(2026, 11, 16)
    assert telegram.encode(AcknowledgeTermMarks(7)) == "ack:7"
    assert telegram.encode(ContactClassTeacher(7)) == "ctc:7"
    assert telegram.encode(RemindTeacher(7)) == "rm:7"
    assert telegram.encode(OpenRemark(7)) == "rmk:7"
    ask = SetAbsenceReason(class_id=1, day=day, pupil_id=2)
    ill = SetAbsenceReason(class_id=1, day=day, pupil_id=2, reason=AbsenceCode.ILL)
    assert telegram.encode(ask) == "ar:1:2026-11-16:2:?"
    assert telegram.encode(ill) == "ar:1:2026-11-16:2:Б"
    assert payloads.encode(ill) == "absence:1:2026-11-16:2:Б"
    assert payloads.encode(AcknowledgeTermMarks(7)) == "seen:7"
