"""A few weeks of journal history for the demo school: lessons with topics from the plan (КТП),
attendance with some absences, marks of several kinds, homework and a few remarks.

Written through the journal's repositories in one transaction, the way the use cases write the
same rows: lessons are made from the timetable by `_materialise`, the plan's topics are taken in
order, marks use the subject's scale and the school's kinds of work. Old marks are stored as
already announced, so families are not flooded with weeks of notifications when the demo starts.
Deterministic: the same seed gives the same journal.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from domain.journal import Attendance, Lesson, Mark, Remark, RemarkTone, is_school_day
from domain.model import Grading, PlanTopic, Pupil, School, SchoolClass
from domain.ports import UnitOfWork
from domain.usecases.teaching import _materialise

DAYS_BACK = 30  # the deputy's control looks this far back: no gaps there but the planned ones
SEED = 2026
GAPS = 6  # lessons of the last school days left without homework, for the control to find

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
    school: School, today: dt.date, holidays: Sequence, earliest: dt.date, days_back: int
) -> list[dt.date]:
    """The school days (for any grade) of the `days_back` days before `today`."""
    six = school.schedule.six_day_week
    first = max(earliest, today - dt.timedelta(days=days_back))
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
        earliest = min((p.starts for p in snap.periods), default=today - dt.timedelta(days=60))
        days = history_days(school, today, snap.holidays, earliest, days_back)
        for day in days:
            await _materialise(uow, school, day, snap.timetable)
        lessons: list[Lesson] = []
        for day in days:
            lessons += await uow.journal.lessons_on(school.id, day)
        classes = {c.id: c for c in snap.classes}
        subjects = {s.id: s for s in snap.subjects}
        pupils = {p.id: p for p in snap.pupils}
        members = set(snap.subgroup_members)
        bells = {b.lesson: b for b in snap.bells if b.shift == 1}
        kind_by_name = {k.name.casefold(): k.code for k in kinds}
        plans: dict[tuple[int, int], list[PlanTopic]] = {}
        for lesson in lessons:
            key = (lesson.subject_id, lesson.class_id)
            if key not in plans:
                grade = classes[lesson.class_id].grade
                plans[key] = await uow.journal.plan(school.id, *key, grade)
        # Each pupil has a steady level, so marks and forecasts look like a real class's.
        level = {pid: min(5.3, max(2.6, rng.gauss(4.0, 0.6))) for pid in pupils}
        sick = _sick_days(rng, days, snap.enrolments, pupils, highlight)
        recent = [x.id for x in lessons if days and x.day >= days[-min(3, len(days))]]
        gaps = set(rng.sample(recent, k=min(GAPS, len(recent))))
        progress: dict[tuple[int, int | None, int], int] = {}
        marks: list[Mark] = []
        absences = late = 0
        for lesson in sorted(lessons, key=lambda x: (x.day, x.lesson_number, x.id or 0)):
            cls = classes[lesson.class_id]
            subject = subjects[lesson.subject_id]
            roster = _roster(lesson, cls, snap.enrolments, pupils, members)
            bell = bells.get(lesson.lesson_number)
            ends = bell.ends if bell else dt.time(15, 0)
            at = dt.datetime.combine(lesson.day, ends, zone).astimezone(dt.UTC)
            statuses: dict[int, Attendance] = {}
            for pupil in roster:
                if (pupil.id, lesson.day) in sick:
                    statuses[pupil.id] = Attendance.ABSENT  # type: ignore[index]
                elif rng.random() < 0.01:
                    statuses[pupil.id] = Attendance.LATE  # type: ignore[index]
            absences += sum(1 for s in statuses.values() if s is Attendance.ABSENT)
            late += sum(1 for s in statuses.values() if s is Attendance.LATE)
            if statuses:
                await uow.journal.replace_attendance(school.id, lesson.id, statuses)  # type: ignore[arg-type]
            lesson.attendance_taken = True
            topic = _next_topic(progress, plans[(lesson.subject_id, lesson.class_id)], lesson)
            if topic is not None:
                lesson.topic, lesson.plan_topic_id = topic.topic, topic.id
            else:
                lesson.topic = rng.choice(GENERIC_TOPICS)
            lesson.homework = _homework(rng, subject.name)
            if lesson.id in gaps:
                lesson.homework = None  # forgotten: the evening and the deputy's control see it
            present = [p for p in roster if statuses.get(p.id) is not Attendance.ABSENT]  # type: ignore[arg-type]
            scale = school.grading.values_for(subject.grading.value)
            if subject.grading is Grading.NONE or not scale:
                continue
            if not school.grading.marks_allowed_in(cls.grade):
                continue
            written = kind_by_name.get(topic.work_kind.casefold()) if topic else None
            for pupil, kind in _who_gets_marks(rng, present, written):
                value = _value(rng, scale, level[pupil.id])
                mark = Mark(None, school.id, lesson.id, pupil.id, kind, value, "",  # type: ignore[arg-type]
                            lesson.acting_teacher_id, at)  # fmt: skip
                marks.append(mark)
        await uow.directory.save([], lessons)
        await uow.directory.save(marks, [])
        await uow.family.mark_notified([m.id for m in marks if m.id is not None], now)
        remarks = _remarks(rng, school.id, lessons, snap.enrolments, pupils, highlight, zone)
        for remark in remarks:
            await uow.journal.add_remark(remark)
        await uow.commit()
    return History(
        days[0] if days else None,
        days[-1] if days else None,
        len(days),
        len(lessons),
        len(marks),
        absences,
        late,
        len(remarks),
    )


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
            Remark(None, school_id, pid, lesson.id, lesson.acting_teacher_id, tone, text, at)
        )
    return found
