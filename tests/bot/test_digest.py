"""A guardian's fortnightly digest as it reaches Telegram: its text and its chart, whose mean
line ends on the weighted mean the digest states."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from PIL import Image

from domain.journal import RemarkTone
from domain.people import PersonKind
from domain.usecases import teaching
from domain.usecases.accounts import MessengerUser, resolve_actor
from fakegram import FakeUser
from tests.bot.conftest import MSK, TOKEN, Harness

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FRIDAY = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)  # a digest week's Friday, 18:00
MEAN_LINE = (70, 74, 82)
GRID = (226, 228, 232)


async def _marks(
    h: Harness, pupil: str, given: list[tuple[dt.date, int, str, str]], user: str = "5001"
) -> None:
    """A teacher (T1 by default) gives `pupil` of 7А marks: (Monday, lesson, kind, value)."""
    teacher = await resolve_actor(
        h.make_uow(), MessengerUser(messenger="telegram", user_id=user, chat_id=user, language="ru")
    )
    for day, number, kind, value in given:
        h.clock.moment = dt.datetime.combine(day, dt.time(12, 0), MSK)
        views = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
        lesson = next(v.lesson.id for v in views if v.lesson.lesson_number == number)
        await teaching.put_mark(
            h.make_uow(), teacher, lesson, h.pupils[pupil], kind, value, h.clock
        )


async def _digest_arrives(h: Harness, parent: FakeUser) -> None:
    """Friday 18:00: the digest job runs with real charts and the sender delivers it."""
    from bot.gateway import TelegramGateway
    from bot.main import build_bot
    from bot.render import TelegramRenderer
    from domain.usecases.family_jobs import Digest
    from domain.usecases.scheduling import run_due_jobs
    from reports.charts import PillowCharts
    from scheduler.sender import Sender

    h.clock.moment = FRIDAY
    await run_due_jobs(h.make_uow, h.clock, (Digest(PillowCharts()),))
    sending_bot = build_bot(TOKEN, h.server.api_url)
    try:
        await Sender(
            h.make_uow, TelegramGateway(sending_bot), h.clock, renderer=TelegramRenderer()
        ).run_once()
    finally:
        await sending_bot.session.close()


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], by: int = 24) -> bool:
    return all(abs(a - b) <= by for a, b in zip(pixel, colour, strict=False))


def _line_end(image: Image.Image, below: int) -> tuple[int, float]:
    """Where the mean line ends, below the header: the row of its horizontal run of at least
    12 px (its end, past the last point), and the value there read off the grid lines."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    pixels = rgb.load()
    assert pixels is not None
    grid_rows, runs = [], []
    for y in range(below, height):
        row = [pixels[x, y] for x in range(width)]
        if 0.6 * width < sum(_near(p, GRID, 6) for p in row) < 0.85 * width:
            grid_rows.append(y)  # not the panel's frame, which is wider
        best = run = 0
        for p in row:
            run = run + 1 if _near(p, MEAN_LINE) else 0
            best = max(best, run)
        if best >= 12:
            runs.append(y)
    assert runs, "the chart has no mean line ending in a horizontal stroke"
    # grid lines are one pixel (or two, smoothed): one row per value, 5 at the top
    lines: list[int] = []
    for y in grid_rows:
        if not lines or y - lines[-1] > 2:
            lines.append(y)
    end = sum(runs) / len(runs)
    step = (lines[-1] - lines[0]) / (len(lines) - 1)
    return round(end), 5 - (end - lines[0]) / step


async def test_the_charts_line_ends_on_the_digests_weighted_mean(harness: Harness) -> None:
    h = harness
    await h.teacher()
    parent = h.user(6400, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    monday, next_monday = dt.date(2026, 11, 16), dt.date(2026, 11, 23)
    # oral 5 and homework 5 weigh 1 each, the control work's 2 weighs 2: (5 + 5 + 2·2) / 4 =
    # 3.50, where the plain mean of the three is 4.00.
    await _marks(
        h,
        "A3",
        [(monday, 1, "oral", "5"), (monday, 2, "homework", "5"), (next_monday, 1, "control", "2")],
    )
    await _digest_arrives(h, parent)
    [text] = [m for m in parent.bot_messages() if "Галкина Глеб" in (m.text or "")][-1:]
    assert re.search(r"3[.,]50", text.text or ""), text.text
    [chart] = [m for m in parent.bot_messages() if m.photo is not None]
    ARTIFACTS.mkdir(exist_ok=True)
    # the chart notice carries a photo
    (ARTIFACTS / "digest-chart.png").write_bytes(chart.photo.data)  # type: ignore[union-attr]
    # the chart notice carries a photo
    image = Image.open(io.BytesIO(chart.photo.data))  # type: ignore[union-attr]
    assert image.width == 780  # twice a 390 px phone
    _, value = _line_end(image, below=130)
    assert abs(value - 3.50) < 0.05, value


async def test_the_digest_leads_with_news_and_names_the_teacher(harness: Harness) -> None:
    """Subjects with new marks come first, those without in one line; a teacher's word names
    the teacher, and a button under the digest gives the class teacher's contact."""
    h = harness
    await h.teacher()  # T1: maths, 7А's class teacher
    await h.teacher("T2", user_id=5002)  # physics
    parent = h.user(6500, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    # Physics before the digest's fortnight (it starts on 14.11), maths within it.
    await _marks(h, "A3", [(dt.date(2026, 11, 9), 4, "oral", "4")], user="5002")
    await _marks(h, "A3", [(dt.date(2026, 11, 16), 1, "oral", "5")])
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    [first, *_] = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    await teaching.add_remark(
        h.make_uow(),
        teacher,
        first.lesson.id,
        h.pupils["A3"],
        RemarkTone.PRAISE,
        "Отлично решил задачу у доски",
        h.clock,
    )
    await _digest_arrives(h, parent)
    [digest] = [m for m in parent.bot_messages() if "Галкина Глеб, 7А" in (m.text or "")]
    text = digest.text or ""
    lines = text.splitlines()
    maths = next(i for i, line in enumerate(lines) if line.startswith("Математика: новые отметки"))
    quiet = lines.index("Без новых отметок: Физика (4)")
    assert maths < quiet, text
    assert "Физика: новые отметки" not in text  # no line of its own
    assert "✉️ Пишет Иванова А. П. (16.11): Отлично решил задачу у доски" in text
    await parent.press("Связаться с классным руководителем", message=digest)
    answer = parent.screen().text or ""
    assert "Классный руководитель 7А: Иванова Анна Петровна" in answer, answer
    assert "свяжитесь со школой" in answer
    # A forged button for another family's child, or no child at all, tells nothing.
    for forged in (str(h.pupils["A4"]), "999999", "x"):
        before = len(parent.bot_messages())
        await parent.press_data(f"ctc:{forged}", digest.message_id)
        shown = [m.text or "" for m in parent.bot_messages()[before:]]
        assert not any("Классный руководитель" in t for t in shown), shown
        assert "Иванова Анна" not in (parent.last_alert() or "")
    assert parent.last_alert()  # the last one refused: a fresh menu or the reason
