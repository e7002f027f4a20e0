"""Notices into text: lines shared by many digests are translated once, and never mixed up."""

from __future__ import annotations

import sys

from bot.render import TelegramRenderer
from domain.intents import AcknowledgeTermMarks, OpenRemark, RemindTeacher
from domain.people import Account
from domain.usecases.scheduling import Msg, Notice, msg
from scheduler.render import LocalesRenderer


def _notice(language: str, *lines: Msg) -> Notice:
    account = Account(id=1, messenger="telegram", user_id="1", chat_id="1", language=language)
    return Notice(
        account=account,
        school_id=1,
        kind="digest",
        dedup_key=f"k:{language}:{id(lines)}",
        lines=tuple(lines),
    )


def test_a_shared_line_is_rendered_in_each_readers_language() -> None:
    renderer = LocalesRenderer()
    shared = msg("At risk of 2")
    assert renderer.render(_notice("ru", shared)) == "Риск двойки"
    assert renderer.render(_notice("en", shared)) == "At risk of 2"
    assert renderer.render(
        _notice(
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


def test_a_new_line_at_the_address_of_a_gone_one_is_rendered_anew() -> None:
    """Lines are remembered by identity; the renderer keeps each line it remembers, so another
    line can never take its place in memory (CPython reuses a freed object's address at once)."""
    renderer = LocalesRenderer()
    for n in range(200):
        line = msg("Too few marks: {count} of {minimum}", count=n, minimum=5)
        assert renderer.render(_notice("en", line)) == f"Too few marks: {n} of 5"
        del line


def test_lines_of_an_earlier_school_are_let_go() -> None:
    """A district's digests are rendered school after school; lines are shared within one, so
    the renderer holds on to one school's lines at most, and memory stays flat."""
    renderer = LocalesRenderer()
    line = msg("Too few marks: {count} of {minimum}", count=1, minimum=5)
    held_before = sys.getrefcount(line)
    renderer.render(_notice("ru", line))
    assert sys.getrefcount(line) > held_before  # kept for the school's other digests
    other_school = Notice(
        account=Account(id=2, messenger="telegram", user_id="2", chat_id="2"),
        school_id=2,
        kind="digest",
        dedup_key="k",
        lines=(msg("At risk of 2"),),
    )
    renderer.render(other_school)
    assert sys.getrefcount(line) == held_before


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
        notice = Notice(
            account=Account(
                id=1, messenger="telegram", user_id="1", chat_id="1", language=language
            ),
            school_id=1,
            kind="term_marks",
            dedup_key=f"k:{language}",
            lines=(msg("Please confirm that you have seen them."),),
            buttons=buttons,
        )
        assert renderer.render_buttons(notice) == [
            [{"text": seen, "data": "ack:1"}],
            [  # a label is shown as written: nothing escaped, a name as it is
                {"text": "🔔 <b>Иван</b> & Co", "data": "rm:2"},
                {"text": "Абрамов Анна", "data": "rmk:3"},
            ],
        ]
