"""What families are told without asking: new marks, the fortnightly digest, term marks.

All of it goes through the outbox. In the school's privacy mode a notification carries no
names, marks or subjects: the details wait in the bot for the person who opens it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import aclosing
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from domain.clock import day_range, school_time
from domain.family import TermAcknowledgement
from domain.forecast import Forecast, describe
from domain.grading import term_marks_shown
from domain.intents import AcknowledgeTermMarks, ContactClassTeacher
from domain.journal import Attendance
from domain.model import Grading, Period, Pupil, School, SchoolClass
from domain.people import Account, PersonKind
from domain.ports import Clock, UnitOfWork
from domain.readmodels import DigestFacts, DigestRemark
from domain.text import strong
from domain.usecases.diary import MarkComment, SubjectMarks
from domain.usecases.digest_batch import next_control_work
from domain.usecases.kernel import current_period, stored_id
from domain.usecases.scheduling import Msg, Notice, msg, school_day, to_outbox

if TYPE_CHECKING:
    from domain.usecases.digest_batch import Part, PupilDigest

MARK_SETTLE = dt.timedelta(minutes=10)  # a mark corrected within this notifies once
REMIND_EVERY = dt.timedelta(days=2)
MOST_REMINDERS = 3
ACK_BUTTON = Msg("✅ I have seen them")  # «Ознакомлен(а)» in Russian
CONTACT_BUTTON = Msg("📞 Contact the class teacher")


class ChartMaker(Protocol):
    """Draws a pupil's marks; CPU-bound (tens of milliseconds), so called off the event loop."""

    def chart(
        self,
        title: str,
        subjects: Sequence[SubjectMarks],
        period: Period,
        weights: Mapping[str, Decimal],
        language: str = "ru",
    ) -> bytes:
        """`weights`: the school's weight of each kind of work, by the name the marks carry;
        `language`: the reader's, in which the chart writes its numbers."""
        ...


async def family_accounts(
    uow: UnitOfWork, school_id: int, pupil: Pupil
) -> list[tuple[int | None, Account]]:
    """(guardian id, account) for every guardian account of a pupil, and the pupil's own."""
    assert pupil.id is not None
    found: list[tuple[int | None, Account]] = []
    for guardian in await uow.people.guardians_of(school_id, [pupil.id]):
        assert guardian.id is not None
        for account in await uow.accounts.accounts_of(school_id, PersonKind.GUARDIAN, guardian.id):
            found.append((guardian.id, account))
    for account in await uow.accounts.accounts_of(school_id, PersonKind.PUPIL, pupil.id):
        found.append((None, account))
    return found


def reachable(account: Account) -> bool:
    return account.id is not None and account.unreachable_at is None


# --------------------------------------------------------------------------- new marks


async def announce_marks(make_uow: Callable[[], UnitOfWork], clock: Clock, limit: int = 500) -> int:
    """Marks that have not changed for ten minutes are announced to families, once."""
    now = clock.now()
    async with make_uow() as uow:
        settled = await uow.family.unnotified_marks(now - MARK_SETTLE, limit)
        if not settled:
            return 0
        schools = {s.id: s for s in await uow.schools.all()}
        queued = []
        for mark, lesson in settled:
            school = schools.get(mark.school_id)
            pupils = await uow.people.pupils(mark.school_id, [mark.pupil_id])
            if school is None or not pupils:
                continue
            found = await uow.people.subjects(mark.school_id, [lesson.subject_id])
            subject = found[0] if found else None
            kinds = {k.code: k.name for k in await uow.schools.work_kinds(mark.school_id)}
            for _, account in await family_accounts(uow, mark.school_id, pupils[0]):
                if not reachable(account) or not account.notify_marks:
                    continue
                if school.schedule.private_notifications:  # no names, marks, subjects, comments
                    lines: tuple[Msg, ...] = (
                        msg("New entries in the diary. Open /menu to see them."),
                    )
                else:
                    lines = (
                        msg(
                            "{name}: {value} in {subject} ({kind}), {day}",
                            name=pupils[0].first_name,
                            value=mark.value,
                            subject=subject.name if subject else "?",
                            kind=kinds.get(mark.work_kind, mark.work_kind),
                            day=lesson.day.strftime("%d.%m"),
                        ),
                    )
                    if mark.comment:
                        lines += (msg("💬 The teacher's comment: {text}", text=mark.comment),)
                stamp = int((mark.changed_at or mark.created_at).timestamp())
                notice = Notice(
                    account=account,
                    school_id=mark.school_id,
                    kind="mark",
                    dedup_key=f"mark:{mark.id}:{account.id}:{stamp}",
                    lines=lines,
                )
                queued.append(to_outbox(notice, school, now))
        await uow.outbox.add(queued)
        await uow.family.mark_notified([m.id for m, _ in settled if m.id is not None], now)
        await uow.commit()
        return len(queued)


# --------------------------------------------------------------------------- the digest


def digest_due(school: School, local: dt.datetime) -> bool:
    """On the school's weekday and hour, every `digest_weeks` weeks from the year's start."""
    s = school.schedule
    if local.isoweekday() != s.digest_weekday or local.time() < s.digest_time:
        return False
    first_year = local.year if local.month >= 9 else local.year - 1
    anchor = dt.date(first_year, 9, 1)
    anchor -= dt.timedelta(days=anchor.weekday())
    weeks = (local.date() - anchor).days // 7
    return weeks % max(1, s.digest_weeks) == 0


class Digest:
    """The fortnightly digest per child: new marks, means and forecasts, absences, remarks,
    control works coming up, and a chart of the period's marks.

    With a `part`, this job digests only that share of each school's classes, and its runs
    are recorded under their own name («digest 1/2»): the shares run side by side in worker
    processes, each in its own transactions, and a share that failed runs again by itself.
    Every share's messages have the same keys as the whole job's, so a school whose digest
    was queued under another split is not told twice."""

    kind = "digest"  # of the messages, whichever share queued them

    def __init__(self, charts: ChartMaker | None = None, part: Part | None = None) -> None:
        self.charts = charts
        self.part = part
        self.name = self.kind if part is None else f"{self.kind} {part}"

    async def due(self, uow: UnitOfWork, school: School, local: dt.datetime) -> str | None:
        if not digest_due(school, local) or not await school_day(uow, school, local.date()):
            return None
        return local.date().isoformat()

    async def notices(
        self, uow: UnitOfWork, school: School, period_key: str, now: dt.datetime
    ) -> list[Notice]:
        """Read and worked out a class at a time (`digest_batch`): a constant number of queries
        a class, instead of about fifteen a pupil."""
        from domain.usecases.digest_batch import WHOLE, class_batches

        assert school.id is not None
        day = dt.date.fromisoformat(period_key)
        periods = await uow.journal.periods(school.id)
        kinds = await uow.schools.work_kinds(school.id)
        kind_names = {k.code: k.name for k in kinds}
        weights = {k.name: k.weight for k in kinds}
        result: list[Notice] = []
        since = digest_since(school, day)
        charts = self.charts is not None
        shared: dict[tuple[object, ...], list[Msg]] = {}
        batches = class_batches(
            uow, school, day, since, reachable_only=True, charts=charts, part=self.part or WHOLE
        )
        # Closed however the loop ends: the next class's reading is in flight on the unit of
        # work, and must end before the unit rolls back or goes on.
        async with aclosing(batches):
            async for batch in batches:
                if self.charts is None:
                    result += self.batch_notices(
                        school, period_key, batch, periods, kind_names, shared, weights
                    )
                    continue
                # A class's charts take seconds to draw: in a worker thread, so that the bot
                # and the sender sharing this event loop go on answering meanwhile.
                result += await asyncio.to_thread(
                    self.batch_notices,
                    school,
                    period_key,
                    batch,
                    periods,
                    kind_names,
                    shared,
                    weights,
                )
        return result

    def batch_notices(
        self,
        school: School,
        period_key: str,
        batch: Sequence[PupilDigest],
        periods: list[Period],
        kind_names: dict[str, str],
        shared: dict[tuple[object, ...], list[Msg]] | None = None,
        weights: Mapping[str, Decimal] | None = None,
    ) -> list[Notice]:
        """The notices of one class's digests, to every reachable account of each family.
        `shared`: one dict for a school's classes, for the lines pupils have alike (`digest_lines`);
        `weights`: each kind of work's weight by name, for the chart's mean (else 1 each)."""
        assert school.id is not None
        day = dt.date.fromisoformat(period_key)
        since = digest_since(school, day)
        result: list[Notice] = []
        for pupil, cls, subjects, facts, family in batch:
            accounts = [a for _, a in family if reachable(a)]
            period = current_period(periods, cls.grade, day)
            if not accounts or period is None:
                continue
            lines = digest_lines(pupil, cls, subjects, facts, kind_names, since, day, shared)
            private = school.schedule.private_notifications
            # A teacher's word asks for an answer: until the bot carries one, the class
            # teacher's contact is a tap away.
            contact = (
                (((CONTACT_BUTTON, ContactClassTeacher(stored_id(pupil.id))),),)
                if facts.remarks and not private
                else ()
            )
            shown = (
                (msg("A new digest is in the diary. Open /menu to read it."),)
                if private
                else tuple(lines)
            )
            for account in accounts:
                key = f"digest:{school.id}:{period_key}:{account.id}:{pupil.id}"
                result.append(
                    Notice(
                        account=account,
                        school_id=school.id,
                        kind=self.kind,
                        dedup_key=key,
                        lines=shown,
                        buttons=contact,
                    )
                )
                if not private and account.charts and self.charts is not None and subjects:
                    picture = self.charts.chart(
                        pupil.full_name,
                        subjects,
                        period,
                        weights or {},
                        language=account.language,
                    )
                    caption = (
                        msg(
                            "Marks of {name} in {period}", name=pupil.first_name, period=period.name
                        ),
                    )
                    result.append(
                        Notice(
                            account=account,
                            school_id=school.id,
                            kind="digest_chart",
                            dedup_key=key + ":chart",
                            lines=caption,
                            photo=picture,
                        )
                    )
        return result


def digest_since(school: School, day: dt.date) -> dt.date:
    """The first day a digest sent on `day` covers."""
    return day - dt.timedelta(weeks=school.schedule.digest_weeks) + dt.timedelta(days=1)


_SHARED_LINES = 20_000  # lines kept for reuse in a school's digests; then started afresh


def digest_lines(
    pupil: Pupil,
    cls: SchoolClass,
    subjects: Sequence[SubjectMarks],
    facts: DigestFacts,
    kind_names: dict[str, str],
    since: dt.date,
    day: dt.date,
    shared: dict[tuple[object, ...], list[Msg]] | None = None,
) -> list[Msg]:
    """A digest's lines. With `shared` (one per school and run: the kind names are the
    school's), lines that many pupils have alike — a forecast's, a subject's new marks, the
    absences, the control works — are the same Msg objects, made once, which the renderer then
    translates once."""
    if shared is None:
        shared = {}
    elif len(shared) > _SHARED_LINES:
        shared.clear()
    lines = [
        msg(
            "{name}, {cls}: {days}",
            name=strong(pupil.full_name),
            cls=cls.name,
            days=day_range(since, day),
        )
    ]
    quiet: list[str] = []  # subjects without news: one line after those with news
    for s in subjects:
        new = [value for d, value, _ in s.marks if since <= d <= day]
        if s.subject.grading is Grading.NONE or (not new and s.forecast is None):
            continue
        f = s.forecast
        if not new and not (f is not None and (f.at_risk_of_2 or f.at_risk_of_na)):
            quiet.append(
                f"{s.subject.name} ({f.mark})" if f is not None and f.mark else s.subject.name
            )
            continue
        marks_text = ", ".join(new) if new else "—"
        key: tuple[object, ...] = ("new marks", s.subject.name, marks_text)
        said = shared.get(key)
        if said is None:
            said = shared[key] = [
                msg(
                    "{subject}: new marks {marks}", subject=strong(s.subject.name), marks=marks_text
                )
            ]
        lines += said
        for comment in s.comments:  # the teacher's own words: this pupil's, never shared
            if since <= comment.day <= day:
                lines.append(comment_line(comment))
        if f is not None:
            lines += _forecast_lines(f, kind_names, shared)
    if quiet:
        lines.append(msg("No new marks: {subjects}", subjects=", ".join(quiet)))
    if facts.lessons_missed or facts.late:
        key = ("absences", facts.lessons_missed, facts.days_missed, facts.late)
        said = shared.get(key)
        if said is None:
            said = shared[key] = [
                msg(
                    "Lessons missed: {missed}, days missed: {days}, late: {late}",
                    missed=facts.lessons_missed,
                    days=facts.days_missed,
                    late=facts.late,
                )
            ]
        lines += said
    for remark in facts.remarks:
        lines.append(
            msg(
                "✉️ From {teacher} ({day}): {text}",
                teacher=remark.teacher,
                day=remark.day.strftime("%d.%m"),
                text=remark.text,
            )
        )
    if facts.upcoming:
        key = ("control works", tuple(facts.upcoming))
        said = shared.get(key)
        if said is None:
            works = "; ".join(facts.upcoming)
            said = shared[key] = [msg("Control works coming up: {works}", works=works)]
        lines += said
    return lines


def comment_line(comment: MarkComment) -> Msg:
    """A teacher's comment to a mark, as the diary and the digest show it (the text is the
    teacher's: the renderer escapes it like every value)."""
    return msg(
        "💬 Comment to {value} of {day}: {text}",
        value=comment.value,
        day=comment.day.strftime("%d.%m"),
        text=comment.text,
    )


def _forecast_lines(
    forecast: Forecast, kind_names: dict[str, str], shared: dict[tuple[object, ...], list[Msg]]
) -> list[Msg]:
    """A forecast's lines, each shared by every pupil with the same one («Mean 4.25: mark 4»):
    a forecast as a whole recurs in a school about half the time (its lines are then taken
    whole), its lines far more often."""
    whole = shared.get(("forecast", forecast))
    if whole is not None:
        return whole
    lines = shared[("forecast", forecast)] = []
    for msgid, params in describe(forecast):
        key = (msgid, *params.values())  # one order per msgid; a mean always has two places
        said = shared.get(key)
        if said is None:
            values = dict(params)
            if "kind" in values:
                values["kind"] = kind_names.get(str(values["kind"]), values["kind"])
            said = shared[key] = [msg(msgid, **values)]
        lines += said
    return lines


async def digest_facts(
    uow: UnitOfWork,
    school: School,
    pupil: Pupil,
    cls: SchoolClass,
    subjects: Sequence[SubjectMarks],
    since: dt.date,
    day: dt.date,
) -> DigestFacts:
    """Absences (a day counts when every lesson of it was missed), remarks, control works."""
    assert school.id is not None and pupil.id is not None and cls.id is not None
    entries = await uow.family.attendance_of_pupils(school.id, [pupil.id], since, day)
    missed = [lesson for entry, lesson in entries if entry.status is Attendance.ABSENT]
    late = sum(1 for entry, _ in entries if entry.status is Attendance.LATE)
    groups = set(await uow.people.subgroups_of_pupil(school.id, pupil.id))
    lessons = [
        x
        for x in await uow.family.lessons_of_class(school.id, cls.id, since, day)
        if x.subgroup_id is None or x.subgroup_id in groups
    ]
    per_day: dict[dt.date, int] = defaultdict(int)
    for x in lessons:
        per_day[x.day] += 1
    missed_per_day: dict[dt.date, int] = defaultdict(int)
    for x in missed:
        missed_per_day[x.day] += 1
    days = sum(1 for d, n in missed_per_day.items() if n >= per_day.get(d, 0) > 0)
    zone = ZoneInfo(school.timezone)
    found = await uow.family.remarks_of_pupils(
        school.id, [pupil.id], dt.datetime.combine(since, dt.time(0), zone)
    )
    staff = {s.id: s for s in await uow.people.all_staff(school.id)} if found else {}
    remarks = [
        DigestRemark(
            school_time(r.created_at, school.timezone).date(),
            r.text,
            staff[r.author_id].short_name if r.author_id in staff else "",
        )
        for r in found
    ]
    upcoming = await _control_works(uow, school, cls, subjects)
    return DigestFacts(
        lessons_missed=len(missed), days_missed=days, late=late, remarks=remarks, upcoming=upcoming
    )


async def _control_works(
    uow: UnitOfWork, school: School, cls: SchoolClass, subjects: Sequence[SubjectMarks]
) -> list[str]:
    """The next control work of each subject, by how far the class got."""
    assert school.id is not None and cls.id is not None
    found = []
    for s in subjects:
        assert s.subject.id is not None
        plan = await uow.journal.plan(school.id, s.subject.id, cls.id, cls.grade)
        if not plan:
            continue
        used = await uow.journal.used_plan_topics(school.id, cls.id, None, s.subject.id)
        work = next_control_work(s.subject.name, plan, used)
        if work is not None:
            found.append(work)
    return found


# --------------------------------------------------------------------------- term marks


class TermMarksNotice:
    """When a child's term marks are all set, or the period is over, each guardian gets them
    with an «I have seen them» («Ознакомлен(а)») button, and a reminder every two days (three at
    most) until then. Not before the period's last week: marks set earlier wait for its first
    day (the job runs every day, so they go then)."""

    name = "term_marks"

    async def due(self, uow: UnitOfWork, school: School, local: dt.datetime) -> str | None:
        if local.time() < school.schedule.term_notice_time:
            return None
        return local.date().isoformat()

    async def notices(
        self, uow: UnitOfWork, school: School, period_key: str, now: dt.datetime
    ) -> list[Notice]:
        assert school.id is not None
        day = dt.date.fromisoformat(period_key)
        periods = [p for p in await uow.journal.periods(school.id) if p.kind != "year"]
        recent = [p for p in periods if p.starts <= day <= p.ends + dt.timedelta(days=14)]
        result: list[Notice] = []
        for period in recent:
            acks = await uow.family.acknowledgements(school.id, period.id)
            known = {(a.guardian_id, a.pupil_id) for a in acks}
            result += await self._reminders(uow, school, period, acks, now)
            if not term_marks_shown(period.ends, day):
                continue  # families do not see them yet
            for cls in await uow.people.classes(school.id):
                if cls.grade not in period.grades:
                    continue
                result += await self._first_notices(uow, school, period, cls, known, day, now)
        return result

    async def _first_notices(
        self,
        uow: UnitOfWork,
        school: School,
        period: Period,
        cls: SchoolClass,
        known: set[tuple[int, int]],
        day: dt.date,
        now: dt.datetime,
    ) -> list[Notice]:
        assert school.id is not None and cls.id is not None and period.id is not None
        graded = {a.subject_id for a in await uow.journal.assignments_for_class(school.id, cls.id)}
        subjects = {s.id: s for s in await uow.people.subjects(school.id, sorted(graded))}
        graded = {i for i in graded if i in subjects and subjects[i].grading is not Grading.NONE}
        pupils = [
            p
            for p in await uow.people.roster(school.id, cls.id, None, min(day, period.ends))
            if p.in_journal(min(day, period.ends))
        ]
        marks = await uow.family.term_marks_of_pupils(
            school.id, [stored_id(p.id) for p in pupils], stored_id(period.id)
        )
        by_pupil: dict[int, dict[int, str]] = defaultdict(dict)
        for t in marks:
            by_pupil[t.pupil_id][t.subject_id] = t.value
        over = day > period.ends
        result = []
        # One acknowledgement per guardian and pupil, its notice to each of the guardian's
        # accounts (Telegram, MAX): whichever is pressed acknowledges it.
        new_acks: dict[tuple[int, int], tuple[TermAcknowledgement, list[Account], Pupil]] = {}
        for pupil in pupils:
            assert pupil.id is not None
            own = by_pupil.get(pupil.id, {})
            complete = bool(graded) and graded <= set(own)
            if not (complete or (over and own)):
                continue
            for guardian_id, account in await family_accounts(uow, school.id, pupil):
                if guardian_id is None:
                    continue
                if (guardian_id, pupil.id) in new_acks:
                    new_acks[guardian_id, pupil.id][1].append(account)
                    continue
                if (guardian_id, pupil.id) in known:
                    continue
                known.add((guardian_id, pupil.id))
                ack = TermAcknowledgement(
                    id=None,
                    school_id=school.id,
                    guardian_id=guardian_id,
                    pupil_id=pupil.id,
                    period_id=period.id,
                    notified_at=now,
                )
                new_acks[guardian_id, pupil.id] = (ack, [account], pupil)
        await uow.family.save_acknowledgements([a for a, _, _ in new_acks.values()])
        for ack, accounts, pupil in new_acks.values():
            own = by_pupil.get(stored_id(pupil.id), {})
            assert ack.id is not None  # save_acknowledgements gave each its id
            lines = [
                msg("Term marks of {name}, {period}:", name=pupil.full_name, period=period.name)
            ]
            for subject_id, value in sorted(own.items(), key=lambda x: subjects[x[0]].name):
                lines.append(
                    msg("{subject}: {value}", subject=subjects[subject_id].name, value=value)
                )
            lines.append(msg("Please confirm that you have seen them."))
            if school.schedule.private_notifications:
                lines = [msg("Term marks are in the diary. Please open it and confirm.")]
            result += [
                Notice(
                    account=account,
                    school_id=school.id,
                    kind=self.name,
                    dedup_key=f"term:{school.id}:{period.id}:{ack.id}:{account.id}",
                    lines=tuple(lines),
                    buttons=(((ACK_BUTTON, AcknowledgeTermMarks(ack.id)),),),
                )
                for account in accounts
            ]
        return result

    async def _reminders(
        self,
        uow: UnitOfWork,
        school: School,
        period: Period,
        acks: Sequence[TermAcknowledgement],
        now: dt.datetime,
    ) -> list[Notice]:
        assert school.id is not None
        result = []
        due = [a for a in acks if a.reminder_due(now, REMIND_EVERY, MOST_REMINDERS)]
        for ack in due:
            assert ack.id is not None  # read from storage
            ack.reminders += 1
            ack.last_reminded_at = now
            pupils = await uow.people.pupils(school.id, [ack.pupil_id])
            accounts = await uow.accounts.accounts_of(
                school.id, PersonKind.GUARDIAN, ack.guardian_id
            )
            for account in accounts:
                name = (
                    ""
                    if school.schedule.private_notifications or not pupils
                    else pupils[0].full_name
                )
                result.append(
                    Notice(
                        account=account,
                        school_id=school.id,
                        kind="term_reminder",
                        dedup_key=f"term-reminder:{ack.id}:{ack.reminders}:{account.id}",
                        lines=(
                            msg(
                                "Reminder: please confirm that you have seen the term marks {name}",
                                name=name,
                            ),
                        ),
                        buttons=(((ACK_BUTTON, AcknowledgeTermMarks(ack.id)),),),
                    )
                )
        await uow.family.save_acknowledgements(due)
        return result
