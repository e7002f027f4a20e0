"""`journal demo`: the sandbox starts fast, its page's API plays each persona, the clock brings
the evening reminder, and Ctrl-C stops it cleanly.

The API tests share one demo started in this process (the clock only moves forward, so they run
in file order); the command itself is started as a person would, as a process of its own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import app.runtime  # noqa: F401  the bot's libraries load now: the fixture times the demo itself
from app.demo import (
    PERSONAS,
    Demo,
    DemoClock,
    clock_actions,
    demo_start,
    school_days_in_term,
    start_day,
    start_demo,
)
from app.demo_history import history_days
from domain.model import GradeRange, Holiday, Period, PeriodKind, School
from fakegram.web import render_html


@pytest.fixture(scope="module")
async def demo() -> AsyncIterator[Demo]:
    started = time.perf_counter()
    running = await start_demo(None, port=0)
    print(f"\nin-process start-up: {time.perf_counter() - started:.2f} s, {running.timings}")
    yield running
    await running.stop()
    assert running.server.internal_errors == []
    assert not running.directory.exists()  # the temporary folder goes with the demo


async def get(demo: Demo, path: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(demo.url + path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def post(demo: Demo, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        async with session.post(demo.url + path, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()


async def press(demo: Demo, user: str, label: str) -> dict[str, Any]:
    """Tap the newest inline button whose label contains `label`, as the page does."""
    chat = await get(demo, f"api/chat?user={user}")
    for message in reversed(chat["messages"]):
        for row in message["buttons"]:
            for button in row:
                if label in button["text"] and "data" in button:
                    body = {"user": user, "message_id": message["id"], "data": button["data"]}
                    return await post(demo, "api/press", body)
    raise AssertionError(f"no button {label!r} in the chat of {user}")


def texts(chat: dict[str, Any]) -> list[str]:
    return [m["html"] for m in chat["messages"] if m["from_bot"]]


async def wait_for_text(demo: Demo, user: str, needle: str, seconds: float = 10.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for text in texts(await get(demo, f"api/chat?user={user}")):
            if needle in text:
                return text
        await asyncio.sleep(0.2)
    raise AssertionError(f"{needle!r} did not reach {user} in {seconds} s")


# --------------------------------------------------------------------------- the API


async def test_start_up_brings_a_month_of_history(demo: Demo) -> None:
    print(f"\nstart_demo: ready in {demo.started_in:.2f} s; steps: {demo.timings}")
    assert demo.url.startswith("http://127.0.0.1:")
    assert demo.history.lessons > 300 and demo.history.marks > 1000, demo.history
    assert demo.history.absences > 0


async def test_personas_are_listed_and_joined(demo: Demo) -> None:
    info = await get(demo, "api/personas")
    by_key = {p["key"]: p for p in info["personas"]}
    assert list(by_key) == ["teacher", "class_teacher", "guardian", "deputy"]
    assert by_key["guardian"]["name"] == "Дарья Андреева"
    assert all(p["bot_messages"] >= 2 for p in by_key.values())  # welcome and the menu
    assert info["bot"]["username"] == "school_journal_demo_bot"
    assert {a["id"] for a in info["clock"]["actions"]} >= {"hour", "day", "evening", "digest"}
    guardian = await get(demo, "api/chat?user=guardian")
    welcome = texts(guardian)[0]
    assert "Андреев Владимир Юрьевич" in welcome and "Андреев Макар Юрьевич" in welcome
    assert guardian["messages"][0]["html"] == "/start"  # the code is not shown, as in Telegram


async def test_the_teacher_sees_todays_lessons(demo: Demo) -> None:
    local = demo.local_now()
    assert local.isoweekday() <= 5 and local.time() >= dt.time(10, 20)
    menu = next(t for t in texts(await get(demo, "api/chat?user=teacher")) if "Сегодня" in t)
    assert f"<b>Сегодня, {['Пн', 'Вт', 'Ср', 'Чт', 'Пт'][local.weekday()]}" in menu
    assert "5А · Математика" in menu


async def test_pressing_a_lesson_shows_its_card(demo: Demo) -> None:
    chat = await press(demo, "teacher", "5А · Математика")
    card = next(t for t in reversed(texts(chat)) if "Тема: " in t)  # notices may come later
    assert "5А · Математика" in card and "Тема: " in card and "Посещаемость" in card, card
    labels = [b["text"] for m in chat["messages"] for row in m["buttons"] for b in row]
    assert any("По КТП" in label for label in labels), labels  # the plan's next topic
    chat = await press(demo, "teacher", "Отметки")
    chat = await press(demo, "teacher", "Устный ответ")
    grid = next(m for m in reversed(chat["messages"]) if "Выставлено отметок" in m["html"])
    row = marks_row(grid, "Андреев Макар")
    five = next(b for b in row if b["text"] == "5")
    body = {"user": "teacher", "message_id": grid["id"], "data": five["data"]}
    chat = await post(demo, "api/press", body)
    assert chat["answer"] == {"text": "Отметка 5 сохранена", "alert": False}
    grid = next(m for m in chat["messages"] if m["id"] == grid["id"])
    row = marks_row(grid, "Андреев Макар")
    assert "[5]" in [b["text"] for b in row]  # the grid was edited in place
    assert grid["edited"] is True


async def test_the_deputys_control_figures_look_like_a_real_schools(demo: Demo) -> None:
    """The history is entered on the lesson's day, along the plan, with a few late entries and
    a few deviations from the plan: the deputy's figures read as a real school's would."""
    chat = await press(demo, "deputy", "Контроль")
    screen = next(t for t in reversed(texts(chat)) if "заполнено в срок" in t)
    print(f"\n{screen}")
    found = re.search(r"заполнено в срок ([\d.,]+)%.*по КТП ([\d.,]+)%", screen)
    assert found, screen
    on_time, ktp = (float(x.replace(",", ".")) for x in found.groups())
    assert 90 <= on_time <= 98, screen
    assert 85 <= ktp <= 98, screen
    worst = screen.split("Реже всего заполняют в срок:")[1].strip().splitlines()
    teachers = [float(line.rsplit(": ", 1)[1].rstrip("%").replace(",", ".")) for line in worst]
    assert teachers and min(teachers) >= 70 and max(teachers) <= 100, screen


def marks_row(grid: dict, name: str) -> list[dict]:
    """The row of marks under a pupil's name (the name has a row of its own)."""
    rows = grid["buttons"]
    index = next(i for i, r in enumerate(rows) if r[0]["text"].startswith(name))
    return rows[index + 1]


async def test_moving_the_clock_to_19_brings_the_evening_reminder(demo: Demo) -> None:
    result = await post(demo, "api/clock", {"action": "evening"})
    assert result["clock"]["label"].endswith("19:00"), result
    ran = {r["job"]: r["messages"] for r in result["ran"]}
    assert ran.get("evening_reminder", 0) >= 1, ran
    # what the page's note counts: what goes out now, the new and the held alike
    assert result["due"] >= result["queued"] >= 1, result
    reminder = await wait_for_text(demo, "teacher", "Незаполненные уроки за сегодня")
    assert "5А · Математика" in reminder
    # the mark given an hour ago has settled: the parent has heard of it
    note = await wait_for_text(demo, "guardian", "«Математика»")
    assert "Макар: 5" in note


async def test_the_guardians_week_shows_each_homework_once(demo: Demo) -> None:
    """Issue 16.1: a lesson shows the homework set for it, so the history's homework is due at
    each subject's next lesson only, not at every later one of the week."""
    await press(demo, "guardian", "Дневник")
    await press(demo, "guardian", "Андреев Макар")
    chat = await press(demo, "guardian", "На неделю")
    week = next(t for t in reversed(texts(chat)) if "Домашнее задание на неделю" in t)
    lines = re.findall(r"^(\d\d\.\d\d) <b>([^<]+)</b>: (.+)$", week, flags=re.MULTILINE)
    assert lines, week
    subjects = [subject for _, subject, _ in lines]
    assert len(subjects) == len(set(subjects)), week  # no homework entered ahead in the demo
    await press(demo, "guardian", "Назад")
    await press(demo, "guardian", "Меню")


async def test_the_guardians_marks_read_in_russian(demo: Demo) -> None:
    """The forecast's «how many 5s» line is a plural entry of the catalog: the diary gave its
    count as text and got the English msgid («3 more 5s (Самостоятельная работа) make it 5»)."""
    await press(demo, "guardian", "Дневник")
    await press(demo, "guardian", "Андреев Макар")
    chat = await press(demo, "guardian", "Отметки")
    marks = next(t for t in reversed(texts(chat)) if "Средний балл" in t)
    assert "more 5" not in marks and "make it" not in marks, marks
    assert re.search(r"Ещё (одна «5»|\d+ отмет(ка|ки|ок) «5»)", marks), marks
    await press(demo, "guardian", "Назад")
    await press(demo, "guardian", "Меню")


async def test_the_page_and_its_guards(demo: Demo) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(demo.url) as response:
            page = await response.text()
            assert response.status == 200 and "песочница" in page and "sandbox" in page
        async with session.get(demo.url + "static/app.js") as response:
            assert response.status == 200
        # another host name (DNS rebinding) and a form post (CSRF) get nothing
        host = {"Host": "attacker.example:80"}
        async with session.get(demo.url + "api/personas", headers=host) as response:
            assert response.status == 421
        form = {"user": "teacher", "text": "/menu"}
        async with session.post(demo.url + "api/send", data=form) as response:
            assert response.status == 415
        async with session.get(demo.url + "api/chat?user=nobody") as response:
            assert response.status == 404


# --------------------------------------------------------------------------- pieces


def test_render_html_keeps_telegram_formatting_and_escapes() -> None:
    text = "Hi <Ann> & 👍 bold code /menu"
    entities = [
        {"type": "bold", "offset": 14, "length": 4},  # after 👍 (two UTF-16 units)
        {"type": "italic", "offset": 14, "length": 9},
        {"type": "code", "offset": 19, "length": 4},
        {"type": "bot_command", "offset": 24, "length": 5},
    ]
    html = render_html(text, entities)
    assert html.startswith("Hi &lt;Ann&gt; &amp; 👍 ")
    assert "<i><b>bold</b> <code>code</code></i>" in html
    assert 'data-cmd="/menu">/menu</a>' in html
    assert render_html("<b>", []) == "&lt;b&gt;"
    script = {"type": "text_link", "offset": 0, "length": 1, "url": "javascript:1"}
    assert render_html("x", [script]) == "x"  # only web links become links


def test_the_demo_starts_on_a_school_day_in_term() -> None:
    first, holidays = demo_start(dt.date(2026, 11, 29))  # a Sunday
    assert first == dt.date(2026, 11, 30)
    assert demo_start(dt.date(2026, 10, 28))[0] == dt.date(2026, 11, 5)  # after the holidays
    assert demo_start(dt.date(2030, 1, 1))[0] <= dt.date(2027, 6, 30)  # the example's year
    assert demo_start(dt.date(2025, 5, 1))[0] == dt.date(2026, 9, 22)  # with weeks behind it
    days = school_days_in_term([], holidays)
    assert days == [] and start_day(days, dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)


def test_the_history_reaches_back_to_the_periods_start_the_control_reads_from() -> None:
    """Seen in CI on 07.12: the control reads from the quarter's start (05.11), the history went
    30 days back (to 07.11), and two school days of empty lessons read as «88,6% on time»."""
    school = School(id=1, name="Школа", timezone="Europe/Moscow")
    quarter = Period(
        id=None,
        school_id=1,
        school_year_id=None,
        name="II четверть",
        kind=PeriodKind.QUARTER,
        grades=GradeRange(first=1, last=9),
        starts=dt.date(2026, 11, 5),
        ends=dt.date(2026, 12, 28),
    )
    days = history_days(school, dt.date(2026, 12, 7), [], [quarter], 30)
    assert days[0] == dt.date(2026, 11, 5) and days[-1] == dt.date(2026, 12, 4)
    # a short history stays short when the period began long ago, or there is none (07.11 is
    # a Saturday)
    long_ago = dataclasses.replace(quarter, starts=dt.date(2026, 9, 1))
    assert history_days(school, dt.date(2026, 12, 7), [], [long_ago], 30)[0] == dt.date(2026, 11, 9)
    assert history_days(school, dt.date(2026, 12, 7), [], [], 30)[0] == dt.date(2026, 11, 9)


def test_clock_actions_point_at_the_jobs() -> None:
    school = School(id=1, name="Школа", timezone="Europe/Moscow")
    zone = dt.timezone(dt.timedelta(hours=3))
    now = dt.datetime(2026, 11, 30, 10, 20, tzinfo=zone)
    holidays = [
        Holiday(
            id=None,
            school_id=1,
            name="Зимние каникулы",
            starts=dt.date(2026, 12, 29),
            ends=dt.date(2027, 1, 11),
        )
    ]
    actions = {a.id: a.at for a in clock_actions(now, school, holidays)}
    assert actions["evening"] == dt.datetime(2026, 11, 30, 19, 0, tzinfo=zone)
    assert actions["digest"] == dt.datetime(2026, 12, 11, 18, 0, tzinfo=zone)  # a digest Friday
    assert actions["morning"] == dt.datetime(2026, 12, 1, 8, 0, tzinfo=zone)
    late = dt.datetime(2026, 12, 4, 20, 0, tzinfo=zone)
    actions = {a.id: a.at for a in clock_actions(late, school, holidays)}
    assert actions["evening"] == dt.datetime(2026, 12, 7, 19, 0, tzinfo=zone)  # a school day
    assert actions["morning"] == dt.datetime(2026, 12, 7, 8, 0, tzinfo=zone)  # after a weekend
    clock = DemoClock(now)
    clock.move_to(now - dt.timedelta(hours=1))  # never backwards
    assert clock.now() >= now
    clock.advance(dt.timedelta(days=1))
    assert clock.now() >= now + dt.timedelta(days=1)


def test_personas_are_people_of_the_example_school() -> None:
    assert {p.key for p in PERSONAS} == {"teacher", "class_teacher", "guardian", "deputy"}
    assert len({p.user_id for p in PERSONAS}) == len(PERSONAS)


# --------------------------------------------------------------------------- the command


def journal_command() -> list[str]:
    script = Path(sys.executable).with_name("journal")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "app.cli"]


async def start_command(tmp_path: Path) -> tuple[asyncio.subprocess.Process, float, list[str]]:
    """`journal demo` as a person starts it; returns at its «ready» line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNAL_")}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *journal_command(), "--lang", "en", "demo", "--port", "0",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    ready = 0.0
    while not lines or "Ctrl-C" not in lines[-1]:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line, "the demo exited before it was ready:\n" + "".join(lines)
        lines.append(line.decode())
        if "is ready in" in lines[-1]:
            ready = time.perf_counter() - started
    return process, ready, lines


async def test_journal_demo_starts_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """How fast it starts is `benchmarks/demo_benchmark.py`'s business: a timed test fails on a
    busy machine for no fault of the code."""
    process, seconds, lines = await start_command(tmp_path)
    said = re.search(r"ready in ([\d.]+) s: open (http://127\.0\.0\.1:\d+/)", "".join(lines))
    assert said is not None, lines
    print(f"\njournal demo: ready line after {seconds:.2f} s (it says {said.group(1)} s)")
    async with aiohttp.ClientSession() as session:
        async with session.get(said.group(2) + "api/personas") as response:
            assert response.status == 200 and len((await response.json())["personas"]) == 4
    folder = re.search(r"Database: (.+)/demo\.sqlite3", "".join(lines))
    process.send_signal(signal.SIGINT)
    # the process was started with stdout=PIPE
    out = (await asyncio.wait_for(process.stdout.read(), timeout=15)).decode()  # type: ignore[union-attr]
    assert await process.wait() == 0, out
    assert "The demo has stopped." in out and "Traceback" not in out, out
    assert folder is not None
    assert not await asyncio.to_thread(os.path.exists, folder.group(1))
