"""Guessing invitation codes, on SQLite and PostgreSQL: an account that gave wrong codes is slowed
down but gets in with its valid code; the journal-wide limit bounds what many accounts together
get looked up; an account with no wrong code yet is looked up whatever others do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain.clock import FixedClock
from domain.errors import JournalError
from domain.people import (
    JOURNAL_WRONG_CODES,
    MAX_WRONG_CODES,
    SLOW_LOOKUP,
    WRONG_CODE_WINDOW,
    PersonKind,
)
from domain.usecases.accounts import (
    CodeRefused,
    CodeRefusedWait,
    CodeRefusedWaitSeconds,
    MessengerUser,
    TooManyTries,
    TooManyTriesSeconds,
    issue_invitations,
    redeem_invitation,
)
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from locales import translator
from storage import models as m
from storage.uow import SqlUnitOfWork
from tests.school_data import raw_tables

MSK = ZoneInfo("Europe/Moscow")
UowFactory = Callable[[], SqlUnitOfWork]


@dataclass
class Journal:
    make_uow: UowFactory
    clock: FixedClock
    school_id: int
    staff: list[int]

    async def code(self, n: int = 0) -> str:
        [issued] = await issue_invitations(
            self.make_uow(), self.school_id, PersonKind.STAFF, [self.staff[n]], self.clock
        )
        return issued.code

    async def redeem(self, user_id: int, code: str) -> object:
        """The actor, or the refusal raised (a JournalError)."""
        try:
            return await redeem_invitation(self.make_uow(), user(user_id), code, self.clock)
        except JournalError as refusal:
            return refusal

    async def wrong_code_rows(self) -> int:
        async with self.make_uow() as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(m.WrongCodeRow)))


def user(user_id: int) -> MessengerUser:
    return MessengerUser("telegram", str(user_id), str(user_id), "ru", f"user {user_id}")


def guess(n: int) -> str:
    return f"guess-{n:016d}"


@pytest.fixture
async def journal(make_uow: UowFactory) -> Journal:
    clock = FixedClock(dt.datetime(2026, 11, 16, 18, 0, tzinfo=MSK))
    school = await create_school(make_uow(), "Школа №1", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    return Journal(make_uow, clock, school.id, [s.id for s in snap.staff])


async def test_a_slowed_account_joins_with_its_valid_code(journal: Journal) -> None:
    j = journal
    code = await j.code()
    for n in range(MAX_WRONG_CODES - 1):
        assert type(await j.redeem(7, guess(n))) is CodeRefused
    # The fifth wrong code is looked up, refused, and says when the next one is.
    fifth = await j.redeem(7, guess(99))
    assert isinstance(fifth, CodeRefusedWaitSeconds)
    assert fifth.params == {"seconds": str(int(SLOW_LOOKUP.total_seconds()))}
    assert translator("ru")(fifth.message, **fifth.params).endswith("проверим через 60 с")
    # Within the minute the valid code is not looked up (and so not spent), and the wait is true.
    j.clock.advance(dt.timedelta(seconds=25))
    early = await j.redeem(7, code)
    assert isinstance(early, TooManyTriesSeconds) and early.params == {"seconds": "35"}
    assert translator("ru")(early.message, **early.params).endswith("попробуйте через 35 с")
    j.clock.advance(dt.timedelta(seconds=35))
    actor = await j.redeem(7, code)
    assert not isinstance(actor, JournalError), actor
    assert actor.staff is not None and actor.staff.id == j.staff[0]  # type: ignore[attr-defined]
    # A wrong code in the slow minute after the wait is looked up and counted: one a minute.
    j.clock.advance(SLOW_LOOKUP)
    assert isinstance(await j.redeem(7, guess(100)), CodeRefusedWaitSeconds)
    assert await j.wrong_code_rows() == MAX_WRONG_CODES + 1


async def test_the_journal_wide_limit_holds_against_many_accounts(journal: Journal) -> None:
    """20 accounts × 5 guesses within two minutes: past the journal's limit only accounts with
    no wrong code yet are looked up; each is told a wait after which it surely is."""
    j = journal
    accounts, guesses = 20, 5
    assert accounts * guesses > JOURNAL_WRONG_CODES  # the limit is what stops them
    looked_up, waited = 0, []
    for round_ in range(guesses):
        for account in range(accounts):
            answer = await j.redeem(1000 + account, guess(round_ * accounts + account))
            if isinstance(answer, CodeRefused):
                looked_up += 1
            else:
                assert isinstance(answer, TooManyTries), answer
                waited.append((1000 + account, answer))
            j.clock.advance(dt.timedelta(seconds=1))
    assert looked_up == JOURNAL_WRONG_CODES == await j.wrong_code_rows()
    assert len(waited) == accounts * guesses - JOURNAL_WRONG_CODES
    last_user, last = waited[-1]
    assert type(last) is TooManyTries  # minutes: until its own wrong codes leave the window
    minutes = int(last.params["minutes"])
    assert minutes <= WRONG_CODE_WINDOW.total_seconds() / 60
    # The wait said is enough: then the account, fresh again, is looked up, and its code joins.
    code = await j.code(1)
    j.clock.advance(dt.timedelta(minutes=minutes))
    joined = await j.redeem(last_user, code)
    assert not isinstance(joined, JournalError), joined


async def test_a_fresh_account_joins_while_the_limit_is_hit(journal: Journal) -> None:
    j = journal
    for n in range(JOURNAL_WRONG_CODES):  # one wrong code each from many accounts: all looked up
        assert isinstance(await j.redeem(2000 + n, guess(n)), CodeRefused)
    assert isinstance(await j.redeem(2000, guess(9999)), TooManyTries)  # the limit is hit
    parent = await j.redeem(3000, await j.code(2))
    assert not isinstance(parent, JournalError), parent
    # A fresh account's wrong code is looked up too; it is told its next one waits the window.
    mistyped = await j.redeem(3001, guess(10_000))
    assert isinstance(mistyped, CodeRefusedWait) and mistyped.params == {"minutes": "15"}


async def test_wrong_codes_no_longer_counted_are_forgotten(journal: Journal) -> None:
    j = journal
    for n in range(MAX_WRONG_CODES):
        await j.redeem(8, guess(n))
    assert await j.wrong_code_rows() == MAX_WRONG_CODES
    j.clock.advance(WRONG_CODE_WINDOW)
    assert type(await j.redeem(9, guess(50))) is CodeRefused
    assert await j.wrong_code_rows() == 1  # the window's old rows went with the new one


async def test_own_link_tapped_again_is_no_wrong_code(journal: Journal) -> None:
    """A person who taps their invitation again (the card is still on the fridge) is let in
    again, not counted as guessing; anybody else gets the same refusal as for a wrong code."""
    j = journal
    code = await j.code()
    first = await j.redeem(11, code)
    again = await j.redeem(11, code)
    assert not isinstance(again, JournalError), again
    assert again.staff.id == first.staff.id  # type: ignore[attr-defined]
    assert await j.wrong_code_rows() == 0
    assert type(await j.redeem(12, code)) is CodeRefused
    assert await j.wrong_code_rows() == 1
