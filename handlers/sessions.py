"""Where a conversation waits between two messages: in memory (tests), SQL (the embedded default), Redis.

Every store keeps two records per user: the conversation, which expires after its time-to-live (so the
needs and places a person wrote are not kept beyond it), and the opt-out, which never expires: someone
who sent STOP must stay silent even if they write again weeks later.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import Runner
from handlers.model import Conversation

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 24 * 3600
Clock = Callable[[], float]


def user_key(secret: bytes, channel: str, sender: str) -> str:
    """HMAC-SHA256 of channel and sender id: stable per user, useless to whoever reads the database."""
    return hmac.new(secret, f"{channel}\x1f{sender}".encode(), hashlib.sha256).hexdigest()


def dump(conv: Conversation) -> str:
    return json.dumps(asdict(conv), ensure_ascii=False, separators=(",", ":"))


def _tuple(value: Any) -> tuple[Any, ...] | None:
    return tuple(value) if isinstance(value, list | tuple) else None


def load(data: str) -> Conversation:
    """The inverse of `dump`, tolerant of fields added or removed since the record was written."""
    raw = json.loads(data)
    fields = Conversation.__dataclass_fields__
    values: dict[str, Any] = {k: v for k, v in raw.items() if k in fields}
    for name in ("need", "options"):
        values[name] = tuple(values.get(name) or ())
    values["results"] = tuple(tuple(r) for r in values.get("results") or ())
    values["place"] = _tuple(values.get("place"))
    values["when"] = _tuple(values.get("when"))
    values["extra"] = values.get("extra") if isinstance(values.get("extra"), dict) else {}
    return Conversation(**values)


def _with_opt_out(conv: Conversation | None, lang: str | None) -> Conversation:
    if conv is None:
        return Conversation(lang=lang, opted_out=True)
    return replace(conv, opted_out=True)


class MemorySessionStore:
    """For tests and a single console process."""

    def __init__(self, ttl_seconds: int = DEFAULT_TTL_SECONDS, clock: Clock = time.time) -> None:
        self._ttl, self._clock = ttl_seconds, clock
        self._sessions: dict[str, tuple[float, str]] = {}
        self._opt_outs: dict[str, str | None] = {}

    async def load(self, user_key: str) -> Conversation | None:
        found = self._sessions.get(user_key)
        conv = load(found[1]) if found and found[0] > self._clock() else None
        if found and conv is None:
            del self._sessions[user_key]
        if user_key in self._opt_outs:
            return _with_opt_out(conv, self._opt_outs[user_key])
        return conv

    async def save(self, user_key: str, conv: Conversation) -> None:
        self._sessions[user_key] = (self._clock() + self._ttl, dump(conv))
        if conv.opted_out:
            self._opt_outs[user_key] = conv.lang
        else:
            self._opt_outs.pop(user_key, None)

    async def forget(self, user_key: str) -> None:
        """Drops the conversation; an opt-out stays, since it is what the person asked us to remember."""
        self._sessions.pop(user_key, None)


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS conversation_session ("
    " user_key VARCHAR(64) PRIMARY KEY, data TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_conversation_session_expires ON conversation_session (expires_at)",
    "CREATE TABLE IF NOT EXISTS conversation_opt_out ("
    " user_key VARCHAR(64) PRIMARY KEY, lang VARCHAR(8), since DOUBLE PRECISION NOT NULL)",
)


class SqliteSessionStore:
    """Two tables in the directory's own database (SQLite by default; the SQL is PostgreSQL-compatible
    too), created on first use so that the embedded mode needs no extra migration step."""

    def __init__(
        self, engine: AsyncEngine, ttl_seconds: int = DEFAULT_TTL_SECONDS, clock: Clock = time.time
    ) -> None:
        self._runner, self._ttl, self._clock = Runner(engine), ttl_seconds, clock
        self._ready = False
        self._lock = asyncio.Lock()

    async def _schema(self) -> None:
        if self._ready:
            return
        async with self._lock:
            if not self._ready:
                await self._runner.write(_create_schema)
                self._ready = True

    async def load(self, user_key: str) -> Conversation | None:
        await self._schema()
        data, opted_out, lang = await self._runner.read(_load, user_key, self._clock())
        conv = load(data) if data is not None else None
        return _with_opt_out(conv, lang) if opted_out else conv

    async def save(self, user_key: str, conv: Conversation) -> None:
        await self._schema()
        await self._runner.write(_save, user_key, dump(conv), conv, self._clock(), self._ttl)

    async def forget(self, user_key: str) -> None:
        await self._schema()
        await self._runner.write(_forget, user_key)


def _create_schema(conn: Connection) -> None:
    for statement in _SCHEMA:
        conn.execute(text(statement))


def _load(conn: Connection, user_key: str, now: float) -> tuple[str | None, bool, str | None]:
    """(the session's JSON, opted out?, the language of the opt-out)."""
    data = conn.execute(
        text("SELECT data FROM conversation_session WHERE user_key = :k AND expires_at > :now"),
        {"k": user_key, "now": now},
    ).scalar_one_or_none()
    opt_out = conn.execute(
        text("SELECT lang FROM conversation_opt_out WHERE user_key = :k"), {"k": user_key}
    ).first()
    return data, opt_out is not None, opt_out[0] if opt_out is not None else None


def _save(conn: Connection, user_key: str, data: str, conv: Conversation, now: float, ttl: int) -> None:
    conn.execute(text("DELETE FROM conversation_session WHERE expires_at <= :now"), {"now": now})
    conn.execute(
        text(
            "INSERT INTO conversation_session (user_key, data, expires_at) VALUES (:k, :d, :e) "
            "ON CONFLICT (user_key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at"
        ),
        {"k": user_key, "d": data, "e": now + ttl},
    )
    if conv.opted_out:
        conn.execute(
            text(
                "INSERT INTO conversation_opt_out (user_key, lang, since) VALUES (:k, :l, :s) "
                "ON CONFLICT (user_key) DO UPDATE SET lang = excluded.lang"
            ),
            {"k": user_key, "l": conv.lang, "s": now},
        )
    else:
        conn.execute(text("DELETE FROM conversation_opt_out WHERE user_key = :k"), {"k": user_key})


def _forget(conn: Connection, user_key: str) -> None:
    conn.execute(text("DELETE FROM conversation_session WHERE user_key = :k"), {"k": user_key})


class RedisSessionStore:
    """Shared by every web worker; the time-to-live is Redis's own (SET … EX)."""

    def __init__(
        self, client: Any, prefix: str = "solibot:", ttl_seconds: int = DEFAULT_TTL_SECONDS
    ) -> None:  # client: redis.asyncio.Redis
        self._redis, self._prefix, self._ttl = client, prefix, ttl_seconds

    def _session(self, user_key: str) -> str:
        return f"{self._prefix}session:{user_key}"

    def _opt_out(self, user_key: str) -> str:
        return f"{self._prefix}optout:{user_key}"

    async def load(self, user_key: str) -> Conversation | None:
        data, opt_out = await self._redis.mget(self._session(user_key), self._opt_out(user_key))
        conv = load(data.decode() if isinstance(data, bytes) else data) if data is not None else None
        if opt_out is not None:
            lang = opt_out.decode() if isinstance(opt_out, bytes) else str(opt_out)
            return _with_opt_out(conv, lang or None)
        return conv

    async def save(self, user_key: str, conv: Conversation) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._session(user_key), dump(conv), ex=self._ttl)
            if conv.opted_out:
                pipe.set(self._opt_out(user_key), conv.lang or "")
            else:
                pipe.delete(self._opt_out(user_key))
            await pipe.execute()

    async def forget(self, user_key: str) -> None:
        await self._redis.delete(self._session(user_key))
