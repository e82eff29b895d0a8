"""Soliguide's partner API into the directory: one sync run, and its schedule inside `solibot serve`.

A run lists every department first, into a spool file (a few kilobytes a place, on disk, not in
memory), then writes it through the importer in one transaction. Nothing is written while the API is
being read, so an API that keeps failing, a token refused or a run stopped half-way leaves the
directory exactly as it was; and the database is locked for the write only, not for the listing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any, Protocol

from sqlalchemy import Engine

from bot.settings import Settings
from bot.soliguide_api import LISTINGS, ApiFailure, Retry, SoliguideApi
from db import Department, departments
from db.sql import (
    SyncLock,
    SyncReport,
    describe_failure,
    last_sync_started,
    make_engine,
    record_failed_sync,
    write_sync,
)

log = logging.getLogger(__name__)

SOURCE = "soliguide"  # the places' source: the same as `solibot import`'s, so an export and the sync agree
POLL_SECONDS = 60.0  # how often each worker of `solibot serve` looks whether a run is due


class SyncBusy(Exception):
    """Another worker or command holds the sync lock of this database."""


class SyncProgress(Protocol):
    def fetched(self, places: int, announced: int) -> None:
        """`places` more listed; `announced` is what the listings so far said they hold."""

    def written(self, places: int) -> None: ...


def describe(exc: BaseException) -> str:
    """Why a run failed, in one line with no token, record content or SQL parameter."""
    if isinstance(exc, ApiFailure | SyncBusy):
        return str(exc)
    return describe_failure(exc)


def resolve_departments(codes: Sequence[str]) -> tuple[Department, ...]:
    """Department codes ("67", "2A", "974") → Soliguide's departments; ValueError names the unknown."""
    known = departments()
    found = [known.get(code.strip().upper().zfill(2)) for code in codes]  # "1" is Ain, "01"
    unknown = [code for code, dept in zip(codes, found, strict=True) if dept is None]
    if unknown:
        raise ValueError(f"unknown department code {', '.join(unknown)} (a code such as 67, 2A or 974)")
    return tuple(dict.fromkeys(d for d in found if d is not None))


@dataclass(slots=True)
class _Listed:
    """What the listing phase found: lieu_ids (a few bytes each) and the departments listed whole."""

    seen: set[int] = field(default_factory=set)
    complete: list[str] = field(default_factory=list)
    announced: int = 0


async def _list(
    api: SoliguideApi, depts: Sequence[Department], spool: IO[bytes], progress: SyncProgress | None
) -> _Listed:
    """Every listing of every department into the spool, each place once. A department is listed
    whole when each listing gave as many distinct places as it announced: only then may its places
    that are missing be taken as gone (pages that shifted under a change would otherwise make a
    place look gone)."""
    listed = _Listed()
    for dept in depts:
        whole = True
        for listing in LISTINGS:
            ids: set[int] = set()
            total = 0
            async for page in api.pages(dept.slug, listing):
                if page.number == 1:
                    listed.announced += page.total
                total = page.total
                new = 0
                for doc in page.places:
                    lieu_id = doc.get("lieu_id") if isinstance(doc, dict) else None
                    if isinstance(lieu_id, int) and not isinstance(lieu_id, bool):
                        ids.add(lieu_id)
                        if lieu_id in listed.seen:
                            continue  # another page or listing gave it already
                        listed.seen.add(lieu_id)
                    spool.write(json.dumps(doc, ensure_ascii=False).encode() + b"\n")
                    new += 1
                if progress is not None:
                    progress.fetched(new, listed.announced)
            if len(ids) < total:
                whole = False
                log.warning("sync %s %s: %d of %d places listed", dept.slug, listing, len(ids), total)
        if whole:
            listed.complete.append(dept.code)
    return listed


def _spooled(spool: IO[bytes]) -> Iterator[Any]:
    spool.seek(0)
    for line in spool:
        yield json.loads(line)


@asynccontextmanager
async def _held(lock: SyncLock) -> AsyncIterator[None]:
    """The lock for the body. A thread cannot be stopped: cancelled while it takes the lock (the web
    service stopping), we wait for it and give back what it took rather than leave it held."""
    acquiring = asyncio.ensure_future(asyncio.to_thread(lock.acquire))
    try:
        got = await asyncio.shield(acquiring)
    except asyncio.CancelledError:
        if await acquiring:
            await asyncio.to_thread(lock.release)
        raise
    if not got:
        raise SyncBusy("another sync of this database is running")
    try:
        yield
    finally:
        await asyncio.to_thread(lock.release)


async def sync_soliguide(
    engine: Engine,
    api: SoliguideApi,
    depts: Sequence[Department],
    *,
    source: str = SOURCE,
    progress: SyncProgress | None = None,
    clock: Callable[[], datetime],
    due: Callable[[datetime | None], bool] | None = None,
) -> SyncReport | None:
    """One run under the database's sync lock: list, then write in one transaction. A run that fails
    is recorded with its cause and raises it (ApiFailure, ImportFailure); the directory is untouched.
    `due`, given the start of the last run over these departments, may decline the run (None).

    Raises:
        SyncBusy: another worker or command is syncing this database.
    """
    codes = [d.code for d in depts]
    async with _held(SyncLock(engine)):
        if due is not None and not due(await asyncio.to_thread(last_sync_started, engine, codes)):
            return None
        started = clock()
        with tempfile.TemporaryFile() as spool:
            try:
                listed = await _list(api, depts, spool, progress)
                return await asyncio.to_thread(
                    write_sync,
                    engine,
                    _spooled(spool),
                    source=source,
                    departments=codes,
                    complete=listed.complete,
                    seen=listed.seen,
                    started=started,
                    calls=api.calls.as_dict(),
                    clock=clock,
                    progress=progress.written if progress is not None else None,
                )
            except Exception as exc:
                await asyncio.to_thread(
                    record_failed_sync,
                    engine,
                    departments=codes,
                    started=started,
                    error=describe(exc),
                    calls=api.calls.as_dict(),
                    clock=clock,
                )
                raise


def soliguide_api(settings: Settings, retry: Retry | None = None) -> SoliguideApi:
    token = settings.soliguide_api_token
    return SoliguideApi(settings.soliguide_api_url, token.get_secret_value() if token else None, retry=retry)


async def sync_on_schedule(
    settings: Settings,
    every: timedelta,
    *,
    clock: Callable[[], datetime],
    poll_seconds: float = POLL_SECONDS,
    retry: Retry | None = None,
) -> None:
    """For the life of the web service, in every worker: each `poll_seconds`, take the lock and run
    when the last run over these departments (any worker's, or `solibot sync`'s) started `every`
    ago or more. A failed run counts as a run: a failing API is asked again after `every`, not every
    minute. The lock makes one worker sync while the others keep answering."""
    try:
        depts = resolve_departments(settings.sync_departments())
    except ValueError as exc:
        log.error("scheduled sync disabled: SOLIGUIDE_SYNC_DEPARTMENTS: %s", exc)
        return
    engine = make_engine(settings.database_url)

    def due(last: datetime | None) -> bool:
        return last is None or clock() - last >= every

    try:
        while True:
            api = soliguide_api(settings, retry)
            try:
                report = await sync_soliguide(engine, api, depts, clock=clock, due=due)
            except SyncBusy:
                pass
            except Exception as exc:  # noqa: BLE001 - recorded with the run; tried again when due
                log.warning("scheduled sync failed: %s", describe(exc))
            else:
                if report is not None:
                    log.info("scheduled sync %s: %d rejected", report.label, report.rejected_count)
            finally:
                await api.aclose()
            await asyncio.sleep(poll_seconds)
    finally:
        engine.dispose()


def start_schedule(settings: Settings, clock: Callable[[], datetime]) -> asyncio.Task[None] | None:
    """The scheduled sync of `solibot serve`, when SOLIGUIDE_SYNC_EVERY is set."""
    if settings.soliguide_sync_every is None:
        return None
    return asyncio.create_task(sync_on_schedule(settings, settings.soliguide_sync_every, clock=clock))
