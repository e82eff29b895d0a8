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
from bot.redis_stores import RedisSessionStore
from bot.stores import SqlSessionStore
from bot.surfaces import SmsSurface
from db.sql import make_async_engine, migrate
from handlers import Channel, Conversation, Deps, Incoming, MemorySessionStore, SessionStore, Stored, respond
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
        url = f"sqlite:///{tmp_path / 'opt_outs.db'}"  # the opt-outs are kept in SQL
        migrate(url)
        engine = make_async_engine(url)
        yield RedisSessionStore(client, engine, prefix=prefix, ttl_seconds=3600, clock=clock)
        await engine.dispose()
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


async def save(store: SessionStore, key: str, conv: Conversation, *, lift: bool = False) -> None:
    """A turn's save, on the version just loaded."""
    stored = await store.load(key)
    assert await store.save(key, conv, version=stored.version, lift_opt_out=lift)


async def conversation(store: SessionStore, key: str) -> Conversation | None:
    return (await store.load(key)).conversation


async def test_save_load_forget(store: SessionStore) -> None:
    key = user_key(b"k", "sms", PHONE)
    assert await store.load(key) == Stored(None, 0)
    conv = Conversation(lang="ar", need=("food",), place=(48.1, 7.4, "Colmar (68)"), page=1)
    await save(store, key, conv)
    assert await conversation(store, key) == conv
    await store.forget(key)
    assert await conversation(store, key) is None


async def test_a_save_on_a_stale_version_is_refused(store: SessionStore) -> None:
    """Two turns of one person loaded together: the second save is refused, nothing of it written."""
    key = "k"
    first, second = await store.load(key), await store.load(key)
    assert await store.save(key, Conversation(lang="fr", opted_out=True), version=first.version)
    assert not await store.save(key, Conversation(lang="fr", need=("food",)), version=second.version)
    assert await conversation(store, key) == Conversation(lang="fr", opted_out=True)
    again = await store.load(key)
    assert again.version > second.version
    assert await store.save(key, Conversation(lang="fr", opted_out=True), version=again.version)


async def test_the_opt_out_is_additive_only_start_lifts_it(store: SessionStore) -> None:
    key = user_key(b"k", "sms", PHONE)
    await save(store, key, Conversation(lang="es", opted_out=True))
    await store.forget(key)
    assert await conversation(store, key) == Conversation(lang="es", opted_out=True)
    await save(store, key, Conversation(lang="es"))  # a save that does not say START
    assert await conversation(store, key) == Conversation(lang="es", opted_out=True)
    await save(store, key, Conversation(lang="es"), lift=True)  # START
    assert await conversation(store, key) == Conversation(lang="es")


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_ttl_expires_the_conversation_but_not_the_opt_out(
    kind: str, clock: Clock, tmp_path: Path
) -> None:
    async with open_store(kind, tmp_path, clock) as store:
        await save(store, "a", Conversation(lang="fr", need=("food",)))
        await save(store, "b", Conversation(lang="ru", need=("shower",), opted_out=True))
        clock.now += 3599
        assert (await conversation(store, "a")) is not None
        clock.now += 2
        assert await conversation(store, "a") is None
        assert await conversation(store, "b") == Conversation(lang="ru", opted_out=True)
        await save(store, "a", Conversation(lang="fr"))  # an expired row is saved over


async def test_sql_store_purges_expired_rows_and_stores_no_raw_number(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "s.db"
    migrate(f"sqlite:///{path}")
    engine = make_async_engine(f"sqlite:///{path}")
    store = SqlSessionStore(engine, ttl_seconds=60, clock=clock)
    await save(store, user_key(b"k", "sms", PHONE), Conversation(lang="fr", need=("food",)))
    clock.now += 61
    await save(store, user_key(b"k", "sms", "+33700000000"), Conversation(lang="fr"))
    assert await store.purge() == 1
    await engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM conversation_session").fetchone() == (1,)
    assert b"612345678" not in path.read_bytes()


async def test_redis_keeps_sessions_with_a_real_ttl_and_opt_outs_in_sql(tmp_path: Path, clock: Clock) -> None:
    """A Redis restart or eviction cannot lose a STOP: it is in the database."""
    async with open_store("redis", tmp_path, clock) as store:
        assert isinstance(store, RedisSessionStore)
        await save(store, "k1", Conversation(lang="fr", opted_out=True))
        client = store._redis
        keys = [k.decode() async for k in client.scan_iter(match=store._prefix + "*")]
        assert len(keys) == 1 and 3500 < await client.ttl(keys[0]) <= 3600
        await client.delete(*keys)  # Redis lost everything
        assert await conversation(store, "k1") == Conversation(lang="fr", opted_out=True)


async def test_state_across_turns_through_the_store(persistent: SessionStore, deps: Deps) -> None:
    """What a channel does on each message: load, respond, save."""
    key = user_key(b"secret", "sms", PHONE)

    async def turn(text: str) -> str:
        stored = await persistent.load(key)
        conv = stored.conversation or Conversation()
        result = await respond(conv, Incoming(Channel.SMS, key, text, surface=SmsSurface()), deps)
        lift = conv.opted_out and not result.conversation.opted_out
        assert await persistent.save(key, result.conversation, version=stored.version, lift_opt_out=lift)
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
    stored = await conversation(persistent, key)
    assert stored is not None and stored.lang == "es" and stored.lang_chosen


async def test_a_stop_the_database_could_not_keep_is_not_kept_in_redis_either(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis alone forgets (expiry, restart): a STOP is confirmed only once it is in the database. When
    that write fails the save raises (the person gets the unavailable notice and sends STOP again)
    and Redis does not keep a STOP that will vanish."""
    async with open_store("redis", tmp_path, clock) as store:
        assert isinstance(store, RedisSessionStore)
        await save(store, "k2", Conversation(lang="fr"))

        async def broken(*args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(store._runner, "write", broken)
        version = (await store.load("k2")).version
        with pytest.raises(OSError):
            await store.save("k2", Conversation(lang="fr", opted_out=True), version=version)
        monkeypatch.undo()
        assert (await store.load("k2")).conversation is None, "no STOP left in Redis alone"
