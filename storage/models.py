"""Tables. Every row belongs to a school; keys that imports match on are unique per school."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) as well."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the journal stores only aware datetimes")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _school_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)


class SchoolRow(Base):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    grading: Mapped[dict] = mapped_column(JSON, default=dict)
    help_contacts: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    messengers: Mapped[str] = mapped_column(String(64), server_default="telegram,max")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())


class WorkKindRow(Base):
    __tablename__ = "work_kinds"
    __table_args__ = (UniqueConstraint("school_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    weight: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    written: Mapped[bool] = mapped_column(Boolean, default=False)


class SchoolYearRow(Base):
    __tablename__ = "school_years"
    __table_args__ = (UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    name: Mapped[str] = mapped_column(String(20))
    starts: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date] = mapped_column(Date)


class PeriodRow(Base):
    __tablename__ = "periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10))
    grade_from: Mapped[int] = mapped_column(Integer)
    grade_to: Mapped[int] = mapped_column(Integer)
    starts: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date] = mapped_column(Date)


class HolidayRow(Base):
    __tablename__ = "holidays"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    name: Mapped[str] = mapped_column(String(100))
    starts: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date] = mapped_column(Date)
    grade_from: Mapped[int] = mapped_column(Integer, default=1)
    grade_to: Mapped[int] = mapped_column(Integer, default=11)


class BellRow(Base):
    __tablename__ = "bells"
    __table_args__ = (UniqueConstraint("school_id", "shift", "lesson"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    shift: Mapped[int] = mapped_column(Integer, default=1)
    lesson: Mapped[int] = mapped_column(Integer)
    starts: Mapped[dt.time] = mapped_column(Time)
    ends: Mapped[dt.time] = mapped_column(Time)


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    external_id: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200))
    middle_name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[str] = mapped_column(String(100), default="")
    deputy_grade_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deputy_grade_to: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SubjectRow(Base):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(20), default="")
    grading: Mapped[str] = mapped_column(String(10), default="marks")


class ClassRow(Base):
    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    name: Mapped[str] = mapped_column(String(20))
    grade: Mapped[int] = mapped_column(Integer)
    class_teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )


class PupilRow(Base):
    __tablename__ = "pupils"
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    external_id: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200))
    middle_name: Mapped[str] = mapped_column(String(200), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    enrolled_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    left_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    home_schooled: Mapped[bool] = mapped_column(Boolean, default=False)


class EnrolmentRow(Base):
    __tablename__ = "enrolments"
    __table_args__ = (Index("ix_enrolments_class_dates", "class_id", "starts", "ends"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    starts: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class GuardianRow(Base):
    __tablename__ = "guardians"
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    external_id: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200))
    middle_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")


class GuardianshipRow(Base):
    __tablename__ = "guardianships"
    __table_args__ = (UniqueConstraint("guardian_id", "pupil_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(50), default="")


class SubgroupRow(Base):
    __tablename__ = "subgroups"
    __table_args__ = (UniqueConstraint("class_id", "subject_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))


class SubgroupMemberRow(Base):
    __tablename__ = "subgroup_members"
    __table_args__ = (UniqueConstraint("subgroup_id", "pupil_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    subgroup_id: Mapped[int] = mapped_column(ForeignKey("subgroups.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)


class AssignmentRow(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("subgroups.id", ondelete="CASCADE"), nullable=True
    )
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(4, 1))


class TimetableRow(Base):
    __tablename__ = "timetable"
    __table_args__ = (
        Index("ix_timetable_teacher_day", "teacher_id", "weekday"),
        Index("ix_timetable_class_day", "class_id", "weekday"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("subgroups.id", ondelete="CASCADE"), nullable=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    lesson: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    room: Mapped[str] = mapped_column(String(20), default="")
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class PlanTopicRow(Base):
    __tablename__ = "plan_topics"
    __table_args__ = (Index("ix_plan_topics_subject", "subject_id", "grade", "class_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), nullable=True
    )
    number: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(Text)
    hours: Mapped[int] = mapped_column(Integer, default=1)
    work_kind: Mapped[str] = mapped_column(String(50), default="")


# --------------------------------------------------------------------------- accounts


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("messenger", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    messenger: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="ru")
    display_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    unreachable_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    quiet_from: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    quiet_to: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    notify_marks: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    charts: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class AccountLinkRow(Base):
    __tablename__ = "account_links"
    __table_args__ = (
        UniqueConstraint("account_id", "school_id", "kind", "person_id"),
        Index("ix_account_links_person", "school_id", "kind", "person_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    school_id: Mapped[int] = _school_fk()
    kind: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int] = mapped_column(Integer)


class InvitationRow(Base):
    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )


class WrongCodeRow(Base):
    """A wrong invitation code tried by a messenger user; counted to throttle guessing."""

    __tablename__ = "wrong_codes"
    __table_args__ = (
        Index("ix_wrong_codes_user", "messenger", "user_id", "at"),
        Index("ix_wrong_codes_at", "at"),  # the journal-wide count, and forgetting old ones
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    messenger: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


# --------------------------------------------------------------------------- the journal


class LessonRow(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("slot_id", "day"),
        Index("ix_lessons_teacher_day", "teacher_id", "day"),
        Index("ix_lessons_class_subject_day", "class_id", "subject_id", "day"),
        Index("ix_lessons_school_day", "school_id", "day"),
        # What marks copy of their lesson, as a key they can refer to (see MarkRow). An index,
        # not a constraint: adding one does not rebuild the table on SQLite, which would
        # delete every mark and attendance entry through their ON DELETE CASCADE.
        Index("uq_lessons_id_day_subject_id", "id", "day", "subject_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    lesson_number: Mapped[int] = mapped_column(Integer)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subgroup_id: Mapped[int | None] = mapped_column(
        ForeignKey("subgroups.id", ondelete="CASCADE"), nullable=True
    )
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("timetable.id", ondelete="SET NULL"), nullable=True
    )
    substitute_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    topic: Mapped[str] = mapped_column(Text, default="")
    plan_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_topics.id", ondelete="SET NULL"), nullable=True
    )
    homework: Mapped[str | None] = mapped_column(Text, nullable=True)
    attendance_taken: Mapped[bool] = mapped_column(Boolean, default=False)


class AttendanceRow(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("lesson_id", "pupil_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(4))


class MarkRow(Base):
    """A mark, with its lesson's day and subject: the digests read a district's marks by
    pupil and day without looking up each mark's lesson. The copy cannot drift: the three
    columns together refer to the lesson's own, and follow it if it ever changes."""

    __tablename__ = "marks"
    __table_args__ = (
        UniqueConstraint("lesson_id", "pupil_id", "work_kind"),
        Index("ix_marks_pupil", "pupil_id", "created_at"),
        Index("ix_marks_unnotified", "notified_at", "school_id"),
        ForeignKeyConstraint(
            ["lesson_id", "day", "subject_id"],
            ["lessons.id", "lessons.day", "lessons.subject_id"],
            name="fk_marks_lesson_day_subject",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        Index(
            "ix_marks_pupil_day",
            "pupil_id",
            "day",
            "id",
            postgresql_include=["subject_id", "work_kind", "value", "comment"],
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)  # the lesson's
    subject_id: Mapped[int] = mapped_column(Integer)  # the lesson's
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"))
    work_kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AuditRow(Base):
    """Every change to the journal of record: the old value, who, when, and why."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class RemarkRow(Base):
    __tablename__ = "remarks"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), nullable=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    tone: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class TermMarkRow(Base):
    __tablename__ = "term_marks"
    __table_args__ = (UniqueConstraint("pupil_id", "subject_id", "period_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(8))
    suggested: Mapped[str | None] = mapped_column(String(8), nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


# --------------------------------------------------------------------------- delivery


class OutboxRow(Base):
    """Every message sent later: written with the job that decided it, sent from here."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(String(64))
    # Whose gateway sends it (the recipient account's messenger).
    messenger: Mapped[str] = mapped_column(String(16), server_default="telegram")
    kind: Mapped[str] = mapped_column(String(32))
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What it says, rendered when it is sent (`domain.notices`); None for a message queued
    # rendered, whose `text` and `buttons` go out as they are.
    notice: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    not_after: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class JobRunRow(Base):
    """That a job ran for a school and a period: the unique key makes it run once."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "school_id", "period_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    job: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(64))
    ran_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    messages: Mapped[int] = mapped_column(Integer, default=0)


# --------------------------------------------------------------------------- families


class AbsenceReasonRow(Base):
    """The class teacher's code for a pupil's absence on a day: Б (ill), У (valid), Н (none)."""

    __tablename__ = "absence_reasons"
    __table_args__ = (UniqueConstraint("pupil_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(2))
    set_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class AbsenceReportRow(Base):
    """A guardian's word ahead: the child will be away from … to …, and why."""

    __tablename__ = "absence_reports"
    __table_args__ = (Index("ix_absence_reports_pupil", "pupil_id", "starts"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    starts: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class TermAcknowledgementRow(Base):
    """A guardian saw a child's term marks: when, and how often they were reminded."""

    __tablename__ = "term_acknowledgements"
    __table_args__ = (UniqueConstraint("guardian_id", "pupil_id", "period_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    notified_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )


# --------------------------------------------------------------------------- control


class JournalRemarkRow(Base):
    """A deputy head's written remark to a teacher about their journal, with a due date."""

    __tablename__ = "journal_remarks"
    __table_args__ = (Index("ix_journal_remarks_teacher", "teacher_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = _school_fk()
    deputy_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open/fixed/accepted
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    fixed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
