"""Migrations run from empty to head and back on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from storage.migrate import current, downgrade, head, upgrade
from storage.models import Base
from tests.conftest import create_pg_database, drop_pg_database, pg_url


@pytest_asyncio.fixture
async def empty_engine(
    backend: str, pg_database: str | None, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if backend == "postgresql":
        if pg_database is None:
            pytest.skip("PostgreSQL is not running")
        name = await create_pg_database("journal_migr")
        engine = create_engine(pg_url(name))
        yield engine
        await engine.dispose()
        await drop_pg_database(name)
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}")
        yield engine
        await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_up_down_up(empty_engine: AsyncEngine) -> None:
    assert await current(empty_engine) is None
    await upgrade(empty_engine)
    assert await current(empty_engine) == head()
    assert {t.name for t in Base.metadata.sorted_tables} <= await _tables(empty_engine)
    await downgrade(empty_engine, "base")
    assert await current(empty_engine) is None
    assert await _tables(empty_engine) <= {"alembic_version"}
    await upgrade(empty_engine)
    assert await current(empty_engine) == head()


async def test_models_match_migrations(empty_engine: AsyncEngine) -> None:
    """A model changed without a migration fails here, before it fails in a school."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    await upgrade(empty_engine)
    async with empty_engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    assert diff == []
