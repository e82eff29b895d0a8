"""Webhook de-duplication: a Twilio MessageSid or a Telegram update_id is answered once.

Twilio retries a webhook that timed out and Telegram re-sends an update it did not see acknowledged;
answering twice would send the person two SMS (and bill them). A key is *claimed* before processing
and *released* if processing fails, so a retry after a crash is still answered.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 24 * 3600  # Twilio retries within minutes, Telegram within a day at most


class DedupStore(Protocol):
    async def claim(self, key: str) -> bool:
        """True the first time a key is seen (within the time-to-live), False for a repeat."""
        ...

    async def release(self, key: str) -> None: ...


class MemoryDedupStore:
    """One process: enough for a single worker; bounded so a flood cannot grow it forever."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def claim(self, key: str) -> bool:
        now = self._clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < self._ttl and len(self._seen) < self._max:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    async def release(self, key: str) -> None:
        self._seen.pop(key, None)


class RedisDedupStore:
    """Several workers: SET NX is atomic, so two workers receiving the same retry race safely."""

    def __init__(
        self, redis: Redis, ttl_seconds: int = DEFAULT_TTL_SECONDS, prefix: str = "solibot:dedup:"
    ) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefix = prefix

    async def claim(self, key: str) -> bool:
        return bool(await self._redis.set(self._prefix + key, b"1", nx=True, ex=self._ttl))

    async def release(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)
