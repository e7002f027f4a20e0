"""A school chooses the messengers it offers (Telegram, MAX or both; MAX alone is a choice):
invitations follow it and are redeemed only in those messengers; names that are no messengers
are refused and change nothing. On both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import FixedClock
from domain.errors import Forbidden, InvalidInput
from domain.model import parse_messengers
from domain.people import PersonKind
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school, find_school, update_school
from storage.uow import SqlUnitOfWork
from tests.school_data import bot_school, raw_tables
from tests.test_invite import journal

UowFactory = Callable[[], SqlUnitOfWork]
CLOCK = FixedClock(dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC))


def on(messenger: str, user_id: int) -> MessengerUser:
    return MessengerUser(
        messenger=messenger, user_id=str(user_id), chat_id=str(user_id), language="ru"
    )


def test_the_names_of_messengers() -> None:
    assert parse_messengers("max") == ("max",)
    assert parse_messengers(" MAX , telegram ") == ("telegram", "max")  # the journal's order
    for wrong in ("", " , ", "whatsapp", "max,vk"):
        with pytest.raises(InvalidInput):
            parse_messengers(wrong)


async def test_a_max_only_school_is_joined_on_max_only(make_uow: UowFactory) -> None:
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    assert school.messengers == ("telegram", "max")  # both by default
    await import_school(make_uow(), school, raw_tables(bot_school()), dt.date(2026, 9, 1))
    await update_school(make_uow(), school, messengers=("max",))
    again = await find_school(make_uow(), None)
    assert again.messengers == ("max",)
    assert again.id is not None
    async with make_uow() as uow:
        staff = {s.external_id: s.id for s in (await uow.directory.snapshot(again.id)).staff}
    [issued] = await issue_invitations(make_uow(), again.id, PersonKind.STAFF, [staff["T1"]], CLOCK)
    with pytest.raises(Forbidden) as refused:
        await redeem_invitation(make_uow(), on("telegram", 501), issued.code, CLOCK)
    assert refused.value.params == {"messenger": "Telegram", "offered": "MAX"}
    actor = await redeem_invitation(make_uow(), on("max", 502), issued.code, CLOCK)  # still usable
    assert actor.is_teacher


async def test_the_command_line_sets_it_and_invitations_follow(
    make_uow: UowFactory, engine: AsyncEngine
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(bot_school()), dt.date(2026, 9, 1))
    wrong = journal(url, "school", "update", "--messengers", "whatsapp")
    assert wrong.returncode == 1 and "is not a list of messengers" in wrong.stderr
    assert (await find_school(make_uow(), None)).messengers == ("telegram", "max")

    done = journal(url, "school", "update", "--messengers", "max")
    assert done.returncode == 0, done.stderr
    shown = journal(url, "school", "show")
    assert "Messengers offered: MAX" in shown.stdout
    refused = journal(
        url, "invite", "--staff", "T1", "--messenger", "telegram", JOURNAL_BOT_USERNAME="x_test_bot"
    )
    assert refused.returncode == 1
    assert "does not offer Telegram; it offers MAX" in refused.stderr
    both_set = journal(
        url,
        "invite",
        "--staff",
        "T1",
        JOURNAL_BOT_USERNAME="journal_test_bot",
        JOURNAL_MAX_USERNAME="journal_max_bot",
    )
    assert both_set.returncode == 0, both_set.stderr
    assert "https://max.ru/journal_max_bot?start=" in both_set.stdout
    assert "t.me" not in both_set.stdout  # the school offers MAX only
