"""Notices into text: lines shared by many digests are translated once, and never mixed up."""

from __future__ import annotations

from domain.people import Account
from domain.usecases.scheduling import Msg, Notice, msg
from scheduler.render import LocalesRenderer


def _notice(language: str, *lines: Msg) -> Notice:
    account = Account(1, "telegram", "1", "1", language=language)
    return Notice(account, 1, "digest", f"k:{language}:{id(lines)}", tuple(lines))


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
