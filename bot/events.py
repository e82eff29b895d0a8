"""Recording search events off the reply path: a bounded queue per worker, one writer task, and the
retention fold (issue 14; what is kept and why: docs/indicators.md)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from db.sql import Runner, fold_events, insert_events
from handlers import Probe, SearchEvent, Supply

log = logging.getLogger(__name__)

Measure = Callable[[Probe], Awaitable[Supply | None]]  # None: not measured (the worker is busy)
CAPACITY = 2000  # events waiting per worker; past it new ones are dropped (and counted), never waited for
BATCH = 100  # events written in one insert
MEASURE_SECONDS = 2.0  # a measure slower than this is dropped: the event is kept without it
WRITE_SECONDS = 5.0
CLOSE_SECONDS = 3.0  # what a stopping worker (or the console) waits for its last events
LOG_EVERY_SECONDS = 60.0  # one warning a minute when recording fails, not one per turn


def row_of(event: SearchEvent, supply: Supply | None) -> dict[str, object]:
    """The stored columns: nothing else of the event (its probe, the point) leaves this function."""
    return {
        "kind": event.kind.value,
        "day": event.day,
        "hour": event.hour,
        "department": event.department,
        "commune": event.commune,
        "categories": ",".join(event.categories)[:255],
        "channel": event.channel,
        "lang": event.lang,
        "role": event.role,
        "nothing_found": event.nothing_found,
        "open_1km": supply.open_1km if supply else None,
        "open_5km": supply.open_5km if supply else None,
        "open_30km": supply.open_30km if supply else None,
        "nearest_open_km": supply.nearest_open_km if supply else None,
    }


class EventRecorder:
    """`offer` is all a turn pays: a put on an in-memory queue (a few microseconds), never awaited. A
    writer task measures what was open around each search, one at a time, then inserts in batches.
    A database down or slow loses events (logged once a minute), never a reply."""

    def __init__(
        self,
        engine: AsyncEngine,
        measure: Measure | None = None,
        *,
        capacity: int = CAPACITY,
        batch: int = BATCH,
    ) -> None:
        self._runner = Runner(engine)
        self._measure = measure
        self._queue: asyncio.Queue[SearchEvent] = asyncio.Queue(maxsize=capacity)
        self._batch = batch
        self._task: asyncio.Task[None] | None = None
        self._last_warning = 0.0
        self.dropped = 0
        self.failed = 0
        self.written = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="search-events")

    def offer(self, event: SearchEvent) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            self._warn("search events queue full: %d dropped so far", self.dropped)

    async def flush(self) -> None:
        """Waits until every event offered so far is written or given up (tests, benchmarks)."""
        await self._queue.join()

    async def close(self) -> None:
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), CLOSE_SECONDS)
        except TimeoutError:
            log.warning("search events: %d not written at shutdown", self._queue.qsize())
        self._task.cancel()
        self._task = None

    def _warn(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last_warning >= LOG_EVERY_SECONDS:
            self._last_warning = now
            log.warning(message, *args)

    async def _run(self) -> None:
        while True:
            events = [await self._queue.get()]
            while len(events) < self._batch and not self._queue.empty():
                events.append(self._queue.get_nowait())
            try:
                rows = [row_of(event, await self._supply(event)) for event in events]
                await asyncio.wait_for(self._runner.write(insert_events, rows), WRITE_SECONDS)
                self.written += len(rows)
            except Exception as exc:  # noqa: BLE001 - statistics never stop the service
                self.failed += len(events)
                self._warn("search events not recorded (%d): %s", len(events), exc.__class__.__name__)
            finally:
                for _ in events:
                    self._queue.task_done()

    async def _supply(self, event: SearchEvent) -> Supply | None:
        if self._measure is None or event.probe is None:
            return None
        if self._queue.qsize() > self._queue.maxsize // 2:
            return None  # behind: keep up by storing events without their measure
        try:
            return await asyncio.wait_for(self._measure(event.probe), MEASURE_SECONDS)
        except Exception as exc:  # noqa: BLE001 - the event is still worth keeping without it
            self._warn("open places not measured: %s", exc.__class__.__name__)
            return None

    async def fold(self, today: date, retention_days: int) -> int:
        """Raw events older than `retention_days` folded into monthly aggregates and deleted, a batch
        per transaction. Returns how many were folded."""
        before = today - timedelta(days=retention_days)
        folded = 0
        while True:
            n = await self._runner.write(fold_events, before)
            folded += n
            if n == 0:
                return folded
