"""Messages sent later: the outbox, quiet hours, retries, and Telegram's rate limits.

Everything a job wants to say goes into the outbox first, in the same transaction that records
the job's run; the sender delivers from there. So a crash loses nothing, and a message is sent
twice only when the process dies between Telegram's «ok» and our «sent», or when the database
is away longer than the message's lease and another sender process takes it before this one
can record the «ok» it holds (README, «Delivery»).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import deque
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from domain.clock import school_time
from domain.notices import NoticeBody

DEFAULT_QUIET_FROM = dt.time(21, 0)
DEFAULT_QUIET_TO = dt.time(8, 0)
MAX_ATTEMPTS = 6
LEASE = dt.timedelta(seconds=60)
MAX_ERROR_LENGTH = 500  # of the reason a send failed, as recorded


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the recipient blocked the bot
    EXPIRED = "expired"  # its day ended before it could go (`not_after`): never sent


@dataclass(slots=True)
class OutboxMessage:
    id: int | None
    school_id: int
    account_id: int
    chat_id: str
    kind: str
    dedup_key: str
    text: str
    not_before: dt.datetime
    created_at: dt.datetime
    messenger: str  # whose gateway sends it: the recipient account's messenger
    urgent: bool = False
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    lease_until: dt.datetime | None = None
    last_error: str = ""
    sent_at: dt.datetime | None = None
    photo: bytes | None = None  # sent as a picture with `text` as its caption (≤ 1024)
    # The lease the sender claimed it with (not stored apart: the row's `lease_until` while
    # the claim stands). Its outcome is written only while the row still holds this lease:
    # once the lease ran out and another sender claimed the row, the claim is that one's.
    claim: dt.datetime | None = None
    # After this moment it is no longer true (a summary of a day that has ended): the sender
    # records it as expired instead of sending it. None: it keeps.
    not_after: dt.datetime | None = None
    # What it says, rendered when it is sent: `text` and `buttons` are then the rendering.
    # None: a message queued rendered (before 0011, or written whole), sent as it is.
    notice: NoticeBody | None = None
    # The recipient account's language as it is when the message is claimed (not stored here:
    # read from the account), which its notice is rendered in.
    language: str = ""


class SendOutcome(enum.StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # flood control: wait and try again
    BLOCKED = "blocked"  # the user blocked the bot: do not try again
    TEMPORARY = "temporary"  # network trouble, 5xx: back off and retry
    PERMANENT = "permanent"  # a bad request that will never go through


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    retry_after: float = 0.0
    error: str = ""


# --------------------------------------------------------------------------- quiet hours


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A recipient's night, in the school's time zone; may run over midnight (21:00–08:00)."""

    starts: dt.time = DEFAULT_QUIET_FROM
    ends: dt.time = DEFAULT_QUIET_TO

    def contains(self, moment: dt.time) -> bool:
        if self.starts == self.ends:
            return False
        if self.starts < self.ends:
            return self.starts <= moment < self.ends
        return moment >= self.starts or moment < self.ends

    def release(self, now: dt.datetime, timezone: str) -> dt.datetime:
        """The earliest moment at or after `now` outside the quiet hours."""
        local = school_time(now, timezone)
        if not self.contains(local.time()):
            return now
        day = local.date()
        if self.starts > self.ends and local.time() >= self.starts:
            day += dt.timedelta(days=1)
        morning = dt.datetime.combine(day, self.ends, ZoneInfo(timezone))
        return morning.astimezone(now.tzinfo or dt.UTC)


def deliver_at(
    now: dt.datetime, timezone: str, quiet: QuietHours, *, urgent: bool = False
) -> dt.datetime:
    """When a message written now may go out: at once, or in the morning unless urgent."""
    return now if urgent else quiet.release(now, timezone)


# --------------------------------------------------------------------------- retries


def backoff(attempts: int) -> dt.timedelta:
    """2, 4, 8 … seconds, at most 5 minutes."""
    return dt.timedelta(seconds=min(300, 2 ** max(1, attempts)))


def storable(text: str, limit: int = MAX_ERROR_LENGTH) -> str:
    """Text from outside (an error Telegram or the network gave) as a database takes it: no
    NUL (PostgreSQL refuses it in any text), no lone surrogate (not UTF-8), at most `limit`
    characters."""
    cleaned = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return cleaned[:limit]


def after_failure(message: OutboxMessage, result: SendResult, now: dt.datetime) -> OutboxMessage:
    """What becomes of a message whose send did not succeed."""
    message.lease_until = None
    message.last_error = storable(result.error)
    if result.outcome is SendOutcome.BLOCKED:
        message.status = OutboxStatus.BLOCKED
    elif result.outcome is SendOutcome.RETRY_AFTER:
        # Flood control is not the message's fault: it does not use up an attempt.
        message.status = OutboxStatus.PENDING
        message.not_before = now + dt.timedelta(seconds=max(result.retry_after, 1))
    elif result.outcome is SendOutcome.PERMANENT:
        message.attempts += 1
        message.status = OutboxStatus.FAILED
    else:
        message.attempts += 1
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
        else:
            message.status = OutboxStatus.PENDING
            message.not_before = now + backoff(message.attempts)
    return message


# --------------------------------------------------------------------------- rate limits


class RateLimiter:
    """Telegram's limits: N messages a second overall and one a second per chat.

    Pure bookkeeping over a monotonic clock: `wait(chat, now)` says how long to wait before
    sending to that chat, `record(chat, now)` notes a send.
    """

    # Sends leave here a little before Telegram sees them; keep a margin so that its clock,
    # not only ours, finds the limits kept.
    MARGIN = 0.05

    def __init__(self, per_second: float = 25.0, per_chat_interval: float = 1.0) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self._recent: deque[float] = deque()
        self._last_by_chat: dict[str, float] = {}
        self._paused_until = 0.0

    def wait(self, chat: str, now: float) -> float:
        delay = max(0.0, self._paused_until - now)
        last = self._last_by_chat.get(chat)
        if last is not None and self.per_chat_interval > 0:
            delay = max(delay, last + self.per_chat_interval + self.MARGIN - now)
        if self.per_second > 0 and self._recent:
            # Evenly spaced rather than in bursts: kinder to Telegram, and a crash mid-send
            # repeats only what was in flight, not a whole second's worth.
            delay = max(delay, self._recent[-1] + 1.0 / self.per_second - now)
        if self.per_second > 0:
            window = 1.0 + self.MARGIN
            while self._recent and self._recent[0] <= now - window:
                self._recent.popleft()
            if len(self._recent) >= self.per_second:
                delay = max(delay, self._recent[0] + window - now)
        return delay if delay > 1e-9 else 0.0  # floating point: a wait already waited is none

    def record(self, chat: str, now: float) -> None:
        self._recent.append(now)
        self._last_by_chat[chat] = now
        if len(self._last_by_chat) > 50_000:
            horizon = now - self.per_chat_interval
            self._last_by_chat = {c: t for c, t in self._last_by_chat.items() if t > horizon}

    def pause(self, seconds: float, now: float) -> None:
        """After a 429 everything waits: Telegram counts the bot's sends, not one chat's."""
        self._paused_until = max(self._paused_until, now + seconds)
