"""`journal demo`: a sandbox anyone can try in a minute, in one process, on this computer only.

- A fresh SQLite database (`demo.sqlite3` in `--dir`, else in a temporary folder removed at
  exit) with the example school (`examples/school`) and the journal of the last 30 days, three
  to four school weeks (`app/demo_history.py`). It is prepared in a forked child while this
  process loads the bot's libraries, so `journal demo` is ready in about four seconds.
- The bot and the sender (`run_journal`) talking to `fakegram.FakeTelegram` on 127.0.0.1, the
  same fake Telegram the tests use; no other network.
- An adjustable clock: the journal's «now» is the real time plus an offset. The demo starts on a
  school day in term at 10:20 school time, so «Today» has lessons; the page moves time forward
  and the demo ticks the journal's clock at once (and every 30 s), so the evening reminder, the
  digest and whatever other jobs exist arrive as they would.
- Four personas, each a fake Telegram user who has joined by an invitation at start: a teacher,
  a class teacher, a parent of two children and a deputy head.
- The page (`fakegram/web.py`) on 127.0.0.1 shows each persona's chat as a phone would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain.errors import JournalError
from domain.journal import is_school_day
from domain.model import Holiday, Period, School
from domain.people import PersonKind

if TYPE_CHECKING:
    from app.demo_history import History
    from fakegram import FakeTelegram
    from fakegram.web import ChatWeb, WebPersona
    from scheduler.clock import JournalClock
    from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
TOKEN = "7000000001:journal-demo-sandbox"
BOT_USERNAME = "school_journal_demo_bot"
BOT_TITLE = "Школьный журнал"
SCHOOL_NAME = "Школа №1 (пример)"
TIMEZONE = "Europe/Moscow"
HELP_CONTACTS = "Это песочница: всё вымышлено, на вопросы здесь никто не ответит."
DATABASE = "demo.sqlite3"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "school"
START_AT = dt.time(10, 20)
MORNING = dt.time(8, 0)
TICK_SECONDS = 30.0
WEEKDAYS_RU = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
JOB_TITLES = {  # what the page calls the clock's jobs; others show their own names
    "evening_reminder": "вечернее напоминание",
    "digest": "сводка родителям",
    "term_marks": "итоговые отметки",
    "absence_prompt": "пропуски без причины",
    "absence_reminder": "напоминание о пропусках",
    "preliminary_report": "предварительный отчёт",
    "overdue_teacher": "просроченные записи",
    "deputy_summary": "сводка завучу",
    "overdue_remarks": "просроченные замечания",
}
PAGE = {
    "title": "Школьный журнал — песочница",
    "title_en": "School journal sandbox",
    "logo": "Ж",
    "tips": (
        '<h2>Что попробовать <span class="en">Things to try</span></h2><ol>'
        "<li><b>Учитель:</b> откройте урок «5А · Математика» — тема по КТП в одно нажатие, "
        "посещаемость, отметки.</li>"
        "<li><b>Родитель:</b> «Дневник» → ребёнок → «Отметки»: отметка учителя уже там.</li>"
        "<li><b>+1 час:</b> отметка «устоялась» — родителю приходит уведомление.</li>"
        "<li><b>19:00:</b> учителям — вечернее напоминание о незаполненных уроках.</li>"
        "<li><b>Сводка:</b> в пятницу в 18:00 родителям — отметки, прогноз и график.</li>"
        "<li><b>Классный руководитель и завуч:</b> пропуски, контроль заполнения.</li>"
        "</ol>"
        '<p class="en">As the teacher, open a lesson and tap a mark; as the parent, open the '
        "diary; move the clock to see reminders and digests arrive.</p>"
    ),
}


@dataclass(frozen=True, slots=True)
class Persona:
    """Who the visitor can be: a person of the example school, joined as a fake Telegram user."""

    key: str
    kind: PersonKind
    external_id: str  # the id in examples/school
    user_id: int  # the fake Telegram user and chat
    title: str
    title_en: str
    note: str


PERSONAS = (
    Persona(
        key="teacher",
        kind=PersonKind.STAFF,
        external_id="106",
        user_id=7_000_106,
        title="Учитель",
        title_en="Teacher",
        note="математика в 5А и 5Б",
    ),
    Persona(
        key="class_teacher",
        kind=PersonKind.STAFF,
        external_id="104",
        user_id=7_000_104,
        title="Классный руководитель",
        title_en="Class teacher",
        note="5А; русский язык и литература",
    ),
    Persona(
        key="guardian",
        kind=PersonKind.GUARDIAN,
        external_id="5003",
        user_id=7_005_003,
        title="Родитель двоих детей",
        title_en="Parent of two",
        note="сын в 5А, сын в 10А",
    ),
    Persona(
        key="deputy",
        kind=PersonKind.STAFF,
        external_id="102",
        user_id=7_000_102,
        title="Завуч",
        title_en="Deputy head",
        note="5–11 классы; ведёт уроки",
    ),
)


# --------------------------------------------------------------------------- the clock


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DemoClock:
    """The journal's «now» in the demo: the real time plus an offset the page moves forward."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the demo clock needs an aware datetime")
        self.offset = start - real_now()

    def now(self) -> dt.datetime:
        return real_now() + self.offset

    def move_to(self, moment: dt.datetime) -> None:
        """Forward only: jobs that already ran for a day are not taken back."""
        now = self.now()
        if moment > now:
            self.offset += moment - now

    def advance(self, delta: dt.timedelta) -> None:
        self.move_to(self.now() + delta)


def school_days_in_term(
    periods: Iterable[Period], holidays: Sequence[Holiday], six_days: bool = False
) -> list[dt.date]:
    """Every day of the year's terms (quarters, halves) on which some grade has lessons."""
    days: set[dt.date] = set()
    for period in periods:
        if period.kind == "year":
            continue
        day = period.starts
        while day <= period.ends:
            grades = range(period.grades.first, period.grades.last + 1)
            if any(is_school_day(day, g, holidays, six_days) for g in grades):
                days.add(day)
            day += dt.timedelta(days=1)
    return sorted(days)


def start_day(candidates: Sequence[dt.date], today: dt.date) -> dt.date:
    """Today when it is a school day in term, else the next one, else the year's last one."""
    for day in candidates:
        if day >= today:
            return day
    return candidates[-1] if candidates else today


@dataclass(frozen=True, slots=True)
class ClockAction:
    id: str
    label: str
    hint: str
    at: dt.datetime


def clock_actions(
    local: dt.datetime, school: School, holidays: Sequence[Holiday]
) -> list[ClockAction]:
    """Moves forward to where something happens: an hour, a day, the evening reminder, the
    next digest, the next school morning."""
    from domain.usecases.family_jobs import digest_due

    zone = local.tzinfo
    six = school.schedule.six_day_week

    def school_day(day: dt.date) -> bool:
        return any(is_school_day(day, g, holidays, six) for g in range(1, 12))

    def short(moment: dt.datetime) -> str:
        return f"{WEEKDAYS_RU[moment.weekday()]} {moment:%d.%m %H:%M}"

    actions = [
        ClockAction(id="hour", label="+1 час", hint="+1 hour", at=local + dt.timedelta(hours=1)),
        ClockAction(id="day", label="+1 день", hint="+1 day", at=local + dt.timedelta(days=1)),
    ]
    for days in range(0, 70):
        day = local.date() + dt.timedelta(days=days)
        evening = dt.datetime.combine(day, school.schedule.evening_reminder, zone)
        if evening > local and school_day(day):
            actions.append(
                ClockAction(
                    id="evening",
                    label=f"{short(evening)} — вечернее напоминание",
                    hint="the evening reminder to teachers",
                    at=evening,
                )
            )
            break
    for days in range(0, 70):
        day = local.date() + dt.timedelta(days=days)
        moment = dt.datetime.combine(day, school.schedule.digest_time, zone)
        if moment > local and digest_due(school, moment) and school_day(day):
            actions.append(
                ClockAction(
                    id="digest",
                    label=f"{short(moment)} — сводка родителям",
                    hint="the fortnightly digest to parents",
                    at=moment,
                )
            )
            break
    for days in range(1, 70):
        day = local.date() + dt.timedelta(days=days)
        if school_day(day):
            morning = dt.datetime.combine(day, MORNING, zone)
            actions.append(
                ClockAction(
                    id="morning",
                    label=f"{short(morning)} — утро учебного дня",
                    hint="the next school morning",
                    at=morning,
                )
            )
            break
    return actions


# --------------------------------------------------------------------------- the demo


@dataclass
class Demo:
    """Everything the demo runs, with handles for tests; `stop()` ends all of it."""

    url: str
    directory: Path
    database: Path
    server: FakeTelegram
    web: ChatWeb
    clock: DemoClock
    school: School
    holidays: list[Holiday]
    personas: list[WebPersona]
    history: History
    journal: asyncio.Task[None]
    journal_clock: JournalClock
    make_uow: Any
    engine: Any
    temporary: bool
    started_in: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    _ticker: asyncio.Task[None] | None = None
    _tick_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _stopped: bool = False

    # -- the clock control the page uses (fakegram.web.ClockControl)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def local_now(self) -> dt.datetime:
        return self.clock.now().astimezone(ZoneInfo(self.school.timezone))

    def actions(self) -> list[ClockAction]:
        return clock_actions(self.local_now(), self.school, self.holidays)

    def state(self) -> dict[str, Any]:
        local = self.local_now()
        return {
            "now_ms": int(local.timestamp() * 1000),
            "timezone": self.school.timezone,
            "label": f"{WEEKDAYS_RU[local.weekday()]} {local:%d.%m.%Y %H:%M}",
            "actions": [
                {"id": a.id, "label": a.label, "hint": a.hint, "at": a.at.isoformat()}
                for a in self.actions()
            ],
        }

    async def move(self, action: str) -> dict[str, Any]:
        chosen = next((a for a in self.actions() if a.id == action), None)
        if chosen is None:
            raise ValueError(f"unknown clock action {action!r}")
        self.clock.move_to(chosen.at)
        before = await self._counts()
        runs = await self.tick()
        async with self.make_uow() as uow:
            pending = await uow.outbox.due(self.clock.now())
        after = await self._counts()
        return {
            "clock": self.state(),
            "queued": sum(after.values()) - sum(before.values()),
            # queued now or held until now (quiet hours, a retry): going out now, the ones the
            # running sender has already taken since the move included
            "due": pending + _gone_out(after) - _gone_out(before),
            "ran": [
                {"job": r.job, "title": JOB_TITLES.get(r.job, r.job), "messages": r.messages}
                for r in runs
            ],
        }

    async def _counts(self) -> dict[str, int]:
        """Messages ever put in the outbox by status: the difference is what a tick queued."""
        async with self.make_uow() as uow:
            return await uow.outbox.counts()

    async def tick(self) -> list[Any]:
        """One tick of the journal's clock now: due jobs, then marks to announce."""
        async with self._tick_lock:
            return await self.journal_clock.tick()

    async def _tick_every(self, seconds: float) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(seconds)

    def persona(self, key: str) -> WebPersona:
        return next(p for p in self.personas if p.key == key)

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        await _stop_journal(self.journal)
        await self.web.stop()
        await self.server.stop()
        await self.engine.dispose()
        if self.temporary:
            shutil.rmtree(self.directory, ignore_errors=True)


async def _stop_journal(task: asyncio.Task[None]) -> None:
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # run_journal's handlers: back to the defaults
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(sig)


def prepare_directory(directory: str | Path | None) -> tuple[Path, bool]:
    """The folder for the database: the given one (made if missing), else a temporary one."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="journal-demo-")), True
    path = Path(directory).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise JournalError("{path} is not a folder", path=path)
    path.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (path / (DATABASE + suffix)).unlink(missing_ok=True)  # a fresh demo every time
    return path, False


@dataclass(frozen=True, slots=True)
class Prepared:
    """What preparing the database made: the school, the personas' people, the history."""

    school_id: int
    people: dict[str, tuple[int, str, str, str]]  # key → (id, first name, last name, short)
    history: History

    def to_json(self) -> str:
        h = self.history
        return json.dumps(
            {
                "school_id": self.school_id,
                "people": self.people,
                "history": [
                    h.first.isoformat() if h.first else None,
                    h.last.isoformat() if h.last else None,
                    *(h.days, h.lessons, h.marks, h.absences, h.late, h.remarks),
                ],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Prepared:
        from app.demo_history import History

        data = json.loads(text)
        first, last, *counts = data["history"]
        history = History(
            dt.date.fromisoformat(first) if first else None,
            dt.date.fromisoformat(last) if last else None,
            *counts,
        )
        people = {k: (int(a), str(b), str(c), str(d)) for k, (a, b, c, d) in data["people"].items()}
        return cls(int(data["school_id"]), people, history)


def demo_start(today: dt.date | None = None) -> tuple[dt.date, list[Holiday]]:
    """The demo's first day (a school day in term, from the example's periods) and holidays."""
    from domain.importing import SchoolSnapshot, validate
    from importer.readers import read_source

    if not EXAMPLE.is_dir():
        raise JournalError("the example school is not found at {path}", path=EXAMPLE)
    checked = validate(read_source(EXAMPLE), SchoolSnapshot(school_id=0))
    holidays = [
        Holiday(id=None, school_id=0, name=h.name, starts=h.starts, ends=h.ends, grades=h.grades)
        for h in checked.holidays
    ]
    periods = [
        Period(
            id=None,
            school_id=0,
            school_year_id=None,
            name=p.name,
            kind=p.kind,
            grades=p.grades,
            starts=p.starts,
            ends=p.ends,
        )
        for p in checked.periods
    ]
    today = today or real_now().astimezone(ZoneInfo(TIMEZONE)).date()
    days = school_days_in_term(periods, holidays)
    settled = [d for d in days if d >= days[0] + dt.timedelta(weeks=3)] if days else []
    return start_day(settled or days, today), holidays  # some weeks of history before it


async def prepare_database(database: Path, first_day: dt.date, now: dt.datetime) -> Prepared:
    """A migrated database with the example school and its history, in a file of its own."""
    from app.demo_history import write_history
    from domain.usecases.import_school import import_school
    from domain.usecases.schools import create_school, update_school
    from importer.readers import read_source
    from storage.database import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.uow import SqlUnitOfWork

    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    sessions = session_factory(engine)

    def make_uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    try:
        await upgrade(engine)
        school = await create_school(make_uow(), SCHOOL_NAME, TIMEZONE)
        school = await update_school(make_uow(), school, help_contacts=HELP_CONTACTS)
        await import_school(make_uow(), school, read_source(EXAMPLE), first_day)
        assert school.id is not None
        async with make_uow() as uow:
            snapshot = await uow.directory.snapshot(school.id)
        people = _people(snapshot)
        guardian_id = next(people[p.key][0] for p in PERSONAS if p.kind is PersonKind.GUARDIAN)
        children = [g.pupil_id for g in snapshot.guardianships if g.guardian_id == guardian_id]
        history = await write_history(make_uow, school, first_day, now, highlight=children)
    finally:
        await engine.dispose()
    return Prepared(school.id, people, history)


class _Preparation:
    """`prepare_database` in a forked child while this process imports the bot's libraries.

    Importing aiogram takes seconds of one core; preparing the database takes about one more.
    On Linux with two cores the two overlap, which keeps the start-up under five seconds. Where
    fork is missing, aiogram is already imported or threads run (tests), the work runs here.
    """

    def __init__(self, database: Path, first_day: dt.date, now: dt.datetime) -> None:
        self.args = (database, first_day, now)
        self.pid = 0
        self.fd = -1
        self.forked = (
            hasattr(os, "fork")
            and "aiogram" not in sys.modules
            and threading.active_count() == 1  # forking a threaded process is not safe
        )
        if self.forked:
            self._fork()

    def _fork(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: prepare, write the result, leave without running exit hooks
            code = 1
            try:
                os.close(read)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.set_wakeup_fd(-1)
                asyncio.events._set_running_loop(None)  # the parent's loop is not ours
                loop = asyncio.new_event_loop()
                result = loop.run_until_complete(prepare_database(*self.args)).to_json()
                payload, code = ("ok", result), 0
            except BaseException as err:
                payload = ("error", f"{type(err).__name__}: {err}")
            finally:
                with contextlib.suppress(BaseException):
                    os.write(write, json.dumps(payload).encode())
                os._exit(code)
        os.close(write)
        self.pid, self.fd = pid, read

    async def result(self) -> Prepared:
        if not self.forked:
            return await prepare_database(*self.args)
        raw = await asyncio.to_thread(self._collect)
        try:
            kind, value = json.loads(raw)
        except ValueError:
            kind, value = "error", "the preparing process stopped"
        if kind != "ok":
            raise JournalError("could not prepare the demo database: {reason}", reason=value)
        return Prepared.from_json(value)

    def _collect(self) -> bytes:
        chunks = []
        while chunk := os.read(self.fd, 65536):
            chunks.append(chunk)
        os.close(self.fd)
        os.waitpid(self.pid, 0)
        self.pid = self.fd = 0
        return b"".join(chunks)

    def abandon(self) -> None:
        """Stop a child that is still preparing (the start failed or was interrupted)."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.pid = self.fd = 0


async def start_demo(
    directory: str | Path | None = None,
    *,
    port: int = DEFAULT_PORT,
    today: dt.date | None = None,
    tick_seconds: float = TICK_SECONDS,
) -> Demo:
    """Build and start everything; returns when every persona has joined and the page answers."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    mark = [started]

    def step(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - mark[0], 3)
        mark[0] = now

    first_day, holidays = demo_start(today)
    clock = DemoClock(dt.datetime.combine(first_day, START_AT, ZoneInfo(TIMEZONE)))
    folder, temporary = prepare_directory(directory)
    database = folder / DATABASE
    preparation = _Preparation(database, first_day, clock.now())
    timings["forked"] = float(preparation.forked)
    step("start")
    try:
        from app.config import Settings
        from app.runtime import run_journal
        from domain.usecases.accounts import issue_invitations
        from fakegram import FakeTelegram
        from fakegram.web import ChatWeb, WebPersona
        from scheduler.clock import JournalClock
        from storage.database import create_engine, session_factory
        from storage.uow import SqlUnitOfWork

        step("libraries")
        prepared = await preparation.result()
    except BaseException:
        preparation.abandon()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    step("database")
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    sessions = session_factory(engine)

    def make_uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    server: FakeTelegram | None = None
    web: ChatWeb | None = None
    journal: asyncio.Task[None] | None = None
    try:
        async with make_uow() as uow:
            school = await uow.schools.get(prepared.school_id)
        assert school is not None
        people = prepared.people
        server = FakeTelegram()
        await server.start()
        server.add_bot(TOKEN, username=BOT_USERNAME, first_name=BOT_TITLE)
        server.add_busy_probe(aiogram_busy, bot=TOKEN)
        personas = [
            WebPersona(
                key=p.key,
                user_id=p.user_id,
                first_name=people[p.key][1],
                last_name=people[p.key][2],
                title=p.title,
                title_en=p.title_en,
                subtitle=f"{people[p.key][3]} · {p.note}",
            )
            for p in PERSONAS
        ]
        demo_ref: list[Demo] = []
        web = ChatWeb(
            server,
            TOKEN,
            personas,
            clock=_Deferred(demo_ref, clock),
            timezone=TIMEZONE,
            bot_title=BOT_TITLE,
            bot_username=BOT_USERNAME,
            page=PAGE,
        )
        url = await web.start("127.0.0.1", port)

        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{database}",
            bot_token=TOKEN,
            bot_username=BOT_USERNAME,
            telegram_api_url=server.api_url,
            redis_url="",
        )
        journal = asyncio.create_task(
            run_journal(settings, ("bot", "sender"), clock=clock), name="journal-demo"
        )
        await _wait_polling(server, journal)
        step("bot")
        await _join(server, make_uow, prepared.school_id, people, clock, issue_invitations)
        step("personas joined")

        demo = Demo(
            url=url,
            directory=folder,
            database=database,
            server=server,
            web=web,
            clock=clock,
            school=school,
            holidays=holidays,
            personas=personas,
            history=prepared.history,
            journal=journal,
            journal_clock=JournalClock(make_uow, clock),
            make_uow=make_uow,
            engine=engine,
            temporary=temporary,
            timings=timings,
        )
        demo_ref.append(demo)
        demo._ticker = asyncio.create_task(demo._tick_every(tick_seconds), name="demo-clock")
        demo.started_in = time.perf_counter() - started
        return demo
    except BaseException:
        if journal is not None:
            await _stop_journal(journal)
        if web is not None:
            await web.stop()
        if server is not None:
            await server.stop()
        await engine.dispose()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
        raise


class _Deferred:
    """The page's clock control before the Demo exists (it is made last)."""

    def __init__(self, ref: list[Demo], clock: DemoClock) -> None:
        self.ref = ref
        self.clock = clock

    def now(self) -> dt.datetime:
        return self.clock.now()

    def state(self) -> dict[str, Any]:
        return self.ref[0].state() if self.ref else {"now_ms": 0, "actions": []}

    async def move(self, action: str) -> dict[str, Any]:
        if not self.ref:
            raise ValueError("the demo is still starting")
        return await self.ref[0].move(action)


def _people(snapshot: Any) -> dict[str, tuple[int, str, str, str]]:
    """persona key → (journal id, first name, last name, short name) from the example data."""
    found: dict[str, tuple[int, str, str, str]] = {}
    for persona in PERSONAS:
        people = snapshot.staff if persona.kind is PersonKind.STAFF else snapshot.guardians
        person = next((p for p in people if p.external_id == persona.external_id), None)
        if person is None:
            raise JournalError(
                "the example school has nobody with the id {value}", value=persona.external_id
            )
        initials = ".".join(x[0] for x in (person.first_name, person.middle_name) if x) + "."
        found[persona.key] = (person.id, person.first_name, person.last_name,
                              f"{person.last_name} {initials}")  # fmt: skip
    return found


def aiogram_busy() -> bool:
    """Whether aiogram is handling an update in this process. The dispatcher is run_journal's
    and not ours to `track()`, so the page's waits ask the event loop for its update tasks."""
    return any(
        getattr(task.get_coro(), "__qualname__", "").endswith("._process_update")
        for task in asyncio.all_tasks()
    )


async def _wait_polling(server: FakeTelegram, journal: asyncio.Task[None]) -> None:
    """Until the bot's long poll is waiting; a journal that failed to start says why."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15.0
    while True:
        if journal.done():
            journal.result()  # raises what stopped it
            raise JournalError("the bot stopped while starting")
        with contextlib.suppress(TimeoutError):
            await server.wait_polling(bot=TOKEN, timeout=0.05)
            return
        if loop.time() > deadline:
            raise JournalError("the bot did not start")


async def _join(
    server: FakeTelegram,
    make_uow: Any,
    school_id: int,
    people: dict[str, tuple[int, str, str, str]],
    clock: DemoClock,
    issue_invitations: Any,
) -> None:
    """Every persona opens their invitation link (/start CODE), as a person would, at once."""
    updates = []
    for persona in PERSONAS:
        [issued] = await issue_invitations(
            make_uow(), school_id, persona.kind, [people[persona.key][0]], clock
        )
        updates.append(server.user_sends_text(persona.user_id, f"/start {issued.code}", bot=TOKEN))
    for update_id in updates:
        if update_id is not None:
            await server.wait_handled(update_id, timeout=15.0)


# --------------------------------------------------------------------------- the command


def seconds_since_process_start() -> float | None:
    """How long this process has run (Linux), to time the start-up as a person sees it."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def _check_port(port: int) -> None:
    """Refuse a busy port at once, not after the start-up's work."""
    if port == 0:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as err:
            raise JournalError(
                "the port {port} cannot be used ({reason}); choose another with --port",
                port=port,
                reason=err.strerror or err,
            ) from None


async def run_demo(ctx: Any, *, port: int, directory: str | None) -> int:
    """`journal demo`: start, print the address, run until Ctrl-C, stop cleanly."""
    t = ctx.t
    if not 0 <= port <= 65535:
        raise JournalError("the port must be from 0 to 65535")
    _check_port(port)
    logging.basicConfig(
        level=logging.INFO if os.environ.get("JOURNAL_DEBUG") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        demo = await start_demo(directory, port=port)
    except OSError as err:
        if err.errno in (errno.EADDRINUSE, errno.EACCES):
            raise JournalError(
                "the port {port} cannot be used ({reason}); choose another with --port",
                port=port,
                reason=err.strerror or err,
            ) from None
        raise
    if stop.is_set():  # Ctrl-C while starting
        await demo.stop()
        ctx.out(t("The demo has stopped."))
        return 0
    total = seconds_since_process_start()
    seconds = round(total if total is not None else demo.started_in, 1)
    ctx.out(
        t("The journal demo is ready in {seconds} s: open {url}", seconds=seconds, url=demo.url)
    )
    ctx.out(
        t(
            "A sandbox: the bot, its database and a fake Telegram run on this computer; "
            "nothing leaves it. The people are fictional."
        )
    )
    ctx.out(
        t(
            "Choose who you are on the page: a teacher, a class teacher, a parent of two or a "
            "deputy head; the clock on the page moves time forward."
        )
    )
    if demo.temporary:
        ctx.out(t("Database: {path} (removed when the demo stops)", path=demo.database))
    else:
        ctx.out(t("Database: {path} (made anew at every start)", path=demo.database))
    ctx.out(t("Ctrl-C stops the demo."))
    if os.environ.get("JOURNAL_DEBUG"):
        ctx.out(f"start-up steps, s: {demo.timings}")
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({waiter, demo.journal}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        await demo.stop()
    ctx.out(t("The demo has stopped."))
    return 0


def _gone_out(counts: dict[str, int]) -> int:
    """Messages the sender has taken (sending) or finished with (sent, failed, blocked)."""
    taken = ("sending", "sent", "failed", "blocked")
    return sum(counts.get(status, 0) for status in taken)
