"""Test databases: every storage and use-case test runs on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (user postgres, trust auth); the tests create a
database of their own and drop it at the end. Under CI (CI=true) or JOURNAL_REQUIRE_POSTGRES=1 a
missing server fails the run instead of skipping its tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base
from storage.uow import SqlUnitOfWork
from tests.faults import private_cluster, private_redis

__all__ = ["private_cluster", "private_redis"]  # fixtures for outage tests

PG_HOST = os.environ.get("JOURNAL_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("JOURNAL_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("JOURNAL_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("JOURNAL_TEST_PG_DB", "test")
REQUIRE_PG = bool(os.environ.get("CI")) or os.environ.get("JOURNAL_REQUIRE_POSTGRES") == "1"

BACKENDS = ["sqlite", "postgresql"]


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB, timeout=5
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_pg_database(prefix: str = "journal_test") -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    return name


async def drop_pg_database(name: str) -> None:
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="session")
async def pg_database() -> AsyncIterator[str | None]:
    """A migrated PostgreSQL database for the session, or None when there is no server."""
    try:
        name = await create_pg_database()
    except (TimeoutError, OSError, ConnectionError) as err:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but not reachable: {err}")
        yield None
        return
    engine = create_engine(pg_url(name))
    await upgrade(engine)
    await engine.dispose()
    yield name
    await drop_pg_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


async def truncate_all(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest_asyncio.fixture
async def engine(
    backend: str, pg_database: str | None, sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database of the backend under test."""
    if backend == "postgresql":
        if pg_database is None:
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        eng = create_engine(pg_url(pg_database))
        await truncate_all(eng)
    else:
        path = tmp_path / "journal.sqlite3"
        shutil.copy(sqlite_template, path)
        eng = create_engine(f"sqlite+aiosqlite:///{path}")
    yield eng
    await eng.dispose()


@pytest.fixture
def make_uow(engine: AsyncEngine) -> Callable[[], SqlUnitOfWork]:
    sessions = session_factory(engine)
    return lambda: SqlUnitOfWork(sessions)
