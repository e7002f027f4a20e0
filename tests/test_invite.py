"""`journal invite`: single-use deep links for staff, guardians and pupils, and a class's cards.

The command runs as a real process against the test database of each backend; redeeming the
printed codes happens in-process against the same database, as the bot would do it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cli import bot_username
from app.config import Settings
from domain.clock import SystemClock
from domain.errors import JournalError
from domain.people import INVITATION_DAYS, hash_code
from domain.usecases.accounts import CodeRefused, MessengerUser, redeem_invitation
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from fakegram import FakeTelegram
from reports.invitations import InvitationCard, render_invitation_cards
from storage.uow import SqlUnitOfWork
from tests.school_data import SMALL_SCHOOL, raw_tables

ROOT = Path(__file__).parents[1]
BOT = "journal_test_bot"
LINK = re.compile(r"https://t\.me/journal_test_bot\?start=([A-Za-z0-9_-]{22})")
TOKEN = "123456:FAKE-token-for-invite-tests"
MSK = ZoneInfo("Europe/Moscow")


def _school_data(today: dt.date) -> dict[str, str]:
    """SMALL_SCHOOL with ages relative to today, a guardian of two pupils of 5А, and a leaver."""
    young = dt.date(today.year - 10, 1, 1).isoformat()  # 9 or 10 years old
    old = dt.date(today.year - 15, 1, 1).isoformat()  # 14 or 15
    return {
        **SMALL_SCHOOL,
        "students": (
            "id,class,last_name,first_name,middle_name,birth_date,enrolled_on,left_on,"
            "home_schooled\n"
            f"S1,5А,Алексеев,Артём,Игоревич,{young},2022-09-01,,0\n"
            f"S2,5А,Борисова,Белла,,{young},,,\n"
            "S3,5А,Волков,Вадим,,,,,1\n"
            f"S4,6Б,Громова,Галина,,{old},,,\n"
            f"S6,5А,Ежов,Егор,,{young},2020-09-01,2021-05-31,\n"
        ),
        "guardians": (
            "id,student_id,last_name,first_name,middle_name,relation,phone\n"
            "G1,S1,Алексеева,Ольга,,мать,+79001112233\n"
            "G1,S2,Алексеева,Ольга,,опекун,+79001112233\n"
            "G1,S4,Алексеева,Ольга,,мать,+79001112233\n"
            "G2,S2,Борисов,Павел,,отец,\n"
            "G4,S6,Ежова,Елена,,мать,\n"
        ),
    }


@dataclass
class School:
    url: str
    make_uow: Callable[[], SqlUnitOfWork]
    today: dt.date


@pytest.fixture
async def school(engine: AsyncEngine, make_uow: Callable[[], SqlUnitOfWork]) -> School:
    today = dt.datetime.now(MSK).date()
    created = await create_school(make_uow(), "Школа №1", "Europe/Moscow")
    await import_school(make_uow(), created, raw_tables(_school_data(today)), today)
    return School(
        url=engine.url.render_as_string(hide_password=False), make_uow=make_uow, today=today
    )


def journal(url: str, *args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "JOURNAL_DATABASE_URL": url,
        "JOURNAL_LANGUAGE": "en",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    for name in (
        "JOURNAL_DEBUG",
        "JOURNAL_BOT_USERNAME",
        "JOURNAL_BOT_TOKEN",
        "JOURNAL_MAX_USERNAME",
        "JOURNAL_MAX_TOKEN",
    ):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        cwd=cwd,
        stdin=subprocess.DEVNULL,  # not a terminal: nothing is asked
    )


def user(user_id: int) -> MessengerUser:
    return MessengerUser(
        messenger="telegram",
        user_id=str(user_id),
        chat_id=str(user_id),
        language="ru",
        display_name=f"user {user_id}",
    )


def expiry(today: dt.date) -> str:
    return (today + dt.timedelta(days=INVITATION_DAYS)).strftime("%d.%m.%Y")


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


async def test_staff_links_work_once_each(school: School) -> None:
    result = journal(school.url, "invite", "--staff", "T1, T2", JOURNAL_BOT_USERNAME=BOT)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if LINK.search(line)]
    assert len(lines) == 2
    assert lines[0].startswith("Иванова Анна Петровна (staff member): https://t.me/")
    assert lines[1].startswith("Петров Борис Ильич (staff member): ")
    assert all(line.endswith(f"valid until {expiry(school.today)}") for line in lines)
    codes = LINK.findall(result.stdout)
    assert codes[0] != codes[1]

    async with school.make_uow() as uow:  # only the hash is kept
        assert await uow.accounts.invitation_by_hash(codes[0]) is None
        assert await uow.accounts.invitation_by_hash(hash_code(codes[0])) is not None

    clock = SystemClock()
    for n, (code, external_id) in enumerate(zip(codes, ("T1", "T2"), strict=True)):
        actor = await redeem_invitation(school.make_uow(), user(100 + n), code, clock)
        assert actor.staff is not None and actor.staff.external_id == external_id
        with pytest.raises(CodeRefused):
            await redeem_invitation(school.make_uow(), user(200 + n), code, clock)


def test_guardians_and_pupils(school: School) -> None:
    guardian = journal(school.url, "invite", "--guardian", "G2", "--bot-username", f"@{BOT}")
    assert guardian.returncode == 0, guardian.stderr
    assert "Борисов Павел (guardian of Борисова Белла): https://t.me/journal_test_bot" in (
        guardian.stdout
    )

    old = journal(school.url, "invite", "--student", "S4", "--days", "3", JOURNAL_BOT_USERNAME=BOT)
    assert old.returncode == 0, old.stderr
    assert "Громова Галина (pupil): " in old.stdout
    three_days = (school.today + dt.timedelta(days=3)).strftime("%d.%m.%Y")
    assert f"valid until {three_days}" in old.stdout

    russian = journal(
        school.url, "--lang", "ru", "invite", "--student", "S4", JOURNAL_BOT_USERNAME=BOT
    )
    assert "Громова Галина (ученик): https://t.me/" in russian.stdout
    assert f"действует до {expiry(school.today)}" in russian.stdout


def test_refusals_are_sentences(school: School) -> None:
    young = journal(school.url, "invite", "--student", "S1", JOURNAL_BOT_USERNAME=BOT)
    assert young.returncode == 1
    assert "pupils are invited from 14 years; Алексеев Артём Игоревич" in young.stderr
    no_birth_date = journal(school.url, "invite", "--student", "S4,S3", JOURNAL_BOT_USERNAME=BOT)
    assert no_birth_date.returncode == 1 and "Волков Вадим" in no_birth_date.stderr
    assert not LINK.search(no_birth_date.stdout)  # all or nothing

    unknown = journal(school.url, "invite", "--staff", "T1,T404,X", JOURNAL_BOT_USERNAME=BOT)
    assert unknown.returncode == 1
    assert "nobody with the id T404, X in this school" in unknown.stderr
    not_a_guardian = journal(school.url, "invite", "--guardian", "T1", JOURNAL_BOT_USERNAME=BOT)
    assert not_a_guardian.returncode == 1 and "nobody with the id T1" in not_a_guardian.stderr
    no_class = journal(school.url, "invite", "--class", "9Я", JOURNAL_BOT_USERNAME=BOT)
    assert no_class.returncode == 1
    assert "there is no class 9Я; the classes are: 5А, 6Б" in no_class.stderr
    too_long = journal(school.url, "invite", "--staff", "T1", "--days", "91", "--bot-username", BOT)
    assert too_long.returncode == 1 and "from 1 to 90 days" in too_long.stderr
    bad_name = journal(school.url, "invite", "--staff", "T1", "--bot-username", "no such bot")
    assert bad_name.returncode == 1 and "is not a Telegram bot username" in bad_name.stderr
    russian = journal(
        school.url, "--lang", "ru", "invite", "--student", "S1", JOURNAL_BOT_USERNAME=BOT
    )
    assert "Ошибка: учеников приглашают с 14 лет; Алексеев Артём Игоревич" in russian.stderr
    for refusal in (young, no_birth_date, unknown, not_a_guardian, no_class, too_long, bad_name):
        assert "Traceback" not in refusal.stderr
        assert not LINK.search(refusal.stdout)


def test_class_gets_a_card_per_guardian(school: School, tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    result = journal(
        school.url, "invite", "--class", "5а", "--out", str(out), JOURNAL_BOT_USERNAME=BOT
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if LINK.search(line)]
    # G1 has two children in 5А and gets one invitation; G4's child has left the class.
    assert [line.split(" (")[0] for line in lines] == ["Алексеева Ольга", "Борисов Павел"]
    assert "(guardian of Алексеев Артём Игоревич, Борисова Белла, Громова Галина)" in lines[0]
    assert f"Cards for 2 guardians are in {out}" in result.stdout
    codes = set(LINK.findall(result.stdout))

    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    # each card links its QR code and its printed link to the guardian's deep link
    linked = re.findall(rb"/URI \(https://t\.me/journal_test_bot\?start=([A-Za-z0-9_-]+)\)", pdf)
    assert {code.decode() for code in linked} == codes and len(linked) == 2 * len(codes)

    if shutil.which("pdftotext"):  # a closer look where poppler is installed
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(text.split())  # lines wrap where the card is narrow
        for expected in ("Школа №1", "Класс 5А", "Алексеева Ольга", "Борисов Павел", *codes):
            assert expected in text
        assert "Дети: Алексеев Артём Игоревич, Борисова Белла" in text
        assert "Ребёнок: Борисова Белла" in text
        assert "Громова" not in text and "Ежова" not in text  # 6Б, and a pupil who left
        assert f"Действует до {expiry(school.today)}" in text

    # A second set of codes is not issued beside cards that may have been handed out ...
    asked = journal(school.url, "invite", "--class", "5А", cwd=tmp_path, JOURNAL_BOT_USERNAME=BOT)
    assert asked.returncode == 1
    assert "2 guardians of class 5А have links that still work" in asked.stderr
    assert "add --again" in asked.stderr
    assert not LINK.search(asked.stdout) and not (tmp_path / "invitations-5А.pdf").exists()

    missing_folder = journal(
        school.url,
        "invite",
        "--class",
        "5А",
        "--out",
        str(tmp_path / "no" / "x.pdf"),
        JOURNAL_BOT_USERNAME=BOT,
    )
    assert missing_folder.returncode == 1 and "does not exist" in missing_folder.stderr
    assert not LINK.search(missing_folder.stdout)  # refused before any code was issued


def test_bot_username_is_required(school: School) -> None:
    missing = journal(school.url, "invite", "--staff", "T1")
    assert missing.returncode == 1
    assert "--bot-username" in missing.stderr and "Traceback" not in missing.stderr

    unreachable = journal(
        school.url,
        "invite",
        "--staff",
        "T1",
        JOURNAL_BOT_TOKEN=TOKEN,
        JOURNAL_TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    assert unreachable.returncode == 1
    assert "could not ask Telegram for the bot's username" in unreachable.stderr
    assert "--bot-username" in unreachable.stderr
    assert TOKEN not in unreachable.stderr and "Traceback" not in unreachable.stderr


async def test_bot_username_from_get_me() -> None:
    async with FakeTelegram() as server:
        server.add_bot(TOKEN, username=BOT)
        settings = Settings(
            _env_file=None, bot_username="", bot_token=TOKEN, telegram_api_url=server.api_url
        )
        assert await bot_username(settings, None) == BOT
        assert await bot_username(settings, "@other_test_bot") == "other_test_bot"

        wrong = Settings(
            _env_file=None,
            bot_username="",
            bot_token="654321:wrong",
            telegram_api_url=server.api_url,
        )
        with pytest.raises(JournalError) as refused:
            await bot_username(wrong, None)
        assert "--bot-username" in refused.value.message
        assert "Unauthorized" in refused.value.params["reason"]
        assert "654321:wrong" not in str(refused.value)

    configured = Settings(_env_file=None, bot_username="@journal_test_bot", bot_token="")
    assert await bot_username(configured, None) == BOT


def test_renderer_puts_six_cards_on_a_page() -> None:
    cards = [
        InvitationCard(
            school="Школа №1",
            class_name="5А",
            guardian=f"Представитель {n}",
            children=("Ученик Первый", "Ученица Вторая")[: 1 + n % 2],
            link=f"https://t.me/{BOT}?start=code{n:018d}",
            code=f"code{n:018d}",
            expires=dt.date(2026, 12, 13),
        )
        for n in range(7)
    ]
    pdf = render_invitation_cards(cards, invariant=True)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 2
    assert pdf.count(b"/URI (https://t.me/journal_test_bot?start=code") == 2 * len(cards)
    assert b"DejaVuSans" in pdf  # the embedded font that has Cyrillic
    assert render_invitation_cards(cards, invariant=True) == pdf


async def test_a_class_invited_again(school: School, tmp_path: Path) -> None:
    """Connected guardians get no new card; new codes for the others only with --again (or a
    yes at a terminal), and the links they had stop working."""
    first = journal(school.url, "invite", "--class", "5А", cwd=tmp_path, JOURNAL_BOT_USERNAME=BOT)
    assert first.returncode == 0, first.stderr
    by_name = {
        line.split(" (")[0]: LINK.findall(line)[0]
        for line in first.stdout.splitlines()
        if LINK.search(line)
    }
    clock = SystemClock()
    await redeem_invitation(school.make_uow(), user(301), by_name["Алексеева Ольга"], clock)

    refused = journal(school.url, "invite", "--class", "5А", cwd=tmp_path, JOURNAL_BOT_USERNAME=BOT)
    assert refused.returncode == 1, refused.stdout
    assert "1 guardian of class 5А has a link that still works" in refused.stderr
    assert "Traceback" not in refused.stderr
    # the refused run issued nothing: Борисов's first link still works
    async with school.make_uow() as uow:
        kept = await uow.accounts.invitation_by_hash(hash_code(by_name["Борисов Павел"]))
        assert kept is not None and kept.usable(clock.now())

    again = journal(
        school.url, "invite", "--class", "5А", "--again", cwd=tmp_path, JOURNAL_BOT_USERNAME=BOT
    )
    assert again.returncode == 0, again.stderr
    assert "Connected already, no new card: Алексеева Ольга" in again.stdout
    lines = [line for line in again.stdout.splitlines() if LINK.search(line)]
    assert [line.split(" (")[0] for line in lines] == ["Борисов Павел"]
    assert "The card for 1 guardian is in" in again.stdout
    with pytest.raises(CodeRefused):  # the earlier card's link no longer works
        await redeem_invitation(school.make_uow(), user(302), by_name["Борисов Павел"], clock)
    actor = await redeem_invitation(school.make_uow(), user(302), LINK.findall(lines[0])[0], clock)
    assert actor.guardian is not None and actor.guardian.full_name == "Борисов Павел"

    done = journal(school.url, "invite", "--class", "5А", cwd=tmp_path, JOURNAL_BOT_USERNAME=BOT)
    assert done.returncode == 0, done.stderr
    assert "Every guardian of class 5А is connected; there is nothing to issue." in done.stdout
    assert not LINK.search(done.stdout)

    russian = journal(
        school.url, "--lang", "ru", "invite", "--class", "5Z", JOURNAL_BOT_USERNAME=BOT
    )
    assert russian.returncode == 1
    assert "нет класса 5Z; классы школы: 5А, 6Б" in russian.stderr
