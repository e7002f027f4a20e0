"""Button data with ids the journal cannot have (40 digits, negative, zero, not ASCII digits, with
extra characters), days that are no days and codes that are no codes: an out-of-date screen and
a fresh menu, never a crash or a traceback in the log. In-range ids of another school's rows: a
refusal, never their data. And any forged data at all: always an answer."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.payloads import ACK_PREFIX, REGISTER_PREFIX, REMARK_PREFIX, REMIND_PREFIX
from domain.family import TermAcknowledgement
from domain.people import PersonKind
from domain.usecases.accounts import MessengerUser, issue_invitations, resolve_actor
from domain.usecases.import_school import import_school
from domain.usecases.journal_remarks import write_remark
from domain.usecases.schools import create_school
from fakegram import FakeUser
from tests.bot.conftest import MSK, Harness
from tests.bot.test_forgery import SEP, forge, journal_state
from tests.school_data import LAST_NAMES, bot_school, raw_tables

STALE = "This screen is out of date; here is a fresh menu."
HUGE = "1" * 40
NOT_IDS = (HUGE, str(2**31), str(2**63), "-1", "0", "١٢", "１２", "12abc", " 12", "012", "")
MONDAY = dt.date(2026, 11, 16)


def crashes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records that a crash leaves: errors, or anything with a traceback."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None or "Traceback" in r.getMessage()
    ]


async def stale(user: FakeUser, data: str, message_id: int | None = None) -> None:
    """Pressing `data` gets the out-of-date answer and a fresh menu."""
    before = len(user.bot_messages())
    await user.press_data(data, message_id)
    assert user.last_alert() == STALE, (data, user.last_alert())
    assert len(user.bot_messages()) > before, f"no fresh menu after {data!r}"


async def stale_widget(user: FakeUser, widget: str, items: tuple[str, ...]) -> None:
    """Each of `items` as the item of `widget` on the screen in front of the user."""
    for item in items:
        await stale(user, *forge(user, widget, item))
        await user.send("/menu")


async def test_ids_that_cannot_be_get_a_fresh_menu(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 9, 0, tzinfo=MSK)
    caplog.set_level(logging.INFO)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    pupil = h.pupils["A1"]
    seven = h.classes["7А"]
    before = await journal_state(h)

    # The menu's lessons, every kind of id that is none.
    for item in NOT_IDS:
        await stale(teacher, *forge(teacher, "tl", item))
        assert "Today, Mon 16.11" in teacher.screen().text
    # Buttons under notices: term marks, the absence prompt, the deputy's «remind».
    for data in (
        f"{ACK_PREFIX}{HUGE}",
        f"{ACK_PREFIX}-5",
        f"{REMIND_PREFIX}{HUGE}",
        f"{REMARK_PREFIX}{HUGE}",
        f"{REGISTER_PREFIX}{HUGE}:2026-11-16:{pupil}:Б",
        f"{REGISTER_PREFIX}{seven}:2026-02-30:{pupil}:Б",
        f"{REGISTER_PREFIX}{seven}:16.11.2026:{pupil}:Б",
        f"{REGISTER_PREFIX}{seven}:2026-11-16:{HUGE}:?",
        f"{REGISTER_PREFIX}{seven}:2026-11-16:{pupil}:X",
        f"{REGISTER_PREFIX}{seven}:2026-11-16:{pupil}",
        f"{REGISTER_PREFIX}{seven}:2026-11-16:{pupil}:Б:extra",
    ):
        await stale(teacher, data)
    # Past lessons: the course («class_subject») and a lesson.
    await teacher.press("Past lessons")
    for item in (f"{HUGE}_1", f"{seven}_{HUGE}", f"{seven}_1_2", f"{seven}", "-1_-1"):
        await stale(teacher, *forge(teacher, "cs", item))
        await teacher.press("Past lessons")
    await teacher.press("7А · Математика")
    await stale_widget(teacher, "pl", (HUGE,))
    await teacher.press("I am substituting")
    await stale_widget(teacher, "sl", (HUGE,))
    await teacher.press("Term marks")
    await teacher.press("7А · Математика")
    await stale(teacher, *forge(teacher, "tg", f"v{HUGE}:5"))
    # The lesson card: attendance, the marks grid, a word to the guardians.
    await teacher.press("1. 7А · Математика")
    await teacher.press("Attendance")
    await stale(teacher, *forge(teacher, "ap", HUGE))
    await teacher.press("1. 7А · Математика")
    await teacher.press("Marks")
    await teacher.press("Устный ответ")
    for item in (f"v{HUGE}:5", f"n{HUGE}", "x1", f"v-{pupil}:5"):
        await stale(teacher, *forge(teacher, "mg", item))
        await teacher.press("1. 7А · Математика")
        await teacher.press("Marks")
        await teacher.press("Устный ответ")
    await teacher.send("/menu")
    await teacher.press("1. 7А · Математика")
    await teacher.press("To the guardians")
    await stale(teacher, *forge(teacher, "rp", HUGE))
    # The class teacher's register: a pupil that cannot be, a code that is none.
    await teacher.press("My class")
    await teacher.press("Absence register")
    await stale(teacher, *forge(teacher, "rg", f"v{HUGE}:Б"))
    await teacher.press("My class")
    await teacher.press("Absence register")
    await stale(teacher, *forge(teacher, "rg", f"v{pupil}:X"))

    # The deputy: classes, the overdue list's «remind», remarks, a new remark's teacher and due.
    deputy = h.user(5002, "Борис", language="en")
    await deputy.start(await h.code(PersonKind.STAFF, "T2"))
    await deputy.press("My class")
    await stale_widget(deputy, "cl", (HUGE, "-1"))
    await deputy.press("Control")
    await deputy.press("Overdue now")
    await stale_widget(deputy, "rmd", (HUGE,))
    await deputy.press("Remarks to teachers")
    await stale_widget(deputy, "rm", (HUGE,))
    await deputy.press("Remarks to teachers")
    await deputy.press("New remark")
    await stale_widget(deputy, "rt", (HUGE,))
    await deputy.press("Remarks to teachers")
    await deputy.press("New remark")
    await deputy.press("Иванова")
    await deputy.send("Темы уроков не записаны")
    await stale_widget(deputy, "rd", (HUGE, "-3", "5"))

    # A guardian of two children: the child, the period, the days of an absence ahead.
    mother = h.user(6100, "Ольга", language="en")
    await mother.start(await h.code(PersonKind.GUARDIAN, "GF"))
    await mother.press("Diary")
    await stale_widget(mother, "kid", (HUGE, "١"))
    await mother.press("Diary")
    await mother.press("Лебедев Вера")
    await mother.press("Marks")
    await stale_widget(mother, "per", (HUGE,))
    await mother.press("Diary")
    await mother.press("Лебедев Вера")
    await mother.press("Report an absence ahead")
    await stale_widget(mother, "span", ("0_99", "١_٢", "1", "2_1", f"0_{HUGE}"))

    assert await journal_state(h) == before
    assert crashes(caplog) == []
    said = [a.text for user in (teacher, deputy, mother) for a in user.alerts()]
    assert not [text for text in said if "went wrong" in (text or "")]


# --------------------------------------------------------------------------- another school


def other_school_data() -> dict[str, str]:
    """The same school with other names: anything of it shown would be seen."""
    data = bot_school()
    surnames = (*LAST_NAMES, "Иванова", "Петров")
    for table, text in data.items():
        for surname in sorted(surnames, key=len, reverse=True):
            text = text.replace(f",{surname},", ",Чужов,")
        data[table] = text
    return data


async def _other_school(h: Harness) -> dict[str, int]:
    """A second school whose teacher and deputy use the bot: its lessons of today exist, and
    its deputy wrote a remark."""
    school = await create_school(h.make_uow(), "Чужая школа", "Europe/Moscow")
    await import_school(h.make_uow(), school, raw_tables(other_school_data()), dt.date(2026, 9, 1))
    async with h.make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    staff = {s.external_id: s.id for s in snap.staff}
    deputy = h.user(7002, "Чужой", language="en")
    [code] = await issue_invitations(
        h.make_uow(), school.id, PersonKind.STAFF, [staff["T2"]], h.clock
    )
    await deputy.start(code.code)  # the deputy's menu: the school's lessons of today exist
    actor = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="7002", chat_id="7002", language="en"),
    )
    await write_remark(
        h.make_uow(),
        actor,
        staff["T1"],
        "Тайное замечание чужой школы",
        MONDAY + dt.timedelta(days=7),
        h.clock,
    )
    async with h.make_uow() as uow:
        lessons = await uow.journal.lessons_on(school.id, MONDAY)
        [remark] = await uow.remarks.by_deputy(school.id, staff["T2"])
        periods = await uow.journal.periods(school.id)
        guardian = next(g for g in snap.guardians if g.external_id == "GA3")
        pupil = next(p for p in snap.pupils if p.external_id == "A3")
        ack = TermAcknowledgement(
            id=None,
            school_id=school.id,
            guardian_id=guardian.id,
            pupil_id=pupil.id,
            period_id=periods[-1].id,
            notified_at=h.clock.now(),
        )
        await uow.family.save_acknowledgements([ack])
        await uow.commit()
    return {
        "school": school.id,
        "lesson": lessons[0].id,
        "pupil": pupil.id,
        "class": next(c.id for c in snap.classes if c.name == "7А"),
        "subject": next(s.id for s in snap.subjects if s.name == "Математика"),
        "teacher": staff["T1"],
        "remark": remark.id,
        "period": periods[-1].id,
        "ack": ack.id,
    }


async def refused_quietly(user: FakeUser, data: str, message_id: int | None = None) -> str:
    """Pressing `data` is refused, and nothing of the other school reaches the user."""
    seen = len(user.alerts())
    await user.press_data(data, message_id)
    assert len(user.alerts()) > seen, f"no answer to {data!r}"
    alert = user.last_alert() or ""
    assert alert, f"an empty answer to {data!r}"
    texts = [alert, *(m.text or "" for m in user.bot_messages())]
    assert not [t for t in texts if "Чужов" in t or "Тайное" in t], (data, texts)
    return alert


async def test_ids_of_another_school_are_refused(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 9, 0, tzinfo=MSK)
    caplog.set_level(logging.INFO)
    theirs = await _other_school(h)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    deputy = h.user(5002, "Борис", language="en")
    await deputy.start(await h.code(PersonKind.STAFF, "T2"))
    mother = h.user(6100, "Ольга", language="en")
    await mother.start(await h.code(PersonKind.GUARDIAN, "GF"))
    before = await journal_state(h)
    lesson, pupil, cls = theirs["lesson"], theirs["pupil"], theirs["class"]

    await refused_quietly(teacher, *forge(teacher, "tl", str(lesson)))
    await teacher.send("/menu")
    await teacher.press("I am substituting")
    await refused_quietly(teacher, *forge(teacher, "sl", str(lesson)))
    await teacher.send("/menu")
    await teacher.press("Past lessons")
    await refused_quietly(teacher, *forge(teacher, "cs", f"{cls}_{theirs['subject']}"))
    await teacher.send("/menu")
    await teacher.press("Past lessons")
    await teacher.press("7А · Математика")
    await refused_quietly(teacher, *forge(teacher, "pl", str(lesson)))
    await teacher.send("/menu")
    await teacher.press("Term marks")
    await teacher.press("7А · Математика")
    await refused_quietly(teacher, *forge(teacher, "tg", f"v{pupil}:5"))
    await teacher.send("/menu")
    await teacher.press("1. 7А · Математика")
    await teacher.press("Attendance")
    await teacher.press_data(*forge(teacher, "ap", str(pupil)))
    await refused_quietly(teacher, teacher.screen().callback_data["⬅️ Back"])  # leaving saves
    await teacher.send("/menu")
    await teacher.press("1. 7А · Математика")
    await teacher.press("Marks")
    await teacher.press("Устный ответ")
    await refused_quietly(teacher, *forge(teacher, "mg", f"v{pupil}:5"))
    await teacher.send("/menu")
    await teacher.press("1. 7А · Математика")
    await teacher.press("To the guardians")
    await teacher.press_data(*forge(teacher, "rp", str(pupil)))
    await teacher.press("Praise")
    replies = await teacher.send("Молодец")
    assert any("not on the lesson's roster" in r.text for r in replies)
    await teacher.send("/menu")
    await teacher.press("My class")
    await teacher.press("Absence register")
    await refused_quietly(teacher, *forge(teacher, "rg", f"v{pupil}:Б"))
    await refused_quietly(teacher, f"{REGISTER_PREFIX}{cls}:2026-11-16:{pupil}:Б")
    await refused_quietly(teacher, f"{REGISTER_PREFIX}{cls}:2026-11-16:{pupil}:?")
    own = h.classes["7А"]
    await refused_quietly(teacher, f"{REGISTER_PREFIX}{own}:2026-11-16:{pupil}:Б")
    await refused_quietly(teacher, f"{REGISTER_PREFIX}{own}:2026-11-16:{pupil}:?")

    await deputy.press("My class")
    await refused_quietly(deputy, *forge(deputy, "cl", str(cls)))
    await refused_quietly(deputy, f"{REMIND_PREFIX}{theirs['teacher']}")
    await refused_quietly(deputy, f"{REMARK_PREFIX}{theirs['remark']}")
    await deputy.send("/menu")
    await deputy.press("Remarks to teachers")
    await refused_quietly(deputy, *forge(deputy, "rm", str(theirs["remark"])))
    await deputy.send("/menu")
    await deputy.press("Remarks to teachers")
    await deputy.press("New remark")
    await refused_quietly(deputy, *forge(deputy, "rt", str(theirs["teacher"])))
    await deputy.send("/menu")
    await deputy.press("Control")
    await deputy.press("Overdue now")
    await refused_quietly(deputy, *forge(deputy, "rmd", str(theirs["teacher"])))

    await refused_quietly(mother, f"{ACK_PREFIX}{theirs['ack']}")
    await mother.press("Diary")
    await refused_quietly(mother, *forge(mother, "kid", str(pupil)))
    await mother.send("/menu")
    await mother.press("Diary")
    await mother.press("Лебедев Вера")
    await mother.press("Marks")
    await refused_quietly(mother, *forge(mother, "per", str(theirs["period"])))

    assert await journal_state(h) == before
    async with h.make_uow() as uow:
        [ack] = await uow.family.acknowledgements(theirs["school"])
    assert ack.acknowledged_at is None
    assert crashes(caplog) == []


# --------------------------------------------------------------------------- anything at all

NOTICE_PREFIXES = (ACK_PREFIX, REGISTER_PREFIX, REMIND_PREFIX, REMARK_PREFIX)
HEAVY = ("PDF", "XLSX", "print", "Spreadsheet")  # documents: slow to make, nothing to forge
DIGITS = "0123456789١٢٣٤٥٦٧٨٩０１２３۴߁-+_:. \n"

ids = st.one_of(
    st.sampled_from(NOT_IDS),
    st.integers(-(10**45), 10**45).map(str),
    st.integers(0, 2**31 + 5).map(str),
    st.text(DIGITS, max_size=45),
    st.text(max_size=20),
)
items = st.one_of(
    ids,
    st.tuples(st.sampled_from(("v", "n", "")), ids, st.sampled_from(("", ":5", ":Б", ":X"))).map(
        "".join
    ),
    st.lists(ids, min_size=2, max_size=5).map(":".join),
    st.lists(ids, min_size=2, max_size=3).map("_".join),
    st.tuples(ids, st.dates().map(str), ids, st.sampled_from(("Б", "У", "Н", "?", "X"))).map(
        ":".join
    ),
)


async def _people(h: Harness) -> list[FakeUser]:
    """A teacher who is a class teacher, a deputy, and a guardian of two: joined once for all
    the examples (the harness lives as long as the test)."""
    known: list[FakeUser] | None = getattr(h, "forgers", None)
    if known is None:
        h.clock.moment = dt.datetime(2026, 11, 16, 9, 0, tzinfo=MSK)
        teacher = h.user(5001, "Анна", language="en")
        await teacher.start(await h.code(PersonKind.STAFF, "T1"))
        deputy = h.user(5002, "Борис", language="en")
        await deputy.start(await h.code(PersonKind.STAFF, "T2"))
        mother = h.user(6100, "Ольга", language="en")
        await mother.start(await h.code(PersonKind.GUARDIAN, "GF"))
        known = [teacher, deputy, mother]
        h.forgers = known  # type: ignore[attr-defined]  # a test's own attribute on the harness
    return known


def _buttons(user: FakeUser) -> list[tuple[str, str]]:
    """(label, data) of the buttons on the screen in front of the user."""
    found = []
    for message in user.bot_messages()[-1:]:
        for row in message.inline_buttons:
            for button in row:
                if "callback_data" in button and not any(h in button["text"] for h in HEAVY):
                    found.append((button["text"], button["callback_data"]))
    return found


def _prefixes(user: FakeUser) -> list[str]:
    """The real prefixes of the screen's buttons («intent␝widget:»), and the notices'."""
    found = list(NOTICE_PREFIXES)
    for _, data in _buttons(user):
        if SEP in data:
            head, _, _ = data.partition(":")
            found.append(head + ":")
    return found


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(who=st.integers(0, 2), walk=st.integers(0, 1000), prefix=st.integers(0, 1000), item=items)
async def test_forged_data_always_gets_an_answer(
    harness: Harness, caplog: pytest.LogCaptureFixture, who: int, walk: int, prefix: int, item: str
) -> None:
    """A real button first (a step of a random walk through the screens), then a forged one
    made of a real prefix of the screen in front of the user and anything at all."""
    h = harness
    caplog.set_level(logging.INFO)
    user = (await _people(h))[who]
    buttons = _buttons(user)
    if walk % 5 == 0 or not buttons:
        await user.send("/menu")
    else:
        _, data = buttons[walk % len(buttons)]
        await user.press_data(data, user.screen().message_id)
    prefixes = _prefixes(user)
    data = (prefixes[prefix % len(prefixes)] + item).encode()[:64].decode(errors="ignore")
    answered = len(user.alerts())
    await user.press_data(data, user.screen().message_id)
    assert len(user.alerts()) > answered, f"no answer to {data!r}"
    assert "went wrong" not in (user.last_alert() or ""), data
    assert crashes(caplog) == [], data
