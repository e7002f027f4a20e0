"""Between domain entities and table rows: one pair of functions per entity, nothing clever."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.family import (
    AbsenceCode,
    AbsenceReason,
    AbsenceReport,
    ReportedReason,
    TermAcknowledgement,
)
from domain.journal import (
    Attendance,
    AttendanceEntry,
    AuditEntry,
    Lesson,
    Mark,
    Remark,
    RemarkTone,
    TermMark,
)
from domain.model import (
    Assignment,
    Bell,
    Enrolment,
    GradeRange,
    Grading,
    Guardian,
    Guardianship,
    Holiday,
    Period,
    PeriodKind,
    PlanTopic,
    Pupil,
    Role,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
    WorkKind,
)
from domain.people import Account, AccountLink, Invitation, PersonKind
from storage import models as m


@dataclass(frozen=True, slots=True)
class Mapping:
    model: type[m.Base]
    to_row: Callable[[Any], dict[str, Any]]
    from_row: Callable[[Any], Any]


def _plain(entity: Any, *names: str) -> dict[str, Any]:
    return {n: getattr(entity, n) for n in names}


def _staff_row(s: StaffMember) -> dict[str, Any]:
    row = _plain(s, "id", "school_id", "external_id", "last_name", "first_name", "middle_name")
    row["roles"] = ";".join(sorted(r.value for r in s.roles))
    row["deputy_grade_from"] = s.deputy_grades.first if s.deputy_grades else None
    row["deputy_grade_to"] = s.deputy_grades.last if s.deputy_grades else None
    return row


def _staff(r: m.StaffRow) -> StaffMember:
    grades = (
        GradeRange(r.deputy_grade_from, r.deputy_grade_to)
        if r.deputy_grade_from is not None and r.deputy_grade_to is not None
        else None
    )
    roles = frozenset(Role(x) for x in r.roles.split(";") if x)
    return StaffMember(
        id=r.id,
        school_id=r.school_id,
        external_id=r.external_id,
        last_name=r.last_name,
        first_name=r.first_name,
        middle_name=r.middle_name,
        roles=roles,
        deputy_grades=grades,
    )


def _range_row(entity: Any, *names: str) -> dict[str, Any]:
    row = _plain(entity, *names)
    row["grade_from"] = entity.grades.first
    row["grade_to"] = entity.grades.last
    return row


MAPPINGS: dict[type, Mapping] = {
    StaffMember: Mapping(m.StaffRow, _staff_row, _staff),
    Subject: Mapping(
        m.SubjectRow,
        lambda s: {
            **_plain(s, "id", "school_id", "name", "short_name"),
            "grading": s.grading.value,
        },
        lambda r: Subject(
            id=r.id,
            school_id=r.school_id,
            name=r.name,
            short_name=r.short_name,
            grading=Grading(r.grading),
        ),
    ),
    SchoolClass: Mapping(
        m.ClassRow,
        lambda c: _plain(c, "id", "school_id", "name", "grade", "class_teacher_id"),
        lambda r: SchoolClass(
            id=r.id,
            school_id=r.school_id,
            name=r.name,
            grade=r.grade,
            class_teacher_id=r.class_teacher_id,
        ),
    ),
    Pupil: Mapping(
        m.PupilRow,
        lambda p: _plain(
            p,
            "id",
            "school_id",
            "external_id",
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "enrolled_on",
            "left_on",
            "home_schooled",
        ),
        lambda r: Pupil(
            id=r.id,
            school_id=r.school_id,
            external_id=r.external_id,
            last_name=r.last_name,
            first_name=r.first_name,
            middle_name=r.middle_name,
            birth_date=r.birth_date,
            enrolled_on=r.enrolled_on,
            left_on=r.left_on,
            home_schooled=r.home_schooled,
        ),
    ),
    Enrolment: Mapping(
        m.EnrolmentRow,
        lambda e: _plain(e, "id", "school_id", "pupil_id", "class_id", "starts", "ends"),
        lambda r: Enrolment(
            id=r.id,
            school_id=r.school_id,
            pupil_id=r.pupil_id,
            class_id=r.class_id,
            starts=r.starts,
            ends=r.ends,
        ),
    ),
    Guardian: Mapping(
        m.GuardianRow,
        lambda g: _plain(
            g, "id", "school_id", "external_id", "last_name", "first_name", "middle_name", "phone"
        ),
        lambda r: Guardian(
            id=r.id,
            school_id=r.school_id,
            external_id=r.external_id,
            last_name=r.last_name,
            first_name=r.first_name,
            middle_name=r.middle_name,
            phone=r.phone,
        ),
    ),
    Guardianship: Mapping(
        m.GuardianshipRow,
        lambda g: _plain(g, "id", "school_id", "guardian_id", "pupil_id", "relation"),
        lambda r: Guardianship(
            id=r.id,
            school_id=r.school_id,
            guardian_id=r.guardian_id,
            pupil_id=r.pupil_id,
            relation=r.relation,
        ),
    ),
    Subgroup: Mapping(
        m.SubgroupRow,
        lambda s: _plain(s, "id", "school_id", "class_id", "subject_id", "name"),
        lambda r: Subgroup(
            id=r.id,
            school_id=r.school_id,
            class_id=r.class_id,
            subject_id=r.subject_id,
            name=r.name,
        ),
    ),
    Assignment: Mapping(
        m.AssignmentRow,
        lambda a: _plain(
            a,
            "id",
            "school_id",
            "teacher_id",
            "subject_id",
            "class_id",
            "subgroup_id",
            "hours_per_week",
        ),
        lambda r: Assignment(
            id=r.id,
            school_id=r.school_id,
            teacher_id=r.teacher_id,
            subject_id=r.subject_id,
            class_id=r.class_id,
            subgroup_id=r.subgroup_id,
            hours_per_week=r.hours_per_week,
        ),
    ),
    Bell: Mapping(
        m.BellRow,
        lambda b: _plain(b, "id", "school_id", "shift", "lesson", "starts", "ends"),
        lambda r: Bell(
            id=r.id,
            school_id=r.school_id,
            shift=r.shift,
            lesson=r.lesson,
            starts=r.starts,
            ends=r.ends,
        ),
    ),
    SchoolYear: Mapping(
        m.SchoolYearRow,
        lambda y: _plain(y, "id", "school_id", "name", "starts", "ends"),
        lambda r: SchoolYear(
            id=r.id, school_id=r.school_id, name=r.name, starts=r.starts, ends=r.ends
        ),
    ),
    Period: Mapping(
        m.PeriodRow,
        lambda p: {
            **_range_row(p, "id", "school_id", "school_year_id", "name", "starts", "ends"),
            "kind": p.kind.value,
        },
        lambda r: Period(
            id=r.id,
            school_id=r.school_id,
            school_year_id=r.school_year_id,
            name=r.name,
            kind=PeriodKind(r.kind),
            grades=GradeRange(r.grade_from, r.grade_to),
            starts=r.starts,
            ends=r.ends,
        ),
    ),
    Holiday: Mapping(
        m.HolidayRow,
        lambda h: _range_row(h, "id", "school_id", "name", "starts", "ends"),
        lambda r: Holiday(
            id=r.id,
            school_id=r.school_id,
            name=r.name,
            starts=r.starts,
            ends=r.ends,
            grades=GradeRange(r.grade_from, r.grade_to),
        ),
    ),
    TimetableSlot: Mapping(
        m.TimetableRow,
        lambda t: _plain(
            t,
            "id",
            "school_id",
            "class_id",
            "subgroup_id",
            "weekday",
            "lesson",
            "subject_id",
            "teacher_id",
            "room",
            "valid_from",
            "valid_to",
        ),
        lambda r: TimetableSlot(
            id=r.id,
            school_id=r.school_id,
            class_id=r.class_id,
            subgroup_id=r.subgroup_id,
            weekday=r.weekday,
            lesson=r.lesson,
            subject_id=r.subject_id,
            teacher_id=r.teacher_id,
            room=r.room,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
        ),
    ),
    PlanTopic: Mapping(
        m.PlanTopicRow,
        lambda p: _plain(
            p,
            "id",
            "school_id",
            "subject_id",
            "grade",
            "class_id",
            "number",
            "topic",
            "hours",
            "work_kind",
        ),
        lambda r: PlanTopic(
            id=r.id,
            school_id=r.school_id,
            subject_id=r.subject_id,
            grade=r.grade,
            class_id=r.class_id,
            number=r.number,
            topic=r.topic,
            hours=r.hours,
            work_kind=r.work_kind,
        ),
    ),
    WorkKind: Mapping(
        m.WorkKindRow,
        lambda w: _plain(w, "id", "school_id", "code", "name", "weight", "written"),
        lambda r: WorkKind(
            id=r.id,
            school_id=r.school_id,
            code=r.code,
            name=r.name,
            weight=r.weight,
            written=r.written,
        ),
    ),
    Account: Mapping(
        m.AccountRow,
        lambda a: _plain(
            a,
            "id",
            "messenger",
            "user_id",
            "chat_id",
            "language",
            "display_name",
            "created_at",
            "unreachable_at",
            "quiet_from",
            "quiet_to",
            "notify_marks",
            "charts",
        ),
        lambda r: Account(
            id=r.id,
            messenger=r.messenger,
            user_id=r.user_id,
            chat_id=r.chat_id,
            language=r.language,
            display_name=r.display_name,
            created_at=r.created_at,
            unreachable_at=r.unreachable_at,
            quiet_from=r.quiet_from,
            quiet_to=r.quiet_to,
            notify_marks=r.notify_marks,
            charts=r.charts,
        ),
    ),
    AccountLink: Mapping(
        m.AccountLinkRow,
        lambda a: {**_plain(a, "id", "account_id", "school_id", "person_id"), "kind": a.kind.value},
        lambda r: AccountLink(
            id=r.id,
            account_id=r.account_id,
            school_id=r.school_id,
            kind=PersonKind(r.kind),
            person_id=r.person_id,
        ),
    ),
    Invitation: Mapping(
        m.InvitationRow,
        lambda i: {
            **_plain(
                i,
                "id",
                "school_id",
                "code_hash",
                "person_id",
                "created_at",
                "expires_at",
                "used_at",
                "account_id",
            ),
            "kind": i.kind.value,
        },
        lambda r: Invitation(
            id=r.id,
            school_id=r.school_id,
            code_hash=r.code_hash,
            kind=PersonKind(r.kind),
            person_id=r.person_id,
            created_at=r.created_at,
            expires_at=r.expires_at,
            used_at=r.used_at,
            account_id=r.account_id,
        ),
    ),
    Lesson: Mapping(
        m.LessonRow,
        lambda x: _plain(
            x,
            "id",
            "school_id",
            "day",
            "lesson_number",
            "class_id",
            "subgroup_id",
            "subject_id",
            "teacher_id",
            "slot_id",
            "substitute_id",
            "topic",
            "plan_topic_id",
            "homework",
            "attendance_taken",
        ),
        lambda r: Lesson(
            id=r.id,
            school_id=r.school_id,
            day=r.day,
            lesson_number=r.lesson_number,
            class_id=r.class_id,
            subgroup_id=r.subgroup_id,
            subject_id=r.subject_id,
            teacher_id=r.teacher_id,
            slot_id=r.slot_id,
            substitute_id=r.substitute_id,
            topic=r.topic,
            plan_topic_id=r.plan_topic_id,
            homework=r.homework,
            attendance_taken=r.attendance_taken,
        ),
    ),
    AttendanceEntry: Mapping(
        m.AttendanceRow,
        lambda a: {
            **_plain(a, "id", "school_id", "lesson_id", "pupil_id"),
            "status": a.status.value,
        },
        lambda r: AttendanceEntry(
            id=r.id,
            school_id=r.school_id,
            lesson_id=r.lesson_id,
            pupil_id=r.pupil_id,
            status=Attendance(r.status),
        ),
    ),
    Mark: Mapping(
        m.MarkRow,
        lambda x: _plain(
            x,
            "id",
            "school_id",
            "lesson_id",
            "pupil_id",
            "work_kind",
            "value",
            "comment",
            "author_id",
            "created_at",
            "changed_at",
        ),
        lambda r: Mark(
            id=r.id,
            school_id=r.school_id,
            lesson_id=r.lesson_id,
            pupil_id=r.pupil_id,
            work_kind=r.work_kind,
            value=r.value,
            comment=r.comment,
            author_id=r.author_id,
            created_at=r.created_at,
            changed_at=r.changed_at,
        ),
    ),
    AuditEntry: Mapping(
        m.AuditRow,
        lambda x: _plain(
            x,
            "id",
            "school_id",
            "entity",
            "entity_id",
            "field",
            "old_value",
            "new_value",
            "author_id",
            "at",
            "reason",
            "late",
        ),
        lambda r: AuditEntry(
            id=r.id,
            school_id=r.school_id,
            entity=r.entity,
            entity_id=r.entity_id,
            field=r.field,
            old_value=r.old_value,
            new_value=r.new_value,
            author_id=r.author_id,
            at=r.at,
            reason=r.reason,
            late=r.late,
        ),
    ),
    Remark: Mapping(
        m.RemarkRow,
        lambda x: {
            **_plain(
                x, "id", "school_id", "pupil_id", "lesson_id", "author_id", "text", "created_at"
            ),
            "tone": x.tone.value,
        },
        lambda r: Remark(
            id=r.id,
            school_id=r.school_id,
            pupil_id=r.pupil_id,
            lesson_id=r.lesson_id,
            author_id=r.author_id,
            tone=RemarkTone(r.tone),
            text=r.text,
            created_at=r.created_at,
        ),
    ),
    TermMark: Mapping(
        m.TermMarkRow,
        lambda x: _plain(
            x,
            "id",
            "school_id",
            "pupil_id",
            "subject_id",
            "period_id",
            "value",
            "suggested",
            "author_id",
            "set_at",
        ),
        lambda r: TermMark(
            id=r.id,
            school_id=r.school_id,
            pupil_id=r.pupil_id,
            subject_id=r.subject_id,
            period_id=r.period_id,
            value=r.value,
            suggested=r.suggested,
            author_id=r.author_id,
            set_at=r.set_at,
        ),
    ),
    AbsenceReason: Mapping(
        m.AbsenceReasonRow,
        lambda x: {
            **_plain(x, "id", "school_id", "pupil_id", "day", "set_by", "set_at"),
            "code": x.code.value,
        },
        lambda r: AbsenceReason(
            id=r.id,
            school_id=r.school_id,
            pupil_id=r.pupil_id,
            day=r.day,
            code=AbsenceCode(r.code),
            set_by=r.set_by,
            set_at=r.set_at,
        ),
    ),
    AbsenceReport: Mapping(
        m.AbsenceReportRow,
        lambda x: {
            **_plain(
                x,
                "id",
                "school_id",
                "pupil_id",
                "guardian_id",
                "starts",
                "ends",
                "text",
                "created_at",
            ),
            "reason": x.reason.value,
        },
        lambda r: AbsenceReport(
            id=r.id,
            school_id=r.school_id,
            pupil_id=r.pupil_id,
            guardian_id=r.guardian_id,
            starts=r.starts,
            ends=r.ends,
            reason=ReportedReason(r.reason),
            text=r.text,
            created_at=r.created_at,
        ),
    ),
    TermAcknowledgement: Mapping(
        m.TermAcknowledgementRow,
        lambda x: _plain(
            x,
            "id",
            "school_id",
            "guardian_id",
            "pupil_id",
            "period_id",
            "notified_at",
            "reminders",
            "last_reminded_at",
            "acknowledged_at",
            "account_id",
        ),
        lambda r: TermAcknowledgement(
            id=r.id,
            school_id=r.school_id,
            guardian_id=r.guardian_id,
            pupil_id=r.pupil_id,
            period_id=r.period_id,
            notified_at=r.notified_at,
            reminders=r.reminders,
            last_reminded_at=r.last_reminded_at,
            acknowledged_at=r.acknowledged_at,
            account_id=r.account_id,
        ),
    ),
}


def mapping_for(entity: object) -> Mapping:
    try:
        return MAPPINGS[type(entity)]
    except KeyError:
        raise TypeError(f"no table for {type(entity).__name__}") from None
