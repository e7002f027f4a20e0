"""Quiet hours, retries and rate limits: the rules of sending, without a database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from domain.delivery import (
    MAX_ATTEMPTS,
    OutboxMessage,
    OutboxStatus,
    QuietHours,
    RateLimiter,
    SendOutcome,
    SendResult,
    after_failure,
    deliver_at,
)

MSK = ZoneInfo("Europe/Moscow")
NIGHT = QuietHours()


def at(hour: int, minute: int = 0, day: int = 16) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=MSK)


def test_quiet_hours_hold_messages_until_morning() -> None:
    assert deliver_at(at(19), "Europe/Moscow", NIGHT) == at(19)
    assert deliver_at(at(21), "Europe/Moscow", NIGHT) == at(8, day=17)
    assert deliver_at(at(23, 59), "Europe/Moscow", NIGHT) == at(8, day=17)
    assert deliver_at(at(3), "Europe/Moscow", NIGHT) == at(8)
    assert deliver_at(at(8), "Europe/Moscow", NIGHT) == at(8)
    assert deliver_at(at(23), "Europe/Moscow", NIGHT, urgent=True) == at(23)
    # The school's zone decides: 20:30 in Moscow is 22:30 in Yekaterinburg.
    released = deliver_at(at(20, 30), "Asia/Yekaterinburg", NIGHT)
    assert released.astimezone(ZoneInfo("Asia/Yekaterinburg")) == dt.datetime(
        2026, 11, 17, 8, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg")
    )
    daytime_quiet = QuietHours(dt.time(13), dt.time(14))
    assert deliver_at(at(13, 30), "Europe/Moscow", daytime_quiet) == at(14)


@given(
    st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    st.sampled_from(["Europe/Moscow", "Asia/Vladivostok", "Europe/Kaliningrad"]),
)
def test_release_is_never_earlier_and_never_quiet(moment: dt.datetime, zone: str) -> None:
    now = moment.replace(tzinfo=dt.UTC)
    released = deliver_at(now, zone, NIGHT)
    assert released >= now
    assert not NIGHT.contains(released.astimezone(ZoneInfo(zone)).time())
    assert released - now <= dt.timedelta(hours=11, minutes=1)


def message() -> OutboxMessage:
    return OutboxMessage(
        id=1,
        school_id=1,
        account_id=1,
        chat_id="100",
        messenger="telegram",
        kind="test",
        dedup_key="k",
        text="text",
        not_before=at(10),
        created_at=at(10),
    )


def test_failures() -> None:
    now = at(10)
    flood = after_failure(message(), SendResult(SendOutcome.RETRY_AFTER, 7), now)
    assert (flood.status, flood.attempts, flood.not_before) == (
        OutboxStatus.PENDING,
        0,
        now + dt.timedelta(seconds=7),
    )
    blocked = after_failure(message(), SendResult(SendOutcome.BLOCKED, error="403"), now)
    assert blocked.status is OutboxStatus.BLOCKED
    bad = after_failure(message(), SendResult(SendOutcome.PERMANENT, error="400"), now)
    assert bad.status is OutboxStatus.FAILED and bad.last_error == "400"
    flaky = message()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        after_failure(flaky, SendResult(SendOutcome.TEMPORARY, error="502"), now)
        expected = OutboxStatus.FAILED if attempt == MAX_ATTEMPTS else OutboxStatus.PENDING
        assert (flaky.status, flaky.attempts) == (expected, attempt)
        if expected is OutboxStatus.PENDING:
            assert flaky.not_before > now


@given(st.lists(st.tuples(st.integers(0, 20), st.floats(0, 0.2)), min_size=1, max_size=300))
def test_rate_limiter_never_exceeds_its_limits(plan: list[tuple[int, float]]) -> None:
    limiter = RateLimiter(per_second=10, per_chat_interval=1.0)
    now = 0.0
    sent: list[tuple[float, str]] = []
    for chat_number, gap in plan:
        now += gap
        chat = str(chat_number)
        wait = limiter.wait(chat, now)
        now += wait
        assert limiter.wait(chat, now) == 0
        limiter.record(chat, now)
        sent.append((now, chat))
    for i, (t, chat) in enumerate(sent):
        window = [x for x in sent[i:] if x[0] < t + 1.0 - 1e-9]
        assert len(window) <= 10
        assert sum(1 for _, c in window if c == chat) == 1


def test_pause_after_flood_control() -> None:
    limiter = RateLimiter(per_second=100)
    limiter.pause(3.0, now=10.0)
    assert limiter.wait("a", 11.0) == 2.0
    assert limiter.wait("a", 13.0) == 0.0
