"""The composition root: the one place where real adapters are chosen, for the web service, the console
and Telegram polling alike (database, stores, search index, geocoder, clock)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.deadline import within
from bot.dedup import DedupStore, SqlDedupStore
from bot.events import EventRecorder
from bot.operators import OperatorStore, identified, redeemer
from bot.outbox import FernetSealer, SqlOutbox
from bot.place_reports import SqlReportBook
from bot.settings import Settings
from bot.stores import SqlSessionStore
from bot.twilio_rest import TwilioMessages
from db.sql import SqlIndex, make_async_engine, one_connection, ping, prepare
from handlers import (
    PARIS,
    Channel,
    Conversation,
    Deps,
    Incoming,
    Probe,
    SessionStore,
    Supply,
    Surface,
    Turn,
    measure_supply,
    prepare_readers,
    respond,
)
from search import Directory, understand, use_index_directory

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
REDIS_TIMEOUT_SECONDS = 2.0  # a hung Redis costs a turn this much, not its deadline
RETENTION_EVERY_SECONDS = 600.0
DEDUP_LEASE_MARGIN_SECONDS = 2.0
MAX_ATTEMPTS = 5  # compare-and-set retries of one turn; more means a flood from one sender


class ConflictError(RuntimeError):
    """One person's turns kept overtaking each other: answered as the unavailable notice."""


class UserLocks:
    """One asyncio lock per person with a turn in progress in this worker; a lock is dropped once
    nobody holds or waits for it, so the table holds only the turns in flight."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def now() -> datetime:
    return datetime.now(PARIS)


def conversation_deps(
    settings: Settings, engine: AsyncEngine, clock: Clock, operators: OperatorStore | None = None
) -> Deps:
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
    secret = settings.user_key_secret.get_secret_value().encode()
    return Deps(
        directory=Directory(SqlIndex(engine)),
        understand=partial(understand, home_depts=settings.home_departments),
        clock=clock,
        locate=locate,
        outbox=_outbox(settings, engine, clock),
        sealer=FernetSealer(secret),
        reports=SqlReportBook(engine, clock, secret, settings.reports_per_day),
        redeem=redeemer(operators) if operators is not None else None,
    )


def _outbox(settings: Settings, engine: AsyncEngine, clock: Clock) -> SqlOutbox | None:
    """Sending a place to a person needs a Twilio account; without one the command says so."""
    sid, token, sender = settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from_number
    if not (sid and token and sender):
        return None
    messages = TwilioMessages(sid, token.get_secret_value(), sender, base_url=settings.twilio_api_base)
    secret = settings.user_key_secret.get_secret_value().encode()
    return SqlOutbox(
        engine,
        messages,
        secret,
        per_hour=settings.send_sms_per_hour,
        max_segments=settings.sms_max_segments,
        clock=clock,
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
    deadline_seconds: float | None  # None: no deadline (the console: a person waits, not Twilio)
    locks: UserLocks = field(default_factory=lambda: UserLocks())
    events: EventRecorder | None = None  # search events for the statistics (None: recorded nowhere)
    operators: OperatorStore | None = None  # who is an operator or volunteer (None: everyone is the public)
    stats_retention_days: int = 400

    async def converse(self, msg: Incoming, *, lang: str | None = None) -> Turn:
        """load → respond → save: the adapter's part of a turn, identical for every channel, within
        the turn deadline (TimeoutError past it: the channel then answers the unavailable notice in
        time). `lang` is a language chosen outside the conversation (the console's --lang).

        Turns of one person are in order: one at a time in this worker, and across workers the save
        is a compare-and-set, so a turn computed on a state that changed meanwhile (a STOP sent at the
        same moment) is computed again on the new one. At most a few turns run at once: beyond the
        database pool they only contend for connections, SQLite's write lock and the GIL."""
        return await within(self.deadline_seconds, self._converse(msg, lang))

    async def _converse(self, msg: Incoming, lang: str | None) -> Turn:
        async with self.locks.hold(msg.user_key), self.turns, one_connection(self.engine):
            if self.operators is not None:  # a Telegram or console sender's role (bot/operators.py)
                msg = await identified(self.operators, msg)
            for _ in range(MAX_ATTEMPTS):
                stored = await self.sessions.load(msg.user_key)
                conv = stored.conversation or Conversation()
                if lang and not conv.lang_chosen:
                    conv = replace(conv, lang=lang, lang_chosen=True)
                turn = await respond(conv, msg, self.deps)
                if turn.forget:
                    await self.sessions.forget(msg.user_key)
                    return turn
                lifted = conv.opted_out and not turn.conversation.opted_out
                if await self._save(msg.user_key, turn, stored.version, lifted, conv.opted_out):
                    self._record(turn)
                    return turn
                log.info("turn computed again: user=%s saved meanwhile", msg.user_key[:12])
        raise ConflictError(f"{MAX_ATTEMPTS} concurrent saves for one person")

    async def _save(self, user_key: str, turn: Turn, version: int, lifted: bool, was_out: bool) -> bool:
        """A session store that fails does not cost the person their answer, unless the turn
        changed whether they opted out: that must be kept before it is confirmed."""
        try:
            return await self.sessions.save(user_key, turn.conversation, version=version, lift_opt_out=lifted)
        except Exception:
            if lifted or turn.conversation.opted_out != was_out:
                raise
            log.exception("session not saved user=%s; answering without it", user_key[:12])
            return True

    def _record(self, turn: Turn) -> None:
        """After the save, never before: a turn computed again is recorded once. Never raises and
        never waits: the event goes to the recorder's queue (bot/events.py)."""
        if turn.event is None or self.events is None:
            return
        try:
            self.events.offer(turn.event)
        except Exception:  # noqa: BLE001 - statistics never cost a person their answer
            log.exception("search event not offered")

    async def purge_expired(self) -> int:
        """The retention job's one pass: conversations past their time-to-live and webhook replies
        past theirs, deleted from the database (Redis forgets its own), and search events past
        STATS_RETENTION_DAYS folded into monthly counts. Returns how many rows."""
        purged = 0
        for store in (self.sessions, self.dedup, self.deps.reports):
            if isinstance(store, SqlSessionStore | SqlDedupStore | SqlReportBook):
                purged += await store.purge()
        if self.events is not None:
            purged += await self.events.fold(self.deps.clock().date(), self.stats_retention_days)
        return purged

    async def retention(self, every_seconds: float = RETENTION_EVERY_SECONDS) -> None:
        """Runs `purge_expired` now and then every few minutes, for the life of the web service: rows
        no longer wait for another user's write to be deleted."""
        while True:
            try:
                purged = await self.purge_expired()
            except Exception as exc:  # noqa: BLE001 - a database down now is retried next time
                log.warning("retention pass failed: %s", exc.__class__.__name__)
            else:
                if purged:
                    log.info("retention: %d expired rows deleted", purged)
            await asyncio.sleep(every_seconds)

    async def warm_up(self, surface: Surface, text: str = "manger Strasbourg") -> Turn:
        """One turn computed and thrown away (not saved, not recorded) before the health check says
        ready: otherwise the first person's turn builds the search's points (Directory.prepare), the
        town, word and crisis-phrase indexes, the commune grid of the statistics and the catalogs it
        speaks (1.2 s, against 6 ms for the next ones)."""
        if isinstance(self.deps.directory, Directory):
            await self.deps.directory.prepare()
        await asyncio.to_thread(prepare_readers)  # what the warm-up message alone would not read
        msg = Incoming(Channel.SMS, "warm-up", text, surface=surface)
        return await respond(Conversation(), msg, self.deps)

    async def ping(self) -> None:
        """Raises when the database does not answer."""
        await ping(self.engine)

    async def ping_sessions(self) -> None:
        """Raises when Redis (where the conversations are, when configured) does not answer."""
        if self.redis is not None:
            await self.redis.ping()

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        clock: Clock = now,
        *,
        tolerate_database_down: bool = True,
        seed_sample: bool = False,
        deadline: bool = True,
    ) -> AsyncIterator[Resources]:
        """Migrate (and, with `seed_sample` and SEED_SAMPLE, seed an empty embedded database with the
        invented sample: the console and polling only, never the web service), then open the stores.
        `deadline` is off for the console only: its reader waits, Twilio does not.
        A database that is down at start does not stop the web service: it answers "call 115" and
        tries the migration again until the database is back (the session tables are migrations),
        rather than crash-looping while people wait for an answer. The console says it at once."""
        use_index_directory(settings.cache_dir)  # indexes kept between starts (search/prebuilt.py)
        retry: asyncio.Task[None] | None = None
        try:
            await _prepare(settings, clock, seed_sample)
        except Exception:
            if not tolerate_database_down:
                raise
            log.exception("database not ready at start; serving degraded answers")
            retry = asyncio.create_task(_prepare_until_done(settings, clock, seed_sample))
        engine = make_async_engine(settings.database_url)
        ttl = settings.session_ttl_seconds
        redis = None
        sessions: SessionStore = SqlSessionStore(engine, ttl_seconds=ttl)
        # A claim with no reply past the turn deadline (and a margin) belongs to a worker that died:
        # Twilio's retry (after its 15 s) takes it over.
        lease = settings.turn_deadline_seconds + DEDUP_LEASE_MARGIN_SECONDS
        dedup: DedupStore = SqlDedupStore(engine, lease_seconds=lease)
        if settings.redis_url:  # the embedded default runs without Redis, and without importing it
            from redis.asyncio import Redis

            from bot.redis_stores import RedisDedupStore, RedisSessionStore

            redis = Redis.from_url(
                settings.redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            sessions = RedisSessionStore(redis, engine, ttl_seconds=ttl)
            dedup = RedisDedupStore(redis, lease_seconds=lease)
        operators = OperatorStore(engine, settings.user_key_secret.get_secret_value().encode())
        deps = conversation_deps(settings, engine, clock, operators)
        turns = asyncio.Semaphore(settings.turn_concurrency)
        events = EventRecorder(engine, _measure(deps, turns))
        events.start()
        reports = deps.reports
        fresh = asyncio.create_task(reports.keep_fresh()) if isinstance(reports, SqlReportBook) else None
        try:
            yield cls(
                engine,
                sessions,
                dedup,
                deps,
                redis,
                turns,
                settings.turn_deadline_seconds if deadline else None,
                events=events,
                stats_retention_days=settings.stats_retention_days,
                operators=operators,
            )
        finally:
            if fresh is not None:
                fresh.cancel()
            await events.close()
            if retry is not None:
                retry.cancel()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()


def _measure(deps: Deps, turns: asyncio.Semaphore) -> Callable[[Probe], Awaitable[Supply | None]]:
    """What was open around a search, measured by the recorder once the reply has left: a search as
    heavy as the person's own, so it takes one of the turn slots, and only when one is free (people
    first: under a burst the event is kept without its measure)."""

    async def measure(probe: Probe) -> Supply | None:
        if turns.locked():
            return None
        async with turns:
            return await measure_supply(probe, deps.directory)

    return measure


async def _prepare(settings: Settings, clock: Clock, seed_sample: bool) -> None:
    engine = await asyncio.to_thread(
        prepare, settings.database_url, now=clock(), seed_sample=seed_sample and settings.seed_sample
    )
    engine.dispose()


async def _prepare_until_done(
    settings: Settings, clock: Clock, seed_sample: bool, first_wait: float = 2.0
) -> None:
    """Every few seconds (up to a minute apart) until the database takes the migrations."""
    wait = first_wait
    while True:
        await asyncio.sleep(wait)
        try:
            await _prepare(settings, clock, seed_sample)
        except Exception as exc:  # noqa: BLE001 - down again: the next try will say it once more
            log.warning("database still not ready: %s", exc.__class__.__name__)
            wait = min(60.0, wait * 2)
        else:
            log.info("database ready: migrations applied")
            return
