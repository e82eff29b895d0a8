"""Time limits that hold even when the work does not yield to cancellation at once.

`asyncio.timeout` only cancels: a database driver stuck opening a connection to a blackholed host
(psycopg waits out its own connect timeout, once per address and SSL mode) keeps the request
waiting well past the limit, and Twilio's 15 s with it. `within` stops waiting at the limit; the
work is cancelled and left to finish on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def within(seconds: float | None, work: Coroutine[Any, Any, T]) -> T:
    """The result of `work`, or TimeoutError once `seconds` have passed (None: no limit)."""
    if seconds is None:
        return await work
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_quiet)
        raise TimeoutError(f"no answer within {seconds:g} s")
    return task.result()


def _quiet(task: asyncio.Task[Any]) -> None:
    """An abandoned task's failure is expected: retrieved, so asyncio does not log it as lost."""
    if not task.cancelled():
        task.exception()
