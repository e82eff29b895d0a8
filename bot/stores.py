"""The web service's conversation stores: SQL (the directory's database, the embedded default) and Redis.

Both keep the conversation with a time-to-live and the opt-out without one (see handlers.sessions);
the SQL tables are Alembic migrations (db/sql/migrations/versions/0003_conversations.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.sql import Runner
from handlers import DEFAULT_TTL_SECONDS, Conversation, dump_conversation, load_conversation, with_opt_out

Clock = Callable[[], float]


class SqlSessionStore:
    """Two tables in the directory's own database; the SQL is the same on SQLite and PostgreSQL."""

    def __init__(
        self, engine: AsyncEngine, ttl_seconds: int = DEFAULT_TTL_SECONDS, clock: Clock = time.time
    ) -> None:
        self._runner, self._ttl, self._clock = Runner(engine), ttl_seconds, clock

    async def load(self, user_key: str) -> Conversation | None:
        data, opted_out, lang = await self._runner.read(_load, user_key, self._clock())
        conv = load_conversation(data) if data is not None else None
        return with_opt_out(conv, lang) if opted_out else conv

    async def save(self, user_key: str, conv: Conversation) -> None:
        await self._runner.write(_save, user_key, dump_conversation(conv), conv, self._clock(), self._ttl)

    async def forget(self, user_key: str) -> None:
        await self._runner.write(_forget, user_key)


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
        conv = (
            load_conversation(data.decode() if isinstance(data, bytes) else data)
            if data is not None
            else None
        )
        if opt_out is not None:
            lang = opt_out.decode() if isinstance(opt_out, bytes) else str(opt_out)
            return with_opt_out(conv, lang or None)
        return conv

    async def save(self, user_key: str, conv: Conversation) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._session(user_key), dump_conversation(conv), ex=self._ttl)
            if conv.opted_out:
                pipe.set(self._opt_out(user_key), conv.lang or "")
            else:
                pipe.delete(self._opt_out(user_key))
            await pipe.execute()

    async def forget(self, user_key: str) -> None:
        await self._redis.delete(self._session(user_key))
