"""What the use cases need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol, Self

from domain.delivery import OutboxMessage
from domain.family import AbsenceReason, AbsenceReport, TermAcknowledgement
from domain.importing import SchoolSnapshot
from domain.journal import Attendance, AttendanceEntry, AuditEntry, Lesson, Mark, Remark, TermMark
from domain.model import (
    Assignment,
    Bell,
    Guardian,
    Holiday,
    Period,
    PlanTopic,
    Pupil,
    School,
    SchoolClass,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
    WorkKind,
)
from domain.people import Account, AccountLink, Invitation, PersonKind, WrongCodeTally
from domain.readmodels import ClassRows, SchoolRows
from domain.remarks import JournalRemark


class Clock(Protocol):
    """Where «now» comes from; tests pass a fixed one."""

    def now(self) -> dt.datetime: ...


class SchoolRepository(Protocol):
    async def add(self, school: School) -> School: ...

    async def get(self, school_id: int) -> School | None: ...

    async def update(self, school: School) -> None: ...

    async def by_name(self, name: str) -> School | None: ...

    async def all(self) -> list[School]: ...

    async def add_work_kinds(self, kinds: Sequence[WorkKind]) -> None: ...

    async def work_kinds(self, school_id: int) -> list[WorkKind]: ...


class SchoolDirectory(Protocol):
    """The school's lists as the importer reads and writes them."""

    async def snapshot(self, school_id: int) -> SchoolSnapshot: ...

    async def save(self, inserts: Sequence[object], updates: Sequence[object]) -> None:
        """Insert new entities (setting their ids) and update changed ones, of one kind."""
        ...

    async def add_subgroup_members(
        self, school_id: int, pairs: Sequence[tuple[int, int]]
    ) -> None: ...

    async def remove_subgroup_members(self, pairs: Sequence[tuple[int, int]]) -> None: ...


class PeopleRepository(Protocol):
    """Reads of the school's people and structure by id, always within one school."""

    async def staff(self, school_id: int, ids: Sequence[int]) -> list[StaffMember]: ...

    async def all_staff(self, school_id: int) -> list[StaffMember]: ...

    async def guardian(self, school_id: int, guardian_id: int) -> Guardian | None: ...

    async def guardians_of(self, school_id: int, pupil_ids: Sequence[int]) -> list[Guardian]: ...

    async def children(self, school_id: int, guardian_id: int) -> list[Pupil]: ...

    async def pupils(self, school_id: int, ids: Sequence[int]) -> list[Pupil]: ...

    async def classes(
        self, school_id: int, ids: Sequence[int] | None = None
    ) -> list[SchoolClass]: ...

    async def class_by_name(self, school_id: int, name: str) -> SchoolClass | None: ...

    async def class_of_pupil(
        self, school_id: int, pupil_id: int, day: dt.date
    ) -> SchoolClass | None: ...

    async def subgroups_of_pupil(self, school_id: int, pupil_id: int) -> list[int]: ...

    async def classes_of_class_teacher(
        self, school_id: int, staff_id: int
    ) -> list[SchoolClass]: ...

    async def subjects(self, school_id: int, ids: Sequence[int]) -> list[Subject]: ...

    async def subgroups(self, school_id: int, ids: Sequence[int]) -> list[Subgroup]: ...

    async def pupils_of_class(self, school_id: int, class_id: int, day: dt.date) -> list[Pupil]: ...

    async def roster(
        self, school_id: int, class_id: int, subgroup_id: int | None, day: dt.date
    ) -> list[Pupil]:
        """Pupils in the class (and subgroup) on `day`, home-schooled ones included."""
        ...


class AccountRepository(Protocol):
    async def by_user(self, messenger: str, user_id: str) -> Account | None: ...

    async def add(self, account: Account) -> Account: ...

    async def update(self, account: Account) -> None: ...

    async def links(self, account_id: int) -> list[AccountLink]: ...

    async def add_link(self, link: AccountLink) -> None: ...

    async def accounts_of(
        self, school_id: int, kind: PersonKind, person_id: int
    ) -> list[Account]: ...

    async def add_invitations(self, invitations: Sequence[Invitation]) -> None: ...

    async def invitation_by_hash(self, code_hash: str) -> Invitation | None: ...

    async def invitations_of(
        self, school_id: int, kind: PersonKind, person_ids: Sequence[int]
    ) -> list[Invitation]:
        """Every invitation ever issued to these people, used or not."""
        ...

    async def update_invitation(self, invitation: Invitation) -> None: ...

    async def hold_user(self, messenger: str, user_id: str) -> None:
        """Until the transaction ends, no other transaction for this messenger user gets past
        this call (SQLite: the database's write lock; PostgreSQL: a lock on the user): updates the
        bot handles at once make the account and count wrong codes one after another."""
        ...

    async def add_wrong_code(self, messenger: str, user_id: str, at: dt.datetime) -> int:
        """Count a code as wrong before it is looked up; its id, to take it back if it was valid."""
        ...

    async def wrong_code_tally(
        self, messenger: str, user_id: str, after: dt.datetime, besides: int
    ) -> WrongCodeTally:
        """Wrong codes later than `after` but `besides` (the one being looked up): the account's,
        its latest, and all accounts' (those of transactions in flight only as far as held)."""
        ...

    async def hold_journal_wrong_codes(self) -> None:
        """Until the transaction ends, no other transaction gets past this call: the lookups the
        journal-wide count decides run one at a time, each counting those before it."""
        ...

    async def take_back_wrong_code(self, wrong_code_id: int) -> None:
        """The code counted before its lookup was valid: it is no wrong code."""
        ...

    async def forget_wrong_codes(self, until: dt.datetime) -> None:
        """Delete wrong codes no longer counted (at `until` or before): the table stays small."""
        ...


class JournalRepository(Protocol):
    async def lesson(self, school_id: int, lesson_id: int) -> Lesson | None: ...

    async def lessons_on(
        self, school_id: int, day: dt.date, teacher_id: int | None = None
    ) -> list[Lesson]:
        """Lessons of the day; with a teacher, those they teach or substitute."""
        ...

    async def lessons_of(
        self, school_id: int, class_id: int, subject_id: int, first: dt.date, last: dt.date
    ) -> list[Lesson]: ...

    async def timetable(
        self, school_id: int, weekday: int | None = None
    ) -> list[TimetableSlot]: ...

    async def add_lessons(self, lessons: Sequence[Lesson]) -> None:
        """Insert lessons made from the timetable; one already made for a slot and day is kept."""
        ...

    async def save_lesson(self, lesson: Lesson) -> None: ...

    async def attendance(self, lesson_ids: Sequence[int]) -> list[AttendanceEntry]: ...

    async def replace_attendance(
        self, school_id: int, lesson_id: int, statuses: dict[int, Attendance]
    ) -> None: ...

    async def marks(self, lesson_ids: Sequence[int]) -> list[Mark]: ...

    async def save_mark(self, mark: Mark) -> None: ...

    async def delete_mark(self, mark_id: int) -> None: ...

    async def add_audit(self, entries: Sequence[AuditEntry]) -> None: ...

    async def audit_of(self, entity: str, entity_id: int) -> list[AuditEntry]: ...

    async def audits_of(self, entity: str, entity_ids: Sequence[int]) -> list[AuditEntry]: ...

    async def lessons_between(
        self, school_id: int, first: dt.date, last: dt.date
    ) -> list[Lesson]: ...

    async def all_assignments(self, school_id: int) -> list[Assignment]: ...

    async def add_remark(self, remark: Remark) -> None: ...

    async def plan(
        self, school_id: int, subject_id: int, class_id: int, grade: int
    ) -> list[PlanTopic]: ...

    async def used_plan_topics(
        self, school_id: int, class_id: int, subgroup_id: int | None, subject_id: int
    ) -> set[int]: ...

    async def bells(self, school_id: int) -> list[Bell]: ...

    async def holidays(self, school_id: int) -> list[Holiday]: ...

    async def periods(self, school_id: int) -> list[Period]: ...

    async def assignments_of(self, school_id: int, teacher_id: int) -> list[Assignment]: ...

    async def assignments_for_class(self, school_id: int, class_id: int) -> list[Assignment]: ...

    async def term_marks(
        self, school_id: int, period_id: int, subject_id: int, pupil_ids: Sequence[int]
    ) -> list[TermMark]: ...

    async def save_term_mark(self, term_mark: TermMark) -> None: ...


class OutboxRepository(Protocol):
    async def add(self, messages: Sequence[OutboxMessage]) -> int:
        """Queue messages; one whose dedup key is already queued is skipped. Returns how many."""
        ...

    async def claim(
        self, now: dt.datetime, limit: int, lease_until: dt.datetime
    ) -> list[OutboxMessage]:
        """Due messages (and ones whose lease ran out), leased to this sender; never one past
        its `not_after`."""
        ...

    async def expire(self, now: dt.datetime) -> int:
        """Messages waiting past their `not_after` become `expired`; returns how many."""
        ...

    async def mark_sent(self, ids: Sequence[int], at: dt.datetime) -> None:
        """Telegram took them: `sent`, whoever holds the claim now, unless already `sent`."""
        ...

    async def save(self, messages: Sequence[OutboxMessage]) -> int:
        """What became of claimed messages, written only where the row still holds the claim
        each was taken with (`OutboxMessage.claim`); returns how many could not be written."""
        ...

    async def counts(self) -> dict[str, int]: ...

    async def due(self, now: dt.datetime) -> int:
        """Messages waiting to go that may go at `now` (quiet hours over, retry time come)."""
        ...

    async def latest_failures(self, limit: int) -> list[OutboxMessage]: ...

    async def mark_unreachable(self, account_id: int, at: dt.datetime) -> None: ...

    async def last_status(self, account_ids: Sequence[int], kind: str) -> str | None:
        """The status of the latest message of a kind to any of the accounts."""
        ...


class JobRunRepository(Protocol):
    async def start(self, job: str, school_id: int, period_key: str, at: dt.datetime) -> bool:
        """Record the run; False when this job already ran for this school and period."""
        ...

    async def ran(self, job: str, school_id: int, period_key: str) -> bool: ...

    async def set_count(self, job: str, school_id: int, period_key: str, messages: int) -> None: ...


class FamilyRepository(Protocol):
    async def lessons_of_class(
        self, school_id: int, class_id: int, first: dt.date, last: dt.date
    ) -> list[Lesson]: ...

    async def marks_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[tuple[Mark, Lesson]]: ...

    async def attendance_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[tuple[AttendanceEntry, Lesson]]: ...

    async def absence_reasons(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[AbsenceReason]: ...

    async def set_absence_reason(self, reason: AbsenceReason) -> None: ...

    async def remarks_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], since: dt.datetime
    ) -> list[Remark]: ...

    async def add_absence_report(self, report: AbsenceReport) -> None: ...

    async def absence_reports(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[AbsenceReport]: ...

    async def term_marks_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], period_id: int
    ) -> list[TermMark]: ...

    async def acknowledgement(self, school_id: int, ack_id: int) -> TermAcknowledgement | None: ...

    async def acknowledgements(
        self, school_id: int, period_id: int | None = None, pupil_ids: Sequence[int] | None = None
    ) -> list[TermAcknowledgement]: ...

    async def save_acknowledgements(self, items: Sequence[TermAcknowledgement]) -> None: ...

    async def unnotified_marks(
        self, before: dt.datetime, limit: int
    ) -> list[tuple[Mark, Lesson]]: ...

    async def mark_notified(self, ids: Sequence[int], at: dt.datetime) -> None: ...

    async def reset_notified(self, mark_id: int) -> None: ...


class JournalRemarkRepository(Protocol):
    """A deputy head's remarks to teachers about their journals, always within one school."""

    async def add(self, remark: JournalRemark) -> None: ...

    async def get(self, school_id: int, remark_id: int) -> JournalRemark | None: ...

    async def save(self, remark: JournalRemark) -> None: ...

    async def for_teacher(self, school_id: int, teacher_id: int) -> list[JournalRemark]: ...

    async def by_deputy(self, school_id: int, deputy_id: int) -> list[JournalRemark]: ...

    async def open_due_before(self, school_id: int, day: dt.date) -> list[JournalRemark]:
        """Open remarks whose due day is before `day`: overdue on `day`."""
        ...


class DigestRepository(Protocol):
    """Set-based reads for digests: a school's lists once, then one class at a time, in a
    constant number of queries whatever the class's size."""

    async def school_rows(
        self,
        school_id: int,
        *,
        day: dt.date,
        remarks_since: dt.datetime,
        period_ids: Collection[int],
    ) -> SchoolRows:
        """The school's lists, every family account of its pupils, its pupils by class on
        `day` (as `people.roster`) with their subgroups, the remarks about them since
        `remarks_since` and their term marks of the periods `period_ids`."""
        ...

    async def class_rows(
        self,
        school_id: int,
        class_id: int,
        pupil_ids: Collection[int],
        *,
        day: dt.date,
        first: dt.date,
        last: dt.date,
        marks_from: dt.date,
        marks_to: dt.date,
        shown_from: dt.date,
        charted: Collection[int],
        numbers: Mapping[str, int],
        others: Collection[str],
    ) -> ClassRows:
        """The class's journal for its pupils `pupil_ids` (see `ClassRows`; rows of the class's
        other pupils on `day` may come too): marks from `marks_from` to `marks_to` counted per
        pupil, subject and kind (how many have a value in `numbers`, the sum of those numbers,
        how many have a value in `others`), and listed from `shown_from` (from `marks_from` for
        the `charted` pupils)."""
        ...


class UnitOfWork(Protocol):
    """One transaction per use case: commit keeps everything, anything else keeps nothing."""

    schools: SchoolRepository
    directory: SchoolDirectory
    people: PeopleRepository
    accounts: AccountRepository
    journal: JournalRepository
    outbox: OutboxRepository
    jobs: JobRunRepository
    family: FamilyRepository
    remarks: JournalRemarkRepository
    digests: DigestRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
