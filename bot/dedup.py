"""Webhook de-duplication: a Twilio MessageSid or a Telegram update_id is answered once, and a retry of
the same request gets the same answer.

Twilio retries a webhook that timed out and Telegram re-sends an update it did not see acknowledged;
answering twice would send the person two SMS (and bill them), answering a retry with nothing loses
the reply. So a key is *claimed* before the turn, the reply it produced is *kept*, and:

- a retry of the same request (same fields, same values) gets the kept reply again;
- a retry that arrives while the first is still being answered waits for it (`busy`);
- a claim whose worker died (no reply after `lease_seconds`) is taken over, and a turn that failed
  *releases* its claim, so the retry is answered;
- another request under a known key (a captured request re-cut into other fields, which keeps
  Twilio's signature) is answered with nothing: it is not the person's message.

Redis when configured (several workers), else the directory's database (migration 0005): both
survive a restart of the service.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.deadline import within
from db.sql import Runner, Statements

DEFAULT_TTL_SECONDS = 24 * 3600  # Twilio retries within minutes, Telegram within a day at most
DEFAULT_LEASE_SECONDS = 12.0  # the turn deadline (10 s) and a margin: shorter than Twilio's 15 s
CALL_SECONDS = 1.0  # one call to the store: a hung database costs a request this much, not Twilio's 15 s
Clock = Callable[[], float]


class Seen(StrEnum):
    NEW = "new"  # claimed for this request: answer it, then keep or release
    REPLAY = "replay"  # answered already: send the kept reply again
    BUSY = "busy"  # being answered by another request right now
    OTHER = "other"  # a different request under a known key


@dataclass(frozen=True, slots=True)
class Claim:
    seen: Seen
    reply: str | None = None


def request_hash(pairs: Iterable[tuple[str, str]]) -> str:
    """The same for the same fields and values in any order; different for any re-cut of them."""
    canonical = json.dumps(sorted(pairs), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class DedupStore(Protocol):
    async def claim(self, key: str, request: str) -> Claim: ...
    async def keep(self, key: str, reply: str) -> None:
        """The reply the claimed request produced (what a retry will get)."""
        ...

    async def release(self, key: str) -> None:
        """The turn failed: a retry must be answered."""
        ...


async def claim_or_wait(store: DedupStore, key: str, request: str, *, wait_seconds: float) -> Claim:
    """`claim`, and while another request is answering the same key, wait for its reply (or for its
    claim to be released or to lapse); still busy after `wait_seconds` → BUSY. A store that does not
    answer within CALL_SECONDS raises TimeoutError."""
    loop = asyncio.get_running_loop()
    until = loop.time() + wait_seconds
    while True:
        found = await within(CALL_SECONDS, store.claim(key, request))
        if found.seen is not Seen.BUSY or loop.time() >= until:
            return found
        await asyncio.sleep(0.1)


class SqlDedupStore:
    """The embedded default and single-worker deployments: a table in the directory's database."""

    def __init__(
        self,
        engine: AsyncEngine,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        clock: Clock = time.time,
    ) -> None:
        self._runner = Runner(engine, on_loop=True)
        self._ttl, self._lease, self._clock = ttl_seconds, lease_seconds, clock

    async def claim(self, key: str, request: str) -> Claim:
        return await self._runner.write(_claim, key, request, self._clock(), self._ttl, self._lease)

    async def keep(self, key: str, reply: str) -> None:
        await self._runner.write(_keep, key, reply)

    async def release(self, key: str) -> None:
        await self._runner.write(_release, key)

    async def purge(self) -> int:
        """Deletes the keys past their time-to-live (the retention job); returns how many."""
        return await self._runner.bulk_write(_purge, self._clock())


# Built once (a text() parses its SQL each time it is made).
_CLAIM = text(
    "INSERT INTO webhook_reply (key, request_hash, reply, claimed_at, expires_at) "
    "VALUES (:k, :h, NULL, :now, :e) ON CONFLICT (key) DO NOTHING"
)
_CLAIMED = text("SELECT request_hash, reply, claimed_at, expires_at FROM webhook_reply WHERE key = :k")
_TAKE_OVER = text(
    "UPDATE webhook_reply SET request_hash = :h, reply = NULL, claimed_at = :now, "
    "expires_at = :e WHERE key = :k AND claimed_at = :was"
)
_KEEP = text("UPDATE webhook_reply SET reply = :r WHERE key = :k")
_RELEASE = text("DELETE FROM webhook_reply WHERE key = :k AND reply IS NULL")
_PURGE = text("DELETE FROM webhook_reply WHERE expires_at <= :now")


def _claim(conn: Statements, key: str, request: str, now: float, ttl: float, lease: float) -> Claim:
    inserted = conn.execute(_CLAIM, {"k": key, "h": request, "now": now, "e": now + ttl}).rowcount
    if inserted == 1:
        return Claim(Seen.NEW)
    row = conn.execute(_CLAIMED, {"k": key}).one()
    if row.expires_at <= now or (row.reply is None and row.claimed_at <= now - lease):
        taken = conn.execute(  # expired, or its worker died: take it over (once, if two race)
            _TAKE_OVER, {"k": key, "h": request, "now": now, "e": now + ttl, "was": row.claimed_at}
        ).rowcount
        return Claim(Seen.NEW) if taken == 1 else Claim(Seen.BUSY)
    if row.request_hash != request:
        return Claim(Seen.OTHER)
    return Claim(Seen.BUSY) if row.reply is None else Claim(Seen.REPLAY, row.reply)


def _keep(conn: Statements, key: str, reply: str) -> None:
    conn.execute(_KEEP, {"k": key, "r": reply})


def _release(conn: Statements, key: str) -> None:
    conn.execute(_RELEASE, {"k": key})


def _purge(conn: Statements, now: float) -> int:
    return conn.execute(_PURGE, {"now": now}).rowcount


async def settle(store: DedupStore, key: str, reply: str | None) -> None:
    """Keeps the reply for a retry, or releases the key when the turn failed (the retry is then
    answered), within CALL_SECONDS. Raises what the store raises."""
    await within(CALL_SECONDS, store.keep(key, reply) if reply is not None else store.release(key))
