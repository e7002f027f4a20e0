"""The sandbox's term marks, as a new teacher first meets them: the bulk confirmation counts
and sets only pupils with enough marks, asks once more before the period's last two weeks, and
the guardian's diary keeps the term mark back until the period's last week."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from app.demo import Demo, start_demo
from domain.grading import term_marks_early, term_marks_shown
from domain.usecases.term_marks import current_period
from tests.test_demo import press, texts


@pytest.fixture(scope="module")
async def demo() -> AsyncIterator[Demo]:
    running = await start_demo(None, port=0)
    yield running
    await running.stop()
    assert running.server.internal_errors == []


async def test_the_sandbox_teacher_confirms_term_marks(demo: Demo) -> None:
    await press(demo, "teacher", "Итоговые отметки")
    chat = await press(demo, "teacher", "5А · Математика")
    sheet = next(m for m in reversed(chat["messages"]) if "Предложено:" in m["html"])
    # «Фамилия Имя: 4.17 (6) → 4», «!» after the count when the marks are too few.
    lines = re.findall(r"^(.+?): (\S+) \((\d+)(!?)\) → (\S+)", sheet["html"], re.M)
    assert lines, sheet["html"]
    enough = [x for x in lines if not x[3] and x[4] != "—"]
    flagged = [x for x in lines if x[3] and x[4] != "—"]
    labels = [b["text"] for row in sheet["buttons"] for b in row]
    assert f"✅ Подтвердить предложенные ({len(enough)})" in labels, labels
    day = demo.local_now().date()
    async with demo.make_uow() as uow:
        periods = await uow.journal.periods(demo.school.id)
    period = current_period(periods, 5, day)
    assert period is not None
    chat = await press(demo, "teacher", "Подтвердить предложенные")
    if term_marks_early(period.ends, day):
        question = texts(chat)[-1]
        assert f"{period.name} заканчивается {period.ends:%d.%m.%Y}." in question, question
        chat = await press(demo, "teacher", "Да, сейчас")
    said = chat["answer"]["text"]
    assert said.startswith(f"Подтверждено: {len(enough)}"), said
    if flagged:
        assert f"Не подтверждено из-за малого числа отметок: {len(flagged)}" in said, said
    # The guardian's diary (Андреев Макар of 5А first) keeps the term mark back until the
    # period's last week.
    await press(demo, "guardian", "Дневник")
    await press(demo, "guardian", "Андреев Макар")
    chat = await press(demo, "guardian", "Отметки")
    diary = texts(chat)[-1]
    assert "Андреев Макар" in diary and "Математика" in diary, diary
    if not term_marks_shown(period.ends, day):
        assert "(итоговая" not in diary, diary
