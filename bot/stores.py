"""The web service's conversation store in SQL (the directory's database, the embedded default), and
what the Redis store (bot/redis_stores.py) shares with it: the opt-outs.

Both keep the conversation with a time-to-live and order the turns of one person by compare-and-set
on a version (handlers.SessionStore). The opt-out is kept without expiry in the SQL database in both
cases, so a Redis restart or eviction cannot make the bot write again to someone who sent STOP. The
tables are Alembic migrations (db/sql/migrations/versions/0003, 0005).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.sql import Runner, Statements
from handlers import (
    DEFAULT_TTL_SECONDS,
    Conversation,
    Stored,
    dump_conversation,
    load_conversation,
    with_opt_out,
)

Clock = Callable[[], float]

# Built once: a text() parses its SQL for bind parameters each time it is made (a tenth of a turn's
# database work was making these again).
_OPT_OUT = text("SELECT lang FROM conversation_opt_out WHERE user_key = :k")
_OPT_OUT_KEEP = text(
    "INSERT INTO conversation_opt_out (user_key, lang, since) VALUES (:k, :l, :s) "
    "ON CONFLICT (user_key) DO UPDATE SET lang = excluded.lang"
)
_OPT_OUT_LIFT = text("DELETE FROM conversation_opt_out WHERE user_key = :k")
# A turn's load in one statement: the conversation (if any) and the opt-out (if any), one row always.
_SESSION = text(
    "SELECT s.data, s.expires_at, s.version, o.user_key AS out, o.lang FROM (SELECT 1 AS one) AS q "
    "LEFT JOIN conversation_session AS s ON s.user_key = :k "
    "LEFT JOIN conversation_opt_out AS o ON o.user_key = :k"
)
_SESSION_NEW = text(
    "INSERT INTO conversation_session (user_key, data, expires_at, version) VALUES (:k, :d, :e, 1) "
    "ON CONFLICT (user_key) DO NOTHING"
)
_SESSION_NEXT = text(
    "UPDATE conversation_session SET data = :d, expires_at = :e, version = version + 1 "
    "WHERE user_key = :k AND version = :v"
)
_SESSION_FORGET = text("DELETE FROM conversation_session WHERE user_key = :k")
_SESSION_PURGE = text("DELETE FROM conversation_session WHERE expires_at <= :now")


def opted_out(conn: Statements, user_key: str) -> tuple[bool, str | None]:
    """(opted out?, the language of the opt-out)."""
    row = conn.execute(_OPT_OUT, {"k": user_key}).first()
    return row is not None, row[0] if row is not None else None


def write_opt_out(conn: Statements, user_key: str, conv: Conversation, lift: bool, now: float) -> None:
    if conv.opted_out:
        conn.execute(_OPT_OUT_KEEP, {"k": user_key, "l": conv.lang, "s": now})
    elif lift:
        conn.execute(_OPT_OUT_LIFT, {"k": user_key})


def stored(data: str | None, version: int, opt_out: tuple[bool, str | None]) -> Stored:
    conv = load_conversation(data) if data is not None else None
    return Stored(with_opt_out(conv, opt_out[1]) if opt_out[0] else conv, version)


class SqlSessionStore:
    """Two tables in the directory's own database; the SQL is the same on SQLite and PostgreSQL."""

    def __init__(
        self, engine: AsyncEngine, ttl_seconds: int = DEFAULT_TTL_SECONDS, clock: Clock = time.time
    ) -> None:
        self._runner, self._ttl, self._clock = Runner(engine, on_loop=True), ttl_seconds, clock

    async def load(self, user_key: str) -> Stored:
        return await self._runner.read(_load, user_key, self._clock())

    async def save(
        self, user_key: str, conv: Conversation, *, version: int, lift_opt_out: bool = False
    ) -> bool:
        now = self._clock()
        return await self._runner.write(
            _save, user_key, dump_conversation(conv), version, now + self._ttl, conv, lift_opt_out, now
        )

    async def forget(self, user_key: str) -> None:
        await self._runner.write(_forget, user_key)

    async def purge(self) -> int:
        """Deletes the conversations past their time-to-live (the retention job); returns how many."""
        return await self._runner.bulk_write(_purge, self._clock())


def _load(conn: Statements, user_key: str, now: float) -> Stored:
    row = conn.execute(_SESSION, {"k": user_key}).one()
    if row.version is None:  # no conversation kept for this person
        data, version = None, 0
    else:
        data, version = (row.data if row.expires_at > now else None), row.version
    return stored(data, version, (row.out is not None, row.lang))


def _save(
    conn: Statements,
    user_key: str,
    data: str,
    version: int,
    expires_at: float,
    conv: Conversation,
    lift_opt_out: bool,
    now: float,
) -> bool:
    """One transaction: the session if the version loaded is still the stored one, then the opt-out.
    False (nothing written) when another turn of the same person was saved in between."""
    statement = _SESSION_NEW if version == 0 else _SESSION_NEXT
    if conn.execute(statement, {"k": user_key, "d": data, "e": expires_at, "v": version}).rowcount != 1:
        return False
    write_opt_out(conn, user_key, conv, lift_opt_out, now)
    return True


def _forget(conn: Statements, user_key: str) -> None:
    conn.execute(_SESSION_FORGET, {"k": user_key})


def _purge(conn: Statements, now: float) -> int:
    deleted = conn.execute(_SESSION_PURGE, {"now": now})
    return deleted.rowcount
