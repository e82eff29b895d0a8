"""The Redis stores, for several web workers: conversations (compare-and-set on a version, Redis's own
time-to-live, the opt-outs kept in SQL) and webhook de-duplication. Imported only when REDIS_URL is
set: the embedded default runs without Redis (and without the 0.7 s its client takes to import)."""

from __future__ import annotations

import logging
import time
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dedup import DEFAULT_LEASE_SECONDS, DEFAULT_TTL_SECONDS, Claim, Clock, Seen
from bot.stores import opted_out, stored, write_opt_out
from db.sql import Runner
from handlers import DEFAULT_TTL_SECONDS as SESSION_TTL_SECONDS
from handlers import Conversation, Stored, dump_conversation

UNKNOWN = -1  # the version of a session that could not be read
log = logging.getLogger(__name__)


# Compare-and-set of one session hash: the version, then the data with its time-to-live.
_CAS = """
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(ARGV[1]) + 1), 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


class RedisSessionStore:
    """Sessions shared by every web worker, with Redis's own time-to-live; opt-outs in SQL."""

    def __init__(
        self,
        client: Redis,
        engine: AsyncEngine,
        prefix: str = "solibot:",
        ttl_seconds: int = SESSION_TTL_SECONDS,
        clock: Clock = time.time,
    ) -> None:
        self._redis, self._prefix, self._ttl, self._clock = client, prefix, ttl_seconds, clock
        self._runner = Runner(engine, on_loop=True)
        self._cas = client.register_script(_CAS)

    def _session(self, user_key: str) -> str:
        return f"{self._prefix}conv:{user_key}"

    async def load(self, user_key: str) -> Stored:
        """Redis down: the person is answered as a new conversation (version UNKNOWN, not saved);
        the opt-out is read from SQL all the same, so someone who sent STOP stays silent."""
        opt_out = await self._runner.read(opted_out, user_key)
        try:
            found = await self._redis.hmget(self._session(user_key), ["d", "v"])
        except (RedisError, OSError) as exc:
            log.warning(
                "session store unavailable (%s): answering without the conversation", exc.__class__.__name__
            )
            return stored(None, UNKNOWN, opt_out)
        data = found[0].decode() if isinstance(found[0], bytes) else found[0]
        return stored(data, int(found[1] or 0), opt_out)

    async def save(
        self, user_key: str, conv: Conversation, *, version: int, lift_opt_out: bool = False
    ) -> bool:
        """The opt-out goes to the database (durable, unlike Redis) only once the session's
        compare-and-set has won: a STOP that lost the race is computed again on the newer state, which
        must not already say "opted out" (it would then be silent, and the STOP never confirmed)."""
        if version == UNKNOWN:
            if conv.opted_out:  # Redis is down: the database alone keeps the STOP
                await self._runner.write(write_opt_out, user_key, conv, False, self._clock())
            return True  # nothing to compare with, nothing else kept
        saved = await self._cas(
            keys=[self._session(user_key)], args=[str(version), dump_conversation(conv), self._ttl]
        )
        if saved and (conv.opted_out or lift_opt_out):
            try:
                await self._runner.write(write_opt_out, user_key, conv, lift_opt_out, self._clock())
            except Exception:
                if conv.opted_out:
                    # Not durable, so not kept: Redis alone would forget it at its expiry or restart.
                    # The caller answers the unavailable notice, and the person sends STOP again.
                    with suppress(RedisError, OSError):
                        await self._redis.delete(self._session(user_key))
                raise
        return bool(saved)

    async def forget(self, user_key: str) -> None:
        await self._redis.delete(self._session(user_key))

    async def ping(self) -> None:
        await self._redis.ping()


# KEYS[1] the key's hash; ARGV: request hash, now, ttl, lease. Returns {seen, reply}.
_CLAIM = """
local found = redis.call('HMGET', KEYS[1], 'h', 'r', 'c')
local now, lease = tonumber(ARGV[2]), tonumber(ARGV[4])
if not found[1] or (not found[2] and tonumber(found[3]) <= now - lease) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'h', ARGV[1], 'c', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return {'new', false}
end
if found[1] ~= ARGV[1] then return {'other', false} end
if not found[2] then return {'busy', false} end
return {'replay', found[2]}
"""


class RedisDedupStore:
    """Several workers: one Lua script claims atomically, so two workers receiving the same retry race
    safely; Redis's own time-to-live forgets the keys."""

    def __init__(
        self,
        redis: Redis,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        prefix: str = "solibot:reply:",
        clock: Clock = time.time,
    ) -> None:
        self._redis, self._ttl, self._lease, self._prefix, self._clock = (
            redis,
            ttl_seconds,
            lease_seconds,
            prefix,
            clock,
        )
        self._claim = redis.register_script(_CLAIM)

    async def claim(self, key: str, request: str) -> Claim:
        seen, reply = await self._claim(
            keys=[self._prefix + key], args=[request, repr(self._clock()), self._ttl, repr(self._lease)]
        )
        seen = Seen(seen.decode() if isinstance(seen, bytes) else seen)
        if seen is not Seen.REPLAY:
            return Claim(seen)
        return Claim(seen, reply.decode() if isinstance(reply, bytes) else str(reply or ""))

    async def keep(self, key: str, reply: str) -> None:
        await self._redis.hset(self._prefix + key, "r", reply)

    async def release(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)
