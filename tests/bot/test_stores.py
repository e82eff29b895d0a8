"""Session stores (SQL, Redis, and the in-memory one for parity): the same conversation across turns, a
time-to-live, an opt-out that outlives it."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.identity import user_key
from bot.stores import RedisSessionStore, SqlSessionStore
from bot.surfaces import SmsSurface
from db.sql import make_async_engine, migrate
from handlers import Channel, Conversation, Deps, Incoming, MemorySessionStore, SessionStore, respond
from tests.conftest import REDIS_URL, service_missing

PHONE = "+33612345678"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def _redis() -> aioredis.Redis:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (aioredis.ConnectionError, OSError) as exc:
        await client.aclose()
        service_missing("Redis at 127.0.0.1:6379", exc)
    return client


@asynccontextmanager
async def open_store(kind: str, tmp_path: Path, clock: Clock) -> AsyncIterator[SessionStore]:
    if kind == "memory":
        yield MemorySessionStore(ttl_seconds=3600, clock=clock)
    elif kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'sessions.db'}"
        migrate(url)
        engine = make_async_engine(url)
        yield SqlSessionStore(engine, ttl_seconds=3600, clock=clock)
        await engine.dispose()
    else:
        client = await _redis()
        prefix = f"solibot-test-{uuid.uuid4().hex[:8]}:"
        yield RedisSessionStore(client, prefix=prefix, ttl_seconds=3600)
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> AsyncIterator[SessionStore]:
    async with open_store(request.param, tmp_path, clock) as opened:
        yield opened


@pytest.fixture(params=["sqlite", "redis"])
async def persistent(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> AsyncIterator[SessionStore]:
    async with open_store(request.param, tmp_path, clock) as opened:
        yield opened


async def test_save_load_forget(store: SessionStore) -> None:
    key = user_key(b"k", "sms", PHONE)
    assert await store.load(key) is None
    conv = Conversation(lang="ar", need=("food",), place=(48.1, 7.4, "Colmar (68)"), page=1)
    await store.save(key, conv)
    assert await store.load(key) == conv
    await store.forget(key)
    assert await store.load(key) is None


async def test_opt_out_is_kept_after_forget(store: SessionStore) -> None:
    key = user_key(b"k", "sms", PHONE)
    await store.save(key, Conversation(lang="es", opted_out=True))
    await store.forget(key)
    assert await store.load(key) == Conversation(lang="es", opted_out=True)
    await store.save(key, Conversation(lang="es"))  # START
    assert await store.load(key) == Conversation(lang="es")


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_ttl_expires_the_conversation_but_not_the_opt_out(
    kind: str, clock: Clock, tmp_path: Path
) -> None:
    async with open_store(kind, tmp_path, clock) as store:
        await store.save("a", Conversation(lang="fr", need=("food",)))
        await store.save("b", Conversation(lang="ru", need=("shower",), opted_out=True))
        clock.now += 3599
        assert (await store.load("a")) is not None
        clock.now += 2
        assert await store.load("a") is None
        assert await store.load("b") == Conversation(lang="ru", opted_out=True)


async def test_sql_store_purges_expired_rows_and_stores_no_raw_number(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "s.db"
    migrate(f"sqlite:///{path}")
    engine = make_async_engine(f"sqlite:///{path}")
    store = SqlSessionStore(engine, ttl_seconds=60, clock=clock)
    await store.save(user_key(b"k", "sms", PHONE), Conversation(lang="fr", need=("food",)))
    clock.now += 61
    await store.save(user_key(b"k", "sms", "+33700000000"), Conversation(lang="fr"))
    await engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM conversation_session").fetchone() == (1,)
    assert b"612345678" not in path.read_bytes()


async def test_redis_uses_a_real_ttl(tmp_path: Path, clock: Clock) -> None:
    async with open_store("redis", tmp_path, clock) as store:
        assert isinstance(store, RedisSessionStore)
        await store.save("k1", Conversation(lang="fr", opted_out=True))
        client = store._redis
        keys = sorted([k.decode() async for k in client.scan_iter(match=store._prefix + "*")])
        assert len(keys) == 2
        ttls = {k.rsplit(":", 2)[-2]: await client.ttl(k) for k in keys}
        assert 3500 < ttls["session"] <= 3600
        assert ttls["optout"] == -1  # never expires


async def test_state_across_turns_through_the_store(persistent: SessionStore, deps: Deps) -> None:
    """What a channel does on each message: load, respond, save."""
    key = user_key(b"secret", "sms", PHONE)

    async def turn(text: str) -> str:
        conv = await persistent.load(key) or Conversation()
        result = await respond(conv, Incoming(Channel.SMS, key, text, surface=SmsSurface()), deps)
        await persistent.save(key, result.conversation)
        return "\n".join(r.text for r in result.replies)

    assert "Où êtes-vous" in await turn("je veux manger")
    assert "Alimentation près de Colmar (68) :" in await turn("Colmar")
    assert re.search(r"^4\. ", await turn("plus"), re.M)
    assert "Itinéraire : https://www.openstreetmap.org/" in await turn("5")
    assert "START" in await turn("STOP")
    assert await turn("manger Colmar") == ""
    assert "Bon retour" in await turn("START")
    assert "Español" in await turn("langue")
    assert "Idioma: Español" in await turn("4")
    assert "cerca de Colmar (68):" in await turn("manger Colmar")
    stored = await persistent.load(key)
    assert stored is not None and stored.lang == "es" and stored.lang_chosen
