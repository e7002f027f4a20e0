"""The outage tests' own servers stop and start as asked, and are not the shared ones."""

from __future__ import annotations

import asyncpg
import pytest
import redis.asyncio as redis

from tests.faults import PrivateCluster, PrivateRedis


async def _select_one(cluster: PrivateCluster) -> int:
    conn = await asyncpg.connect(
        host="127.0.0.1", port=cluster.port, user="postgres", database="test", timeout=5
    )
    try:
        return int(await conn.fetchval("select 1"))
    finally:
        await conn.close()


async def test_private_cluster_stops_and_starts(private_cluster: PrivateCluster) -> None:
    assert private_cluster.port != 5432
    assert await _select_one(private_cluster) == 1
    private_cluster.stop()
    assert not private_cluster.running()
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await _select_one(private_cluster)
    private_cluster.start()
    assert await _select_one(private_cluster) == 1


async def test_private_redis_stops_and_starts(private_redis: PrivateRedis) -> None:
    assert private_redis.port != 6379
    client = redis.Redis.from_url(private_redis.url())
    try:
        assert await client.ping()
        private_redis.stop()
        with pytest.raises(redis.ConnectionError):
            await client.ping()
        private_redis.start()
        assert await client.ping()
    finally:
        await client.aclose()
