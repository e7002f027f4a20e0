"""Guessing invitation codes, on SQLite and PostgreSQL: an account that gave wrong codes is slowed
down but gets in with its valid code; the journal-wide limit bounds what many accounts together
get looked up; an account with no wrong code yet is looked up whatever others do. Updates the bot
handles at once (one getUpdates batch) count as if they came one after another."""

from __future__ import annotations

import asyncio
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
    set_language,
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

    async def burst(self, codes: list[tuple[int, str]]) -> list[object]:
        """All at once, each with its own unit of work, as aiogram runs one getUpdates batch."""
        return list(await asyncio.gather(*(self.redeem(u, code) for u, code in codes)))

    async def wrong_code_rows(self) -> int:
        async with self.make_uow() as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(m.WrongCodeRow)))


def user(user_id: int) -> MessengerUser:
    return MessengerUser(
        messenger="telegram",
        user_id=str(user_id),
        chat_id=str(user_id),
        language="ru",
        display_name=f"user {user_id}",
    )


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
    # redeem returned an Actor, asserted above
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
    assert again.staff.id == first.staff.id  # type: ignore[attr-defined]  # both are Actors here
    assert await j.wrong_code_rows() == 0
    assert type(await j.redeem(12, code)) is CodeRefused
    assert await j.wrong_code_rows() == 1


def looked_up(answers: list[object]) -> int:
    """Refused after a lookup; the rest must have been refused before one (or joined)."""
    refused = [a for a in answers if isinstance(a, CodeRefused)]
    assert all(isinstance(a, CodeRefused | TooManyTries) for a in answers), answers
    return len(refused)


async def test_a_burst_from_one_account_is_counted_one_by_one(journal: Journal) -> None:
    """100 codes at once (one getUpdates batch) from a fresh account: exactly MAX_WRONG_CODES
    are looked up, as if sent one after another; a minute later, of 20 more at once, one."""
    j = journal
    answers = await j.burst([(7, guess(n)) for n in range(100)])
    assert looked_up(answers) == MAX_WRONG_CODES == await j.wrong_code_rows()
    j.clock.advance(SLOW_LOOKUP)
    answers = await j.burst([(7, guess(1000 + n)) for n in range(20)])
    assert looked_up(answers) == 1
    assert await j.wrong_code_rows() == MAX_WRONG_CODES + 1


async def test_a_burst_from_many_accounts_keeps_the_journal_wide_limit(journal: Journal) -> None:
    """Near the journal's limit, 20 accounts (10 with a wrong code already, 10 fresh) send 5 wrong
    codes each at once: the limit is exceeded by no more than the fresh accounts' first lookups,
    and no account is looked up more than its own allowance."""
    j = journal
    seasoned, fresh, each = 10, 10, 5
    before = JOURNAL_WRONG_CODES - 5
    for n in range(before - seasoned):  # others' wrong codes, one per account
        assert isinstance(await j.redeem(5000 + n, guess(n)), CodeRefused)
    for account in range(seasoned):
        assert isinstance(await j.redeem(1000 + account, guess(500 + account)), CodeRefused)
    assert await j.wrong_code_rows() == before
    codes = [
        (1000 + account, guess(1000 + account * each + n))
        for n in range(each)
        for account in range(seasoned + fresh)
    ]
    answers = await j.burst(codes)
    assert looked_up(answers) <= JOURNAL_WRONG_CODES - before + fresh
    assert await j.wrong_code_rows() <= JOURNAL_WRONG_CODES + fresh
    for account in range(seasoned + fresh):
        mine = [a for (u, _), a in zip(codes, answers, strict=True) if u == 1000 + account]
        assert looked_up(mine) <= MAX_WRONG_CODES - (1 if account < seasoned else 0)


async def test_a_strangers_taps_at_once_make_one_account(journal: Journal) -> None:
    """A stranger taps «English» twice and sends their code while the taps are handled: one
    account, in English, linked; no tap fails on an account another one has just made."""
    j = journal
    code = await j.code()
    taps = [set_language(j.make_uow(), user(77), "en", j.clock) for _ in range(6)]
    answers = await asyncio.gather(*taps, j.redeem(77, code), return_exceptions=True)
    assert answers[:-1] == [None] * len(taps), answers
    joined = answers[-1]
    assert not isinstance(joined, BaseException), joined
    async with j.make_uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(m.AccountRow)) == 1
        account = await uow.accounts.by_user("telegram", "77")
    assert account is not None and account.language == "en"
    # the last answer is an Actor
    assert joined.account.id == account.id  # type: ignore[attr-defined]
