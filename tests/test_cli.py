"""The `journal` command as a secretary uses it: real processes, both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

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
