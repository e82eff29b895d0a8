"""Webhook de-duplication on SQL (SQLite and PostgreSQL) and Redis: claimed once, the kept reply given
to a retry of the same request, nothing to a re-cut request, a failed or abandoned claim taken over."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.dedup import Claim, DedupStore, Seen, SqlDedupStore, claim_or_wait, request_hash
from bot.redis_stores import RedisDedupStore
from db.sql import make_async_engine, migrate
from tests.conftest import REDIS_URL, fresh_pg_database, service_missing


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
async def pair(
    request: pytest.FixtureRequest, clock: Clock, tmp_path: Path
) -> AsyncIterator[tuple[DedupStore, DedupStore]]:
    """Two stores over the same storage, as two workers (or a worker before and after a restart)."""
    if request.param != "redis":
        async with database(request, tmp_path) as url:
            async for stores in _sql_pair(url, clock):
                yield stores
        return
    clients = aioredis.Redis.from_url(REDIS_URL), aioredis.Redis.from_url(REDIS_URL)
    try:
        await clients[0].ping()
    except (aioredis.ConnectionError, OSError) as exc:
        service_missing(f"Redis at {REDIS_URL}", exc)
    prefix = f"solibot-test-{uuid.uuid4().hex[:8]}:"
    yield (
        RedisDedupStore(clients[0], ttl_seconds=600, lease_seconds=30, prefix=prefix, clock=clock),
        RedisDedupStore(clients[1], ttl_seconds=600, lease_seconds=30, prefix=prefix, clock=clock),
    )
    keys = [k async for k in clients[0].scan_iter(match=prefix + "*")]
    if keys:
        await clients[0].delete(*keys)
    for client in clients:
        await client.aclose()


async def _sql_pair(url: str, clock: Clock) -> AsyncIterator[tuple[DedupStore, DedupStore]]:
    engines = make_async_engine(url), make_async_engine(url)
    yield (
        SqlDedupStore(engines[0], ttl_seconds=600, lease_seconds=30, clock=clock),
        SqlDedupStore(engines[1], ttl_seconds=600, lease_seconds=30, clock=clock),
    )
    for engine in engines:
        await engine.dispose()


@asynccontextmanager
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated SQLite file or a fresh PostgreSQL database, as request.param says."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'dedup.db'}"
        migrate(url)
        yield url
        return
    with fresh_pg_database(request.getfixturevalue("pg_server")) as url:
        yield url


SAME = request_hash([("Body", "douche"), ("From", "+33600000000")])


def test_request_hash_is_order_free_and_sees_a_re_cut() -> None:
    assert SAME == request_hash([("From", "+33600000000"), ("Body", "douche")])
    assert SAME != request_hash([("Body", "douch"), ("eFrom", "+33600000000")])  # the same signature


async def test_claimed_once_and_the_reply_replayed(pair: tuple[DedupStore, DedupStore]) -> None:
    a, b = pair
    assert await a.claim("sms:1", SAME) == Claim(Seen.NEW)
    assert await b.claim("sms:1", SAME) == Claim(Seen.BUSY), "the first is still answering"
    await a.keep("sms:1", "<Response><Message>1. Douches</Message></Response>")
    assert await b.claim("sms:1", SAME) == Claim(
        Seen.REPLAY, "<Response><Message>1. Douches</Message></Response>"
    )
    assert (await b.claim("sms:1", request_hash([("Body", "x")]))).seen is Seen.OTHER


async def test_a_failed_turn_releases_its_key(pair: tuple[DedupStore, DedupStore]) -> None:
    a, b = pair
    assert (await a.claim("sms:2", SAME)).seen is Seen.NEW
    await a.release("sms:2")
    assert (await b.claim("sms:2", SAME)).seen is Seen.NEW, "the retry is answered"


async def test_a_claim_whose_worker_died_is_taken_over(
    pair: tuple[DedupStore, DedupStore], clock: Clock
) -> None:
    a, b = pair
    assert (await a.claim("sms:3", SAME)).seen is Seen.NEW
    clock.now += 29
    assert (await b.claim("sms:3", SAME)).seen is Seen.BUSY
    clock.now += 2  # past the lease, no reply kept: the worker is gone
    assert (await b.claim("sms:3", SAME)).seen is Seen.NEW
    assert (await a.claim("sms:3", SAME)).seen is Seen.BUSY, "taken over once"


async def test_a_kept_reply_is_not_taken_over(pair: tuple[DedupStore, DedupStore], clock: Clock) -> None:
    a, b = pair
    assert (await a.claim("sms:4", SAME)).seen is Seen.NEW
    await a.keep("sms:4", "")
    clock.now += 300
    assert await b.claim("sms:4", SAME) == Claim(Seen.REPLAY, "")


async def test_a_retry_waits_for_the_reply_in_progress(pair: tuple[DedupStore, DedupStore]) -> None:
    import asyncio

    a, b = pair
    assert (await a.claim("sms:5", SAME)).seen is Seen.NEW

    async def answer() -> None:
        await asyncio.sleep(0.3)
        await a.keep("sms:5", "<Response/>")

    answering = asyncio.create_task(answer())
    assert await claim_or_wait(b, "sms:5", SAME, wait_seconds=5) == Claim(Seen.REPLAY, "<Response/>")
    await answering
    assert (await claim_or_wait(b, "sms:6", SAME, wait_seconds=0)).seen is Seen.NEW


async def test_sql_keys_are_purged_after_their_time(database_url: str, clock: Clock) -> None:
    engine = make_async_engine(database_url)
    store = SqlDedupStore(engine, ttl_seconds=60, clock=clock)
    await store.claim("sms:7", SAME)
    await store.keep("sms:7", "<Response/>")
    assert await store.purge() == 0
    clock.now += 61
    assert await store.purge() == 1
    assert (await store.claim("sms:7", SAME)).seen is Seen.NEW
    await engine.dispose()
