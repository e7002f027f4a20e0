"""Who is acting: a messenger account linked by invitation to staff, guardian or pupil records."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass, field

from domain.model import Guardian, Pupil, Role, SchoolClass, StaffMember

PUPIL_MIN_AGE = 14
INVITATION_DAYS = 14
# Guessing invitation codes (see README, «Using the bot», for what a guess costs). Wrong codes
# are counted over the last WRONG_CODE_WINDOW, per account and across the whole journal (a wrong
# code names no school). An account with MAX_WRONG_CODES in the window is looked up at most once
# every SLOW_LOOKUP: a person who mistyped still gets in with the right code a minute later. Past
# JOURNAL_WRONG_CODES across all accounts, an account that already gave a wrong code in the
# window is not looked up until its wrong codes leave the window; an account with none still
# is, so a parent at a meeting is not locked out by someone guessing elsewhere. Codes sent at
# once are counted as if sent one after another (redeem_invitation).
MAX_WRONG_CODES = 5
SLOW_LOOKUP = dt.timedelta(minutes=1)
JOURNAL_WRONG_CODES = 60
WRONG_CODE_WINDOW = dt.timedelta(minutes=15)


class PersonKind(enum.StrEnum):
    STAFF = "staff"
    GUARDIAN = "guardian"
    PUPIL = "pupil"


@dataclass(slots=True)
class Account:
    """A messenger user; `messenger` is "telegram" today, "max" next."""

    id: int | None
    messenger: str
    user_id: str
    chat_id: str
    language: str = "ru"
    display_name: str = ""
    created_at: dt.datetime | None = None
    unreachable_at: dt.datetime | None = None  # blocked the bot: print their digests instead
    quiet_from: dt.time | None = None
    quiet_to: dt.time | None = None
    notify_marks: bool = True  # a notice for each new mark (held 10 minutes)
    charts: bool = True  # a chart of marks with the digest


@dataclass(slots=True)
class AccountLink:
    id: int | None
    account_id: int
    school_id: int
    kind: PersonKind
    person_id: int


@dataclass(slots=True)
class Invitation:
    id: int | None
    school_id: int
    code_hash: str
    kind: PersonKind
    person_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    account_id: int | None = None

    def usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class WrongCodeTally:
    """Wrong codes in the window: this account's (and its latest), and all accounts'."""

    account: int
    latest: dt.datetime | None
    journal: int

    def after_another(self, now: dt.datetime) -> WrongCodeTally:
        """The tally once the code just looked up is counted as wrong too."""
        return WrongCodeTally(account=self.account + 1, latest=now, journal=self.journal + 1)

    def wait(self, now: dt.datetime) -> dt.timedelta | None:
        """None: look the account's code up now. Else how long until it surely is looked up
        (the journal-wide count may fall sooner, but only the account's own window is sure)."""
        if self.account == 0 or self.latest is None:
            return None  # an account with no wrong code in the window always gets its lookup
        ready = now
        if self.account >= MAX_WRONG_CODES:
            ready = max(ready, self.latest + SLOW_LOOKUP)
        if self.journal >= JOURNAL_WRONG_CODES:
            ready = max(ready, self.latest + WRONG_CODE_WINDOW)
        return ready - now if ready > now else None


def new_code() -> str:
    """A single-use code for a deep link: 22 characters of [A-Za-z0-9_-], as Telegram allows."""
    return secrets.token_urlsafe(16)


def hash_code(code: str) -> str:
    """Codes are stored hashed: a copy of the database does not let anyone in."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


@dataclass(slots=True)
class Actor:
    """The person behind an update, with everything the menus and permission checks need."""

    account: Account
    school_id: int | None = None
    timezone: str | None = None  # the school's, so that «today» needs no extra query
    staff: StaffMember | None = None
    class_teacher_of: list[SchoolClass] = field(default_factory=list)
    guardian: Guardian | None = None
    children: list[Pupil] = field(default_factory=list)
    pupil: Pupil | None = None

    @property
    def account_id(self) -> int:
        assert self.account.id is not None
        return self.account.id

    @property
    def language(self) -> str:
        return self.account.language

    @property
    def is_teacher(self) -> bool:
        return self.staff is not None and Role.TEACHER in self.staff.roles

    @property
    def is_deputy(self) -> bool:
        return self.staff is not None and Role.DEPUTY in self.staff.roles

    @property
    def is_class_teacher(self) -> bool:
        return bool(self.class_teacher_of)

    @property
    def is_guardian(self) -> bool:
        return self.guardian is not None

    @property
    def is_pupil(self) -> bool:
        return self.pupil is not None

    @property
    def known(self) -> bool:
        """Linked to somebody in a school; strangers see only how to join."""
        return self.school_id is not None

    @property
    def staff_id(self) -> int | None:
        return self.staff.id if self.staff else None
