"""The PostgreSQL server the benchmarks use, and its maintenance statements (one copy for all).

The benchmarks run as scripts (`python benchmarks/x.py`), so this folder is on sys.path and
they import it as `pg`.
"""

from __future__ import annotations

import os

PG_HOST = os.environ.get("JOURNAL_BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("JOURNAL_BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("JOURNAL_BENCH_PG_USER", "postgres")


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


async def admin(sql: str) -> None:
    """Run one statement on the server's maintenance database (`postgres`, else `test`)."""
    import asyncpg

    last: Exception | None = None
    for database in ("postgres", "test"):
        try:
            conn = await asyncpg.connect(
                host=PG_HOST, port=PG_PORT, user=PG_USER, database=database, timeout=5
            )
        except Exception as err:  # no such database: try the next one
            last = err
            continue
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
        return
    raise RuntimeError(f"cannot reach PostgreSQL at {PG_HOST}:{PG_PORT}: {last}")
