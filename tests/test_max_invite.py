"""Invitations on MAX: `journal invite --messenger max|both` prints MAX's deep links
(`https://max.ru/<bot>?start=<code>`) and puts them on the class's cards; the MAX bot's username
is asked of MAX when not given; one person links a Telegram and a MAX account (one invitation
each, one person in the journal)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.cli import max_username
from app.config import Settings
from domain.clock import SystemClock
from domain.errors import JournalError
from domain.people import PersonKind
from domain.usecases.accounts import (
    MessengerUser,
    issue_invitations,
    redeem_invitation,
    resolve_actor,
)
from fakemax import FakeMax
from tests.test_invite import BOT, LINK, School, journal
from tests.test_invite import school as invite_school

MAX_BOT = "journal_max_bot"
MAX_LINK = re.compile(r"https://max\.ru/journal_max_bot\?start=([A-Za-z0-9_-]{22})")
MAX_TOKEN = "max-invite-test-token"

school = pytest.fixture(invite_school.__wrapped__)  # the school of tests/test_invite.py


def on(messenger: str, user_id: int) -> MessengerUser:
    return MessengerUser(
        messenger=messenger, user_id=str(user_id), chat_id=str(user_id), language="ru"
    )


async def test_staff_links_on_max_are_redeemed_on_max(school: School) -> None:
    result = journal(
        school.url, "invite", "--staff", "T1", "--messenger", "max", JOURNAL_MAX_USERNAME=MAX_BOT
    )
    assert result.returncode == 0, result.stderr
    [code] = MAX_LINK.findall(result.stdout)
    assert not LINK.search(result.stdout)  # no Telegram link asked for
    actor = await redeem_invitation(school.make_uow(), on("max", 4001), code, SystemClock())
    assert actor.is_teacher

    refused = journal(school.url, "invite", "--staff", "T1", "--messenger", "max")
    assert refused.returncode == 1 and "--max-username" in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_a_person_links_a_telegram_and_a_max_account(school: School) -> None:
    """Each invitation works once; the person's second one, redeemed on the other messenger,
    adds an account to the same person."""
    school_id = await _school_id(school)
    async with school.make_uow() as uow:
        staff = {s.external_id: s.id for s in (await uow.directory.snapshot(school_id)).staff}
    clock = SystemClock()
    for messenger, user_id in (("telegram", 4101), ("max", 4102)):
        [issued] = await issue_invitations(
            school.make_uow(), school_id, PersonKind.STAFF, [staff["T1"]], clock
        )
        await redeem_invitation(school.make_uow(), on(messenger, user_id), issued.code, clock)
    telegram = await resolve_actor(school.make_uow(), on("telegram", 4101))
    on_max = await resolve_actor(school.make_uow(), on("max", 4102))
    assert telegram.staff is not None and on_max.staff is not None
    assert telegram.staff.id == on_max.staff.id == staff["T1"]
    assert telegram.account.id != on_max.account.id
    assert {telegram.account.messenger, on_max.account.messenger} == {"telegram", "max"}


def test_both_messengers_on_the_cards(school: School, tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    result = journal(
        school.url,
        "invite",
        "--class",
        "5А",
        "--out",
        str(out),
        JOURNAL_BOT_USERNAME=BOT,
        JOURNAL_MAX_USERNAME=MAX_BOT,  # both bots configured: both links by default
    )
    assert result.returncode == 0, result.stderr
    max_codes, telegram_codes = MAX_LINK.findall(result.stdout), LINK.findall(result.stdout)
    assert len(max_codes) == 2 and max_codes == telegram_codes  # one code, in both links
    pdf = out.read_bytes()
    on_max = re.findall(rb"/URI \(https://max\.ru/journal_max_bot\?start=([A-Za-z0-9_-]+)\)", pdf)
    on_tg = re.findall(rb"/URI \(https://t\.me/journal_test_bot\?start=([A-Za-z0-9_-]+)\)", pdf)
    assert len(on_max) == 2 * len(max_codes)  # the QR code and the printed link: MAX's
    assert len(on_tg) == len(max_codes)  # Telegram's printed under it
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(text.split())
        assert "нажмите «Начать» в MAX" in text and "Telegram: https://t.me/" in text


async def test_the_max_username_is_asked_of_max() -> None:
    async with FakeMax() as server:
        server.add_bot(MAX_TOKEN, username=MAX_BOT)
        settings = Settings(_env_file=None, max_token=MAX_TOKEN, max_api_url=server.api_url)
        assert await max_username(settings, None) == MAX_BOT
        assert await max_username(settings, "@other_max_bot") == "other_max_bot"
        wrong = Settings(_env_file=None, max_token="wrong-token", max_api_url=server.api_url)
        with pytest.raises(JournalError) as refused:
            await max_username(wrong, None)
        assert "--max-username" in refused.value.message
        assert "wrong-token" not in str(refused.value.params)


async def _school_id(school: School) -> int:
    async with school.make_uow() as uow:
        [found] = await uow.schools.all()
    assert found.id is not None
    return found.id
