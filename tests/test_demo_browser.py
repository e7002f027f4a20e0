"""The demo page in a real browser: be the teacher, mark a lesson, then be the parent and see it.

Debian's headless Chromium (/usr/bin/chromium) driven by Playwright for Python; no browser is
downloaded. Screenshots of every step go to test-artifacts/demo-browser/. Without the browser
the test skips, except under CI (CI=true), where it fails and says what is missing.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.demo import Demo, start_demo

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "demo-browser"
WAIT_MS = 15_000


def unavailable(reason: str) -> None:
    message = f"the browser test cannot run: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI installs chromium in .ci/run and playwright with .[dev])")
    pytest.skip(message)


@pytest.fixture
async def browser_page(tmp_path: Path) -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    if not await asyncio.to_thread(os.path.exists, CHROMIUM):
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path)
    async with async_playwright() as playwright:
        try:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=ARGS,
                headless=True,
                viewport={"width": 1280, "height": 900},
                locale="ru-RU",
                timezone_id="Europe/Moscow",
            )
        except Exception as err:  # the browser did not start: say why
            unavailable(f"{CHROMIUM} did not start: {str(err).splitlines()[0]}")
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            await context.close()


@pytest.fixture
async def demo() -> AsyncIterator[Demo]:
    running = await start_demo(None, port=0)
    yield running
    await running.stop()
    assert running.server.internal_errors == []


async def shot(page: Any, name: str) -> None:
    await page.wait_for_timeout(250)  # let the last edit's flash settle
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


async def tap(page: Any, label: str) -> None:
    """Tap the newest inline button with this label (exact first, else contained)."""
    buttons = page.locator(".kb button", has_text=label)
    exact = buttons.filter(has=page.locator(f"text='{label}'"))
    target = exact if await exact.count() else buttons
    await target.last.click()


async def test_teacher_marks_a_lesson_and_the_parent_sees_it(demo: Demo, browser_page: Any) -> None:
    page = browser_page
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"error: {e}"))

    await page.goto(demo.url)
    await page.locator(".persona").first.wait_for()
    await page.get_by_text("Это песочница.").wait_for()
    await page.get_by_text("nothing leaves it").wait_for()
    await page.locator(".persona[data-key=teacher]").click()
    messages = page.locator("#messages")
    await messages.get_by_text("Сегодня,").wait_for()
    await shot(page, "01-teacher-today")

    # The teacher opens today's maths lesson in 5А and gives Андреев Макар an oral 5.
    await tap(page, "5А · Математика")
    await messages.get_by_text("Тема:").last.wait_for()
    await shot(page, "02-lesson-card")
    await tap(page, "Отметки")
    await tap(page, "Устный ответ")
    name_row = page.locator(".kbrow", has=page.locator("button", has_text="Андреев Макар")).last
    await name_row.wait_for()
    row = name_row.locator("xpath=following-sibling::*[1]")  # the marks sit under the name
    await shot(page, "03-marks-grid")
    await row.locator("button", has_text="5").first.click()
    await row.locator("button", has_text="[5]").wait_for()  # the grid is edited in place
    await page.locator("#toast.show", has_text="Отметка 5 сохранена").wait_for()
    await shot(page, "04-mark-given")

    # The parent of two opens the diary of that child.
    await page.locator(".persona[data-key=guardian]").click()
    await messages.get_by_text("Ваши дети в журнале").wait_for()
    await tap(page, "Дневник")
    await tap(page, "Андреев Макар")
    await tap(page, "Отметки")
    diary = messages.locator(".row.bot .text").filter(has_text="II четверть").last
    await diary.wait_for()
    text = await diary.inner_text()
    maths = next(line for line in text.splitlines() if line.startswith("Математика:"))
    marks = re.findall(r"(\S+) \(([^,()]+), (\d\d\.\d\d)\)", maths)  # «5 (устный ответ, 16.11)»
    assert marks[-1][:2] == ("5", "устный ответ"), maths  # today's mark comes last
    await diary.scroll_into_view_if_needed()
    await shot(page, "05-parent-diary")

    # The same day by lessons, on a phone: topic, homework, attendance and today's 5.
    await tap(page, "Назад")
    await tap(page, "По дням")
    day = messages.locator(".row.bot .text").filter(has_text="сегодня").last
    await day.wait_for()
    assert "Отметка 5 (устный ответ)" in await day.inner_text()
    await page.set_viewport_size({"width": 390, "height": 844})
    await asyncio.sleep(0.3)
    await day.scroll_into_view_if_needed()
    await shot(page, "10-diary-day")
    await page.set_viewport_size({"width": 1280, "height": 900})

    # An hour later the mark has settled and the parent is told about it.
    await page.locator("#clock-actions button[data-action=hour]").click()
    await messages.get_by_text("Макар: 5 по предмету «Математика»").wait_for()
    await shot(page, "06-parent-notified")

    # The evening: the teacher's reminder arrives; a phone-width window still works.
    await page.locator(".persona[data-key=teacher]").click()
    await page.locator("#clock-actions button[data-action=evening]").click()
    await messages.get_by_text("Незаполненные уроки за сегодня").wait_for()
    await shot(page, "07-teacher-evening-reminder")

    # Friday 18:00 of a digest week: the parent gets each child's digest with a chart.
    await page.locator(".persona[data-key=guardian]").click()
    await page.locator("#clock-actions button[data-action=digest]").click()
    chart = messages.locator("img.photo").last
    await chart.wait_for()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('img.photo')].every(i => i.naturalWidth > 0)"
    )
    await chart.scroll_into_view_if_needed()
    await shot(page, "08-parent-digest-chart")
    await page.set_viewport_size({"width": 390, "height": 844})
    await asyncio.sleep(0.3)
    await shot(page, "09-phone-width")
    errors = [line for line in console if line.startswith("error")]
    assert errors == [], errors
