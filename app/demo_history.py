"""A few weeks of journal history for the demo school: lessons with topics from the plan (КТП),
attendance with some absences, marks of several kinds, homework and a few remarks.

Written through the journal's repositories in one transaction, the way the use cases write the
same rows: lessons are made from the timetable by `_materialise`, the plan's topics are taken in
order (a subject the example brings no plan for gets the demo's own, `app/demo_plan.py`), marks
use the subject's scale and the school's kinds of work. As in a real school the journal is
filled in on the lesson's day: the audit trail, which the deputy's control figures read, has the
register and the topic during the lesson and the homework by its end; a few lessons of each
teacher are filled in the next morning (late), and a few topics are typed instead of the plan's.
Old marks are stored as already announced, so families are not flooded with weeks of
notifications when the demo starts. Deterministic: the same seed gives the same journal.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.demo_plan import demo_plan
from domain.journal import (
    Attendance,
    AuditEntry,
    Lesson,
    Mark,
    Remark,
    RemarkTone,
    is_school_day,
)
from domain.model import Grading, Period, PlanTopic, Pupil, School, SchoolClass, Subject
from domain.ports import UnitOfWork
from domain.usecases.kernel import materialise_lessons

DAYS_BACK = 30  # the deputy's control looks this far back: no gaps there but the planned ones
PERIOD_BACK_AT_MOST = 70  # or to the current period's start, which the control reads from
SEED = 2026
GAPS = 6  # lessons of the last school days left without homework, for the control to find
LATE_AT_MOST = 0.08  # each teacher fills in up to this share of lessons the next morning
OWN_TOPIC = 0.03  # lessons whose topic the teacher typed instead of taking the plan's

GENERIC_TOPICS = (
    "Повторение изученного",
    "Новый материал: введение в тему",
    "Закрепление: работа в парах",
    "Практикум по теме",
    "Обобщение и систематизация",
    "Работа с учебником и схемами",
)
HOMEWORK_BY_SUBJECT = {
    "Математика": "§ {a}, № {b}–{c}",
    "Русский язык": "Упр. {b}, правило на с. {a}",
    "Литература": "Прочитать с. {b}–{c}, ответить на вопросы",
    "Английский язык": "Ex. {a}, p. {b}",
    "История": "§ {a}, вопросы 1–3",
}
GENERIC_HOMEWORK = "§ {a}, вопросы на с. {b}"
PRAISE = (
    "Отлично выступил(а) с докладом, молодец!",
    "Очень старательно работает на уроках последние недели.",
)
CONCERN = ("Забывает тетрадь с домашней работой, проверьте, пожалуйста.",)


@dataclass(frozen=True, slots=True)
class History:
    first: dt.date | None
    last: dt.date | None
    days: int
    lessons: int
    marks: int
    absences: int
    late: int
    remarks: int


def history_days(
    school: School,
    today: dt.date,
    holidays: Sequence,
    periods: Sequence[Period],
    days_back: int,
) -> list[dt.date]:
    """The school days (for any grade) of the `days_back` days before `today`, or from the
    current period's start when that is earlier (and not too long ago): the deputy's control
    reads from there, and lessons left empty there would read as a school that fills in late."""
    six = school.schedule.six_day_week
    earliest = min((p.starts for p in periods), default=today - dt.timedelta(days=60))
    first = today - dt.timedelta(days=days_back)
    current = [
        p.starts
        for p in periods
        if p.starts <= today <= p.ends
        and p.starts >= today - dt.timedelta(days=PERIOD_BACK_AT_MOST)
    ]
    first = max(earliest, min([first, *current]))
    days = [first + dt.timedelta(days=n) for n in range((today - first).days)]
    return [d for d in days if any(is_school_day(d, g, holidays, six) for g in range(1, 12))]


async def write_history(
    make_uow: Callable[[], UnitOfWork],
    school: School,
    today: dt.date,
    now: dt.datetime,
    *,
    highlight: Sequence[int] = (),
    days_back: int = DAYS_BACK,
    seed: int = SEED,
) -> History:
    """The journal of the school days in the `days_back` days before `today` (three or four
    school weeks; today stays empty). A few recent lessons are left without homework.

    `highlight` pupils (the demo guardian's children) get a remark and one day of absence, so
    the diary and the digest have something of each kind to show.
    """
    assert school.id is not None
    rng = random.Random(seed)
    zone = ZoneInfo(school.timezone)
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
        kinds = await uow.schools.work_kinds(school.id)
        days = history_days(school, today, snap.holidays, snap.periods, days_back)
        for day in days:
            await materialise_lessons(uow, school, day, snap.timetable)
        lessons: list[Lesson] = []
        for day in days:
            lessons += await uow.journal.lessons_on(school.id, day)
        classes = {c.id: c for c in snap.classes}
        subjects = {s.id: s for s in snap.subjects}
        pupils = {p.id: p for p in snap.pupils if p.id is not None}
        members = set(snap.subgroup_members)
        bells = {b.lesson: b for b in snap.bells if b.shift == 1}
        kind_by_name = {k.name.casefold(): k.code for k in kinds}
        plans = await _plans(uow, school.id, lessons, classes, subjects)
        lateness = {
            t: rng.uniform(0, LATE_AT_MOST) for t in sorted({x.acting_teacher_id for x in lessons})
        }
        audits: list[AuditEntry] = []
        # Each pupil has a steady level, so marks and forecasts look like a real class's.
        level = {pid: min(5.3, max(2.6, rng.gauss(4.0, 0.6))) for pid in pupils}
        sick = _sick_days(rng, days, snap.enrolments, pupils, highlight)
        recent = [x.id for x in lessons if days and x.day >= days[-min(3, len(days))]]
        gaps = set(rng.sample(recent, k=min(GAPS, len(recent))))
        progress: dict[tuple[int, int | None, int], int] = {}
        marks: list[Mark] = []
        absences = late = 0
        for lesson in sorted(lessons, key=lambda x: (x.day, x.lesson_number, x.id or 0)):
            assert lesson.id is not None  # read back from the journal
            cls = classes[lesson.class_id]
            subject = subjects[lesson.subject_id]
            roster = _roster(lesson, cls, snap.enrolments, pupils, members)
            bell = bells.get(lesson.lesson_number)
            ends = bell.ends if bell else dt.time(15, 0)
            at = dt.datetime.combine(lesson.day, ends, zone).astimezone(dt.UTC)
            starts = dt.datetime.combine(lesson.day, bell.starts if bell else dt.time(14, 15), zone)
            statuses: dict[int, Attendance] = {}
            for pupil in roster:
                assert pupil.id is not None  # the roster comes from `pupils`, keyed by id
                if (pupil.id, lesson.day) in sick:
                    statuses[pupil.id] = Attendance.ABSENT
                elif rng.random() < 0.01:
                    statuses[pupil.id] = Attendance.LATE
            absent = {pid for pid, s in statuses.items() if s is Attendance.ABSENT}
            absences += len(absent)
            late += sum(1 for s in statuses.values() if s is Attendance.LATE)
            if statuses:
                await uow.journal.replace_attendance(school.id, lesson.id, statuses)
            lesson.attendance_taken = True
            plan = plans[(lesson.subject_id, lesson.class_id)]
            topic = None if rng.random() < OWN_TOPIC else _next_topic(progress, plan, lesson)
            if topic is not None:
                lesson.topic, lesson.plan_topic_id = topic.topic, topic.id
            else:
                lesson.topic = rng.choice(GENERIC_TOPICS)
            lesson.homework = _homework(rng, subject.name)
            if lesson.id in gaps:
                lesson.homework = None  # forgotten: the evening and the deputy's control see it
            late_entry = rng.random() < lateness[lesson.acting_teacher_id]
            audits += _entries(rng, lesson, starts, late_entry)
            present = [p for p in roster if p.id not in absent]
            scale = school.grading.values_for(subject.grading.value)
            if subject.grading is Grading.NONE or not scale:
                continue
            if not school.grading.marks_allowed_in(cls.grade):
                continue
            written = kind_by_name.get(topic.work_kind.casefold()) if topic else None
            for pupil, kind in _who_gets_marks(rng, present, written):
                assert pupil.id is not None
                value = _value(rng, scale, level[pupil.id])
                mark = Mark(
                    id=None,
                    school_id=school.id,
                    lesson_id=lesson.id,
                    pupil_id=pupil.id,
                    work_kind=kind,
                    value=value,
                    comment="",
                    author_id=lesson.acting_teacher_id,
                    created_at=at,
                )
                marks.append(mark)
        await uow.directory.save([], lessons)
        await uow.directory.save(marks, [])
        await uow.journal.add_audit(audits)
        await uow.family.mark_notified([m.id for m in marks if m.id is not None], now)
        remarks = _remarks(rng, school.id, lessons, snap.enrolments, pupils, highlight, zone)
        for remark in remarks:
            await uow.journal.add_remark(remark)
        await uow.commit()
    return History(
        first=days[0] if days else None,
        last=days[-1] if days else None,
        days=len(days),
        lessons=len(lessons),
        marks=len(marks),
        absences=absences,
        late=late,
        remarks=len(remarks),
    )


async def _plans(
    uow: UnitOfWork,
    school_id: int,
    lessons: Sequence[Lesson],
    classes: dict[int | None, SchoolClass],
    subjects: dict[int | None, Subject],
) -> dict[tuple[int, int], list[PlanTopic]]:
    """Each class's plan of each subject; a grade-wide demo plan where the example has none,
    long enough for the history's lessons and some weeks to come."""
    count = Counter((x.subject_id, x.class_id, x.subgroup_id) for x in lessons)
    needed: Counter[tuple[int, int]] = Counter()
    for (subject_id, class_id, _), n in count.items():
        key = (subject_id, classes[class_id].grade)
        needed[key] = max(needed[key], n + 20)
    plans: dict[tuple[int, int], list[PlanTopic]] = {}
    for subject_id, class_id in sorted({(x.subject_id, x.class_id) for x in lessons}):
        grade = classes[class_id].grade
        plan = await uow.journal.plan(school_id, subject_id, class_id, grade)
        if not plan:
            subject = subjects[subject_id]
            lines = demo_plan(
                subject.name,
                grade,
                needed[(subject_id, grade)],
                graded=subject.grading is not Grading.NONE,
            )
            plan = [
                PlanTopic(
                    id=None,
                    school_id=school_id,
                    subject_id=subject_id,
                    grade=grade,
                    class_id=None,
                    number=number,
                    topic=line.topic,
                    hours=1,
                    work_kind=line.work_kind,
                )
                for number, line in enumerate(lines, start=1)
            ]
            await uow.directory.save(plan, [])
        plans[(subject_id, class_id)] = plan
    return plans


def _entries(
    rng: random.Random, lesson: Lesson, starts: dt.datetime, late: bool
) -> list[AuditEntry]:
    """When the lesson was filled in, as the use cases record it: the register and the topic
    during the lesson, the homework at its end; or all of it the next morning, late."""
    assert lesson.id is not None
    if late:
        morning = dt.datetime.combine(
            lesson.day + dt.timedelta(days=1), dt.time(7, 0), starts.tzinfo
        )
        moments = [morning + dt.timedelta(minutes=rng.randint(0, 50) + n) for n in range(3)]
    else:
        moments = [
            starts + dt.timedelta(minutes=rng.randint(1, 6)),
            starts + dt.timedelta(minutes=rng.randint(5, 30)),
            starts + dt.timedelta(minutes=rng.randint(35, 60)),
        ]
    values = (("attendance_taken", "1"), ("topic", lesson.topic), ("homework", lesson.homework))
    return [
        AuditEntry(
            id=None,
            school_id=lesson.school_id,
            entity="lesson",
            entity_id=lesson.id,
            field=name,
            old_value=None,
            new_value=value,
            author_id=lesson.acting_teacher_id,
            at=moment.astimezone(dt.UTC),
            reason="",
            late=late,
        )
        for (name, value), moment in zip(values, moments, strict=True)
        if value is not None
    ]


def _in_class(enrolments: Sequence, pupil_id: int, class_id: int, day: dt.date) -> bool:
    return any(
        e.pupil_id == pupil_id
        and e.class_id == class_id
        and e.starts <= day
        and (e.ends is None or e.ends >= day)
        for e in enrolments
    )


def _roster(
    lesson: Lesson,
    cls: SchoolClass,
    enrolments: Sequence,
    pupils: dict[int, Pupil],
    members: set[tuple[int, int]],
) -> list[Pupil]:
    """Who sits in the lesson: the class on that day, the lesson's group only, in the journal."""
    found = []
    for e in enrolments:
        if e.class_id != cls.id or e.starts > lesson.day or (e.ends and e.ends < lesson.day):
            continue
        if lesson.subgroup_id is not None and (lesson.subgroup_id, e.pupil_id) not in members:
            continue
        pupil = pupils.get(e.pupil_id)
        if pupil is not None and pupil.in_journal(lesson.day):
            found.append(pupil)
    return sorted(found, key=lambda p: (p.last_name, p.first_name))


def _sick_days(
    rng: random.Random,
    days: Sequence[dt.date],
    enrolments: Sequence,
    pupils: dict[int, Pupil],
    highlight: Sequence[int],
) -> set[tuple[int, dt.date]]:
    """A few pupils off sick for one to three days in a row; each highlighted pupil once."""
    sick: set[tuple[int, dt.date]] = set()
    if not days:
        return sick
    ids = sorted({e.pupil_id for e in enrolments if e.pupil_id in pupils})
    chosen = rng.sample(ids, k=min(len(ids), max(1, len(ids) // 8)))
    for pid in chosen:
        start = rng.randrange(len(days))
        for day in days[start : start + rng.choice((1, 1, 2, 3))]:
            sick.add((pid, day))
    for n, pid in enumerate(highlight):
        sick.add((pid, days[max(0, len(days) - 4 - 3 * n)]))
    return sick


def _next_topic(
    progress: dict[tuple[int, int | None, int], int], plan: list[PlanTopic], lesson: Lesson
) -> PlanTopic | None:
    """The plan's topics one lesson after another, as «By the plan» suggests them."""
    if not plan:
        return None
    key = (lesson.class_id, lesson.subgroup_id, lesson.subject_id)
    index = progress.get(key, 0)
    if index >= len(plan):
        return None
    progress[key] = index + 1
    return plan[index]


def _homework(rng: random.Random, subject: str) -> str:
    if rng.random() < 0.15:
        return ""  # «no homework»
    pattern = HOMEWORK_BY_SUBJECT.get(subject, GENERIC_HOMEWORK)
    a = rng.randint(3, 28)
    b = rng.randint(40, 180)
    return pattern.format(a=a, b=b, c=b + rng.randint(2, 6))


def _who_gets_marks(
    rng: random.Random, present: Sequence[Pupil], written: str | None
) -> list[tuple[Pupil, str]]:
    """A written work marks everybody present; otherwise a few answers and some class work."""
    if not present:
        return []
    if written:
        return [(p, written) for p in present]
    if rng.random() < 0.12:
        return [(p, "independent") for p in present]
    answering = rng.sample(list(present), k=min(len(present), rng.randint(2, 4)))
    chosen = [(p, "oral") for p in answering]
    if rng.random() < 0.3:
        others = [p for p in present if all(p is not q for q, _ in chosen)]
        chosen += [(p, "classwork") for p in rng.sample(others, k=min(len(others), 4))]
    return chosen


def _value(rng: random.Random, scale: Sequence[str], level: float) -> str:
    numeric = [v for v in scale if v.isdigit()]
    if not numeric:
        return scale[0] if rng.random() < 0.9 else scale[-1]  # pass / fail
    value = round(level + rng.gauss(0, 0.7))
    allowed = sorted(int(v) for v in numeric)
    value = min(max(value, max(allowed[0], 2)), allowed[-1])
    return str(value)


def _remarks(
    rng: random.Random,
    school_id: int,
    lessons: Sequence[Lesson],
    enrolments: Sequence,
    pupils: dict[int, Pupil],
    highlight: Sequence[int],
    zone: ZoneInfo,
) -> list[Remark]:
    """A praise for each highlighted pupil, and a few words to other families."""
    found: list[Remark] = []
    recent = sorted(lessons, key=lambda x: (x.day, x.lesson_number), reverse=True)
    targets = [(pid, RemarkTone.PRAISE, PRAISE[n % len(PRAISE)]) for n, pid in enumerate(highlight)]
    others = [pid for pid in sorted(pupils) if pid not in highlight]
    for pid in rng.sample(others, k=min(len(others), 3)):
        tone = rng.choice((RemarkTone.PRAISE, RemarkTone.CONCERN))
        targets.append((pid, tone, rng.choice(PRAISE if tone is RemarkTone.PRAISE else CONCERN)))
    for pid, tone, text in targets:
        lesson = next(
            (
                x
                for x in recent
                if x.subgroup_id is None and _in_class(enrolments, pid, x.class_id, x.day)
            ),
            None,
        )
        if lesson is None or lesson.id is None:
            continue
        at = dt.datetime.combine(lesson.day, dt.time(15, 0), zone).astimezone(dt.UTC)
        found.append(
            Remark(
                id=None,
                school_id=school_id,
                pupil_id=pid,
                lesson_id=lesson.id,
                author_id=lesson.acting_teacher_id,
                tone=tone,
                text=text,
                created_at=at,
            )
        )
    return found
