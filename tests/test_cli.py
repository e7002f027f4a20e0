"""The `journal` command as a secretary uses it: real processes, both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from app.cli import EXIT_REFUSED, main
from storage.migrate import head
from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.school_data import SMALL_SCHOOL


@pytest_asyncio.fixture
async def database_url(backend: str, pg_database: str | None, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: the commands must set it up themselves."""
    if backend == "postgresql":
        if pg_database is None:
            pytest.skip("PostgreSQL is not running")
        name = await create_pg_database("journal_cli")
        yield pg_url(name)
        await drop_pg_database(name)
    else:
        yield f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def journal(url: str, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOURNAL_DATABASE_URL": url, "JOURNAL_LANGUAGE": lang}
    env.pop("JOURNAL_DEBUG", None)
    env.pop("JOURNAL_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).parents[1],
    )


def write_school(folder: Path, data: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, text in (data or SMALL_SCHOOL).items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    return folder


def test_secretary_sets_up_a_school(database_url: str, tmp_path: Path) -> None:
    lists = write_school(tmp_path / "lists")
    refused = journal(database_url, "school", "show")
    assert refused.returncode == 1 and "journal db upgrade" in refused.stderr

    assert journal(database_url, "db", "upgrade").returncode == 0
    created = journal(
        database_url, "school", "create", "--name", "Школа №1", "--timezone", "Europe/Moscow"
    )
    assert created.returncode == 0, created.stderr
    first = journal(database_url, "import", str(lists))
    assert first.returncode == 0, first.stderr
    assert "pupils: 5 added, 0 updated, 0 unchanged" in first.stdout
    assert "timetable: 5 added" in first.stdout
    second = journal(database_url, "import", str(lists))
    assert "pupils: 0 added, 0 updated, 5 unchanged" in second.stdout

    shown = journal(database_url, "school", "show")
    assert shown.returncode == 0, shown.stderr
    assert "Classes: 2" in shown.stdout
    assert "Guardians: 3" in shown.stdout
    assert "Staff: 4, of them teachers: 3" in shown.stdout

    russian = journal(database_url, "school", "show", lang="ru")
    assert "Классов: 2" in russian.stdout


def test_bad_input_is_a_sentence_not_a_traceback(database_url: str, tmp_path: Path) -> None:
    assert journal(database_url, "db", "upgrade").returncode == 0
    bad_zone = journal(database_url, "school", "create", "--name", "X", "--timezone", "Mars/Base")
    assert bad_zone.returncode == 1
    assert "unknown time zone Mars/Base" in bad_zone.stderr
    no_school = journal(database_url, "import", str(tmp_path))
    assert no_school.returncode == 1 and "journal school create" in no_school.stderr

    journal(database_url, "school", "create", "--name", "A", "--timezone", "Asia/Yekaterinburg")
    broken = write_school(
        tmp_path / "broken",
        {
            **SMALL_SCHOOL,
            "guardians": "id,student_id,last_name,first_name\nG1,S404,Ли,Иван\n",
        },
    )
    result = journal(database_url, "import", str(broken))
    assert result.returncode == 1
    assert "Nothing was imported: 1 problem(s)." in result.stderr
    assert "guardians.csv, row 2, column student_id: there is no pupil with the id S404" in (
        result.stderr
    )
    ru = journal(database_url, "import", str(broken), lang="ru")
    assert "guardians.csv, строка 2, столбец student_id: нет ученика с кодом S404" in ru.stderr
    shown = journal(database_url, "school", "show")
    assert "Classes: 0" in shown.stdout  # nothing of the broken import stayed

    journal(database_url, "school", "create", "--name", "B", "--timezone", "Europe/Moscow")
    ambiguous = journal(database_url, "school", "show")
    assert ambiguous.returncode == 1 and "A, B" in ambiguous.stderr
    assert journal(database_url, "school", "show", "--school", "B").returncode == 0
    for refusal in (bad_zone, no_school, result, ru, ambiguous):
        assert "Traceback" not in refusal.stderr


def test_unreachable_database_is_reported() -> None:
    result = journal("postgresql://postgres@127.0.0.1:1/nothing", "db", "upgrade")
    assert result.returncode == 3
    assert "the database cannot be used" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_contacts_and_bot_without_token(database_url: str) -> None:
    assert journal(database_url, "db", "upgrade").returncode == 0
    journal(database_url, "school", "create", "--name", "A", "--timezone", "Europe/Moscow")
    updated = journal(database_url, "school", "update", "--help-contacts", "Секретарь, каб. 101")
    assert updated.returncode == 0, updated.stderr
    env_free = journal(database_url, "bot", "run")
    assert env_free.returncode == 1
    assert "JOURNAL_BOT_TOKEN" in env_free.stderr and "Traceback" not in env_free.stderr


def test_school_schedule_settings(database_url: str) -> None:
    assert journal(database_url, "db", "upgrade").returncode == 0
    journal(database_url, "school", "create", "--name", "A", "--timezone", "Europe/Moscow")
    done = journal(
        database_url,
        "school",
        "update",
        "--private-notifications",
        "on",
        "--digest-weekday",
        "4",
        "--evening-reminder",
        "18:30",
    )
    assert done.returncode == 0, done.stderr
    bad = journal(database_url, "school", "update", "--evening-reminder", "25:99")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    outbox = journal(database_url, "outbox")
    assert outbox.returncode == 0 and "0 pending" in outbox.stdout


def test_the_process_sets_its_garbage_collector_once_wired() -> None:
    """`journal bot run` freezes what it loaded and collects young objects less often (in a
    process of its own here: the setting is the whole process's)."""
    code = (
        "import gc\n"
        "from app.process import GC_THRESHOLDS, tune_garbage_collector\n"
        "assert gc.get_threshold() != GC_THRESHOLDS\n"
        "tune_garbage_collector()\n"
        "print(gc.get_threshold() == GC_THRESHOLDS, gc.get_freeze_count() > 1000)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]


# --------------------------------------------------------------------------- hostile input
# In-process: app.cli.main() as the console script calls it, its output read with capsys.


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    for name in ("JOURNAL_DEBUG", "JOURNAL_BOT_TOKEN", "JOURNAL_BOT_USERNAME", "JOURNAL_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)

    def run(url: str, *args: str, lang: str | None = "en") -> tuple[int, str, str]:
        monkeypatch.setenv("JOURNAL_DATABASE_URL", url)
        if lang is None:
            monkeypatch.delenv("JOURNAL_LANGUAGE", raising=False)
        else:
            monkeypatch.setenv("JOURNAL_LANGUAGE", lang)
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def school_url(database_url: str, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> str:
    """A database at head with one school and SMALL_SCHOOL's lists."""
    assert cli(database_url, "db", "upgrade")[0] == 0
    created = cli(database_url, "school", "create", "--name", "A", "--timezone", "Europe/Moscow")
    assert created[0] == 0
    assert cli(database_url, "import", str(write_school(tmp_path / "lists")))[0] == 0
    return database_url


def test_the_reported_refusals_are_sentences(
    school_url: str, cli: Callable[..., tuple[int, str, str]]
) -> None:
    """Issue 15 item 13: each of these was a traceback's summary or exit 0."""
    bot = ("--bot-username", "journal_test_bot")
    code, out, err = cli(school_url, "invite", "--staff", "", *bot)  # was AttributeError
    assert (code, out) == (EXIT_REFUSED, "")
    assert "Error: --staff: give at least one id, e.g. T1 or T1,T2" in err
    code, _, err = cli(school_url, "db", "upgrade", "nosuchrevision")  # was CommandError
    assert code == EXIT_REFUSED
    assert "there is no revision nosuchrevision; the revisions are 0001, 0002," in err
    code, out, err = cli(school_url, "school", "show", "--school", "")  # showed school A
    assert (code, out) == (EXIT_REFUSED, "") and "Error: --school: may not be empty" in err
    code, out, err = cli(school_url, "outbox", "--limit", "-1")  # exit 0
    assert (code, out) == (EXIT_REFUSED, "")
    assert "--limit: -1 is not a whole number from 1 to 1000" in err
    # An unknown --lang (it spoke Russian and went on): in Russian when nothing else is chosen,
    # in the language of JOURNAL_LANGUAGE when that is set.
    code, out, err = cli(school_url, "--lang", "xx", "school", "show", lang=None)
    assert (code, out) == (EXIT_REFUSED, "")
    assert "Ошибка: --lang: неизвестный язык xx; журнал поддерживает языки: ru, en" in err
    code, _, err = cli(school_url, "--lang=xx", "outbox")
    assert code == EXIT_REFUSED and "unknown language xx; the journal speaks: ru, en" in err
    code, _, err = cli(school_url, "--lang", "ru", "outbox", "--limit", "-1")
    assert code == EXIT_REFUSED and "--limit: -1 — не целое число от 1 до 1000" in err
    code, out, _ = cli(school_url, "--lang", "en-GB", "outbox")
    assert code == 0 and "0 pending" in out


HOSTILE: list[tuple[tuple[str, ...], str]] = [
    ((), "say what to do: db, school, bot, demo, outbox, import, invite"),
    (("nosuch",), "there is no command 'nosuch'; the commands are: db, school"),
    (("school",), "say what to do: create, show, update"),
    (("--lang",), "--lang needs a value"),
    (("--lang", "  ", "outbox"), "--lang: may not be empty"),
    (("db", "upgrade", ""), "revision: may not be empty"),
    (("db", "upgrade", "0003"), f"the database is at revision {head()}, past 0003; to go back run"),
    (("db", "upgrade", "+1"), "the database cannot be taken to revision +1: Relative revision"),
    (("db", "downgrade"), "these are required: revision"),
    (("db", "downgrade", "nosuch"), "there is no revision nosuch"),
    (("db", "downgrade", "9999"), "there is no revision 9999"),
    (("school", "create", "--name", "   ", "--timezone", "UTC"), "--name: may not be empty"),
    (("school", "create", "--name", "B"), "these are required: --timezone"),
    (("school", "create", "--name", "B", "--timezone", ""), "--timezone: may not be empty"),
    (("school", "create", "--name", "B", "--timezone", "Mars/Base"), "unknown time zone"),
    (("school", "create", "--name", "B", "--timezone", "../../etc/passwd"), "unknown time zone"),
    (("school", "show", "--school", "   "), "--school: may not be empty"),
    (("school", "show", "--school", "Nowhere"), "there is no school Nowhere"),
    (("school", "update"), "nothing to change: give what to change"),
    (("school", "update", "--school", "", "--name", "X"), "--school: may not be empty"),
    (("school", "update", "--name", " "), "--name: may not be empty"),
    (("school", "update", "--timezone", "Mars/Base"), "unknown time zone Mars/Base"),
    (("school", "update", "--evening-reminder", "25:99"), "25:99 is not a time: write HH:MM"),
    (("school", "update", "--evening-reminder", "18"), "18 is not a time: write HH:MM"),
    (("school", "update", "--digest-time", "١٨:٣٠"), "is not a time: write HH:MM"),
    (("school", "update", "--digest-time", ""), "--digest-time: may not be empty"),
    (("school", "update", "--digest-weekday", "9"), "9 is not a whole number from 1 to 7"),
    (("school", "update", "--digest-weekday", "x"), "x is not a whole number from 1 to 7"),
    (("school", "update", "--digest-weeks", "0"), "0 is not a whole number from 1 to 4"),
    (("school", "update", "--six-day-week", "yes"), "--six-day-week: 'yes' is not one of"),
    (("bot", "run", "--only", "all"), "--only: 'all' is not one of 'bot', 'clock', 'sender'"),
    (("demo", "--port", "-1"), "-1 is not a whole number from 0 to 65535"),
    (("demo", "--port", str(10**30)), "is not a whole number from 0 to 65535"),
    (("demo", "--dir", ""), "--dir: may not be empty"),
    (("outbox", "--limit", "0"), "0 is not a whole number from 1 to 1000"),
    (("outbox", "--limit", str(10**30)), "is not a whole number from 1 to 1000"),
    (("outbox", "--limit", "1_0"), "1_0 is not a whole number"),
    (("outbox", "--verbose"), "not understood: --verbose"),
    (("import", "x", "--school", " "), "--school: may not be empty"),
    (("invite",), "give one of --staff --guardian --student --class"),
    (("invite", "--staff", "T1", "--guardian", "G1"), "--guardian cannot be given with --staff"),
    (("invite", "--staff", "T1,,T1"), "an id is missing between the commas in T1,,T1"),
    (("invite", "--staff", "T1, T1"), "the id T1 is given twice"),
    (("invite", "--staff", "T1,"), "an id is missing between the commas"),
    (("invite", "--staff", " , "), "give at least one id"),
    (("invite", "--staff", "T 1"), "nobody with the id T 1 in this school"),
    (("invite", "--guardian", "T1"), "nobody with the id T1 in this school"),
    (("invite", "--class", ""), "--class: may not be empty"),
    (("invite", "--class", "9Я"), "there is no class 9Я"),
    (("invite", "--staff", "T1", "--days", "0"), "an invitation lasts from 1 to 90 days"),
    (("invite", "--staff", "T1", "--days", str(10**30)), "an invitation lasts from 1 to 90 days"),
    (("invite", "--staff", "T1", "--days", "1.5"), "an invitation lasts from 1 to 90 days"),
    (("invite", "--staff", "T1", "--out", "x.pdf"), "--out is for the cards of a class"),
    (("invite", "--class", "5А", "--out", ""), "--out: may not be empty"),
    (("invite", "--class", "5А", "--out", "{tmp}"), "is a folder; give a file name with --out"),
    (("invite", "--class", "5А", "--out", "{tmp}/no/x.pdf"), "does not exist"),
    (("invite", "--class", "5А", "--out", "/proc/cards.pdf"), "could not write /proc/cards.pdf"),
    (("invite", "--staff", "T1", "--bot-username", ""), "--bot-username: may not be empty"),
    (("invite", "--staff", "T1", "--bot-username", "@"), "@ is not a Telegram bot username"),
]


def test_hostile_input_gets_a_sentence_and_a_refusal(
    school_url: str, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    """Every command and option of `journal` given what a hostile user would give: a clear
    message, EXIT_REFUSED, nothing on stdout (no code issued), never a traceback."""
    wrong = []
    for args, expected in HOSTILE:
        args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
        if args[:1] == ("invite",) and "--bot-username" not in args:
            args += ("--bot-username", "journal_test_bot")
        code, out, err = cli(school_url, *args)
        if code != EXIT_REFUSED or out or expected not in err or "Traceback" in err:
            wrong.append((args, code, out, err))
    assert wrong == []
    assert not list(tmp_path.glob("*.pdf"))
    shown = cli(school_url, "school", "show")
    assert shown[0] == 0 and "School: A (id" in shown[1]  # nothing was changed


def test_a_file_problem_is_not_blamed_on_the_database(
    school_url: str, cli: Callable[..., tuple[int, str, str]]
) -> None:
    """main() took any OSError for the database; a folder that cannot be made is the folder's."""
    code, out, err = cli(school_url, "demo", "--dir", "/proc/no/such/folder", "--port", "0")
    assert code == EXIT_REFUSED and out == ""
    assert "Error: /proc/no cannot be used: No such file or directory" in err
    assert "database" not in err


def test_configuration_refusals(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    code, _, err = cli("nonsense", "outbox")
    assert code == EXIT_REFUSED and "JOURNAL_DATABASE_URL cannot be used" in err
    code, _, err = cli("mysql://x/y", "outbox")
    assert code == EXIT_REFUSED and "JOURNAL_DATABASE_URL cannot be used" in err
    code, _, err = cli(f"sqlite:///{tmp_path}/j.sqlite3", "outbox", lang="xx")
    assert code == EXIT_REFUSED
    assert "Ошибка: JOURNAL_LANGUAGE = xx; журнал поддерживает языки: ru, en" in err


def test_the_outbox_counts_the_expired(
    school_url: str, cli: Callable[..., tuple[int, str, str]]
) -> None:
    """A summary whose day ended before it went is counted apart, not hidden among the rest."""
    import asyncio
    import datetime as dt

    from domain.delivery import OutboxMessage
    from domain.people import Account
    from storage.database import create_engine, session_factory
    from storage.uow import SqlUnitOfWork

    async def queue_expired() -> None:
        engine = create_engine(school_url)
        now = dt.datetime.now(dt.UTC)
        try:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                [school] = await uow.schools.all()
                account = await uow.accounts.add(
                    Account(
                        id=None,
                        messenger="telegram",
                        user_id="7",
                        chat_id="7",
                        language="en",
                        display_name="",
                        created_at=now,
                    )
                )
                assert school.id is not None and account.id is not None
                old = now - dt.timedelta(days=1)
                await uow.outbox.add(
                    [
                        OutboxMessage(
                            id=None, school_id=school.id, account_id=account.id, chat_id="7",
                            messenger="telegram", kind="deputy_summary", dedup_key="s",
                            text="Summary", not_before=old, created_at=old,
                            not_after=now - dt.timedelta(hours=1),
                        )
                    ]
                )  # fmt: skip
                await uow.outbox.expire(now)
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(queue_expired())
    code, out, _ = cli(school_url, "outbox")
    assert code == 0 and "Expired unsent (their day had ended): 1" in out, out
    code, out, _ = cli(school_url, "--lang", "ru", "outbox")
    assert "Устарели и не отправлены (их день уже закончился): 1" in out, out
