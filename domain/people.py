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
# Wrong codes an account may try before it has to wait.
MAX_WRONG_CODES = 5
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
