"""Notices into text: lines shared by many digests are translated once, and never mixed up."""

from __future__ import annotations

from bot.render import TelegramRenderer
from domain.intents import AcknowledgeTermMarks, OpenRemark, RemindTeacher
from domain.notices import NoticeBody
from domain.text import Msg, msg
from scheduler.render import LocalesRenderer


def _notice(language: str, *lines: Msg) -> tuple[NoticeBody, str]:
    return NoticeBody(lines=tuple(lines)), language


def test_a_shared_line_is_rendered_in_each_readers_language() -> None:
    renderer = LocalesRenderer()
    shared = msg("At risk of 2")
    assert renderer.render(*_notice("ru", shared)) == "Риск двойки"
    assert renderer.render(*_notice("en", shared)) == "At risk of 2"
    assert renderer.render(
        *_notice(
            "ru",
            msg(
                "Lessons missed: {missed}, days missed: {days}, late: {late}",
                missed=1,
                days=0,
                late=2,
            ),
            shared,
        )
    ).endswith("\nРиск двойки")


def test_lines_are_remembered_by_what_they_say_not_by_identity() -> None:
    """A line read back from the outbox is a new object each time: an equal line is rendered
    once, a different one anew (never another line's text)."""
    renderer = LocalesRenderer()
    for n in range(200):
        line = msg("Too few marks: {count} of {minimum}", count=n, minimum=5)
        assert renderer.render(*_notice("en", line)) == f"Too few marks: {n} of 5"
        again = msg("Too few marks: {count} of {minimum}", count=n, minimum=5)
        assert renderer.render(*_notice("en", again)) == f"Too few marks: {n} of 5"


def test_the_lines_kept_are_bounded() -> None:
    """However many digests are rendered, at most `_KEPT` lines a language are held."""
    renderer = LocalesRenderer()
    renderer._KEPT = 10
    for n in range(100):
        renderer.render(
            *_notice("ru", msg("Too few marks: {count} of {minimum}", count=n, minimum=5))
        )
    assert all(len(kept) <= 11 for kept in renderer._rendered.values())


def test_button_labels_are_rendered_in_the_readers_language_as_plain_text() -> None:
    renderer = TelegramRenderer()
    buttons = (
        ((Msg("✅ I have seen them"), AcknowledgeTermMarks(1)),),
        (
            (msg("🔔 {name}", name="<b>Иван</b> & Co"), RemindTeacher(2)),
            ("Абрамов Анна", OpenRemark(3)),
        ),
    )
    for language, seen in (("ru", "✅ Ознакомлен(а)"), ("en", "✅ I have seen them")):
        notice = NoticeBody(
            lines=(msg("Please confirm that you have seen them."),), buttons=buttons
        )
        assert renderer.render_buttons(notice, language) == [
            [{"text": seen, "data": "ack:1"}],
            [  # a label is shown as written: nothing escaped, a name as it is
                {"text": "🔔 <b>Иван</b> & Co", "data": "rm:2"},
                {"text": "Абрамов Анна", "data": "rmk:3"},
            ],
        ]
