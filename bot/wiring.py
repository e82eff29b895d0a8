"""The composition root: the one place where real adapters are chosen, for the web service, the console
and Telegram polling alike (database, stores, search index, geocoder, clock)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dedup import DedupStore, MemoryDedupStore, RedisDedupStore
from bot.settings import Settings
from bot.stores import RedisSessionStore, SqlSessionStore
from db.sql import SqlIndex, make_async_engine, ping, prepare
from handlers import PARIS, Conversation, Deps, Incoming, SessionStore, Turn, respond
from search import Directory, understand

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def now() -> datetime:
    return datetime.now(PARIS)


def conversation_deps(settings: Settings, engine: AsyncEngine, clock: Clock) -> Deps:
    """What the conversation is given, as the settings choose it. geopy and its HTTP stack are
    imported only when a street geocoder is configured: they cost 0.3 s at every start."""
    locate = None
    if settings.geocoder != "offline":
        from bot.geocoding import remote_geocoder

        geocoder = remote_geocoder(
            settings.geocoder,
            domain=settings.geocoder_domain,
            timeout=settings.geocoder_timeout_seconds,
            home_depts=settings.home_departments,
        )
        locate = geocoder.alocate if geocoder is not None else None
    return Deps(
        directory=Directory(SqlIndex(engine)),
        understand=partial(understand, home_depts=settings.home_departments),
        clock=clock,
        locate=locate,
    )


@dataclass(frozen=True, slots=True)
class Resources:
    """What every channel shares: the database, the session and de-duplication stores, the conversation."""

    engine: AsyncEngine
    sessions: SessionStore
    dedup: DedupStore
    deps: Deps
    redis: Redis | None
    turns: asyncio.Semaphore

    async def converse(self, msg: Incoming, *, lang: str | None = None) -> Turn:
        """load → respond → save: the adapter's part of a turn, identical for every channel. `lang`
        is a language chosen outside the conversation (the console's --lang).

        At most a few turns run at once: beyond the database pool they only contend for connections,
        SQLite's write lock and the GIL, which stretches the slowest answers; waiting here is first come,
        first served."""
        async with self.turns:
            conv = await self.sessions.load(msg.user_key) or Conversation()
            if lang and not conv.lang_chosen:
                conv = replace(conv, lang=lang, lang_chosen=True)
            turn = await respond(conv, msg, self.deps)
            await self.sessions.save(msg.user_key, turn.conversation)
        return turn

    async def ping(self) -> None:
        """Raises when the database does not answer."""
        await ping(self.engine)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, settings: Settings, clock: Clock = now, *, tolerate_database_down: bool = True
    ) -> AsyncIterator[Resources]:
        """Migrate (and seed an empty embedded database), then open the stores. A database that is
        down at start does not stop the web service: it answers "call 115" and tries the migration
        again until the database is back (the session tables are migrations), rather than
        crash-looping while people wait for an answer. The console says it at once."""
        retry: asyncio.Task[None] | None = None
        try:
            await _prepare(settings, clock)
        except Exception:
            if not tolerate_database_down:
                raise
            log.exception("database not ready at start; serving degraded answers")
            retry = asyncio.create_task(_prepare_until_done(settings, clock))
        engine = make_async_engine(settings.database_url)
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis  # the embedded default runs without it

            redis = Redis.from_url(settings.redis_url)
        ttl = settings.session_ttl_seconds
        sessions: SessionStore = (
            RedisSessionStore(redis, ttl_seconds=ttl)
            if redis is not None
            else SqlSessionStore(engine, ttl_seconds=ttl)
        )
        dedup: DedupStore = RedisDedupStore(redis) if redis is not None else MemoryDedupStore()
        deps = conversation_deps(settings, engine, clock)
        try:
            yield cls(engine, sessions, dedup, deps, redis, asyncio.Semaphore(settings.turn_concurrency))
        finally:
            if retry is not None:
                retry.cancel()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()


async def _prepare(settings: Settings, clock: Clock) -> None:
    engine = await asyncio.to_thread(
        prepare, settings.database_url, now=clock(), seed_sample=settings.seed_sample
    )
    engine.dispose()


async def _prepare_until_done(settings: Settings, clock: Clock, first_wait: float = 2.0) -> None:
    """Every few seconds (up to a minute apart) until the database takes the migrations."""
    wait = first_wait
    while True:
        await asyncio.sleep(wait)
        try:
            await _prepare(settings, clock)
        except Exception as exc:  # noqa: BLE001 - down again: the next try will say it once more
            log.warning("database still not ready: %s", exc.__class__.__name__)
            wait = min(60.0, wait * 2)
        else:
            log.info("database ready: migrations applied")
            return
