"""A live sync run in the database: one transaction writes its places, sets those gone offline, records it."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from db.sql.errors import database_cause
from db.sql.importer import ImportReport, Rejected, import_documents
from db.sql.models import ImportRunRow, PlaceRow, SearchPointRow

log = logging.getLogger(__name__)

SYNC_SOURCE = "soliguide-api"  # import_run.source of a sync run; its places keep their own source
LOCK_KEY = 0x736F6C69627A  # PostgreSQL advisory lock of the sync, one per database
CHUNK = 500  # places set offline per statement
# A department that would lose more than this share of its places in one run (FEW_GONE or more) is
# held back: an account not allowed that territory, or an answer emptied by an incident on Soliguide's
# side, lists nothing there, and must not read as every place closing at once. Nor may a department
# all of whose places are missing, however few they are.
MOST_GONE_AT_ONCE = 0.5
FEW_GONE = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


def sync_label(departments: Sequence[str]) -> str:
    """The run's import_run.filename: which departments it covers, the key of its schedule."""
    return "sync " + ",".join(sorted(departments))


@dataclass(frozen=True, slots=True)
class SyncReport:
    label: str
    created: int
    updated: int
    offline: int  # places that were online here and are no longer in Soliguide's answer
    rejected: tuple[Rejected, ...]  # the first REPORT_LIMIT of them
    more_rejected: int
    unchecked: tuple[str, ...]  # departments listed incompletely: none of their places set offline
    held: tuple[str, ...] = ()  # departments where too many places were missing: none set offline

    @property
    def rejected_count(self) -> int:
        return len(self.rejected) + self.more_rejected


def _set_offline(
    conn: Connection, source: str, departments: Collection[str], seen: Collection[int]
) -> tuple[int, tuple[str, ...]]:
    """Places of the source in those departments, online and public here, that the run did not list:
    set OFFLINE, their search points removed, their rows (and history) kept. Returns how many, and
    the departments held back (MOST_GONE_AT_ONCE)."""
    if not departments:
        return 0, ()
    rows = conn.execute(
        select(col(PlaceRow.id), col(PlaceRow.lieu_id), col(PlaceRow.department_code)).where(
            col(PlaceRow.source) == source,
            col(PlaceRow.department_code).in_(sorted(departments)),
            col(PlaceRow.status) == "ONLINE",
            col(PlaceRow.visibility) == "ALL",
        )
    )
    online: dict[str, int] = {}
    missing: dict[str, list[int]] = {}
    for place_id, lieu_id, department in rows:
        online[department] = online.get(department, 0) + 1
        if lieu_id not in seen and place_id is not None:
            missing.setdefault(department, []).append(place_id)
    gone: list[int] = []
    held: list[str] = []
    for department, ids in sorted(missing.items()):
        every = len(ids) == online[department]  # a small department listed empty: not all closing
        if every or (len(ids) >= FEW_GONE and len(ids) > MOST_GONE_AT_ONCE * online[department]):
            log.warning(
                "sync: %d of %d places of %s missing, none set offline",
                len(ids),
                online[department],
                department,
            )
            held.append(department)
        else:
            gone += ids
    for start in range(0, len(gone), CHUNK):
        ids = gone[start : start + CHUNK]
        conn.execute(delete(SearchPointRow).where(col(SearchPointRow.place_id).in_(ids)))
        conn.execute(update(PlaceRow).where(col(PlaceRow.id).in_(ids)).values(status="OFFLINE"))
    return len(gone), tuple(held)


def _rejected_json(rejected: Iterable[Rejected]) -> list[dict[str, Any]]:
    return [{"index": r.index, "lieu_id": r.lieu_id, "reason": r.reason} for r in rejected]


def write_sync(
    engine: Engine,
    docs: Iterable[Any],
    *,
    source: str,
    departments: Sequence[str],
    complete: Collection[str],
    seen: Collection[int],
    started: datetime,
    calls: Mapping[str, int],
    clock: Callable[[], datetime] = utc_now,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """The documents through the importer (validation, replacement by source + lieu_id, search
    points), then, in the same transaction, the places gone from the `complete` departments set
    offline and the run recorded: a run commits whole or not at all.

    Raises:
        ImportFailure: as `import_documents`; nothing is written.
    """
    label = sync_label(departments)
    unchecked = tuple(code for code in departments if code not in complete)
    offline: list[tuple[int, tuple[str, ...]]] = [(0, ())]

    def finish(conn: Connection, report: ImportReport) -> None:
        offline[0] = _set_offline(conn, source, complete, seen)
        conn.execute(
            insert(ImportRunRow).values(
                source=SYNC_SOURCE,
                filename=label,
                started_at=started.astimezone(UTC),
                imported=report.imported,
                rejected=report.rejected_count,
                report={
                    "departments": list(departments),
                    "finished_at": clock().astimezone(UTC).isoformat(),
                    "created": report.created,
                    "updated": report.updated,
                    "offline": offline[0][0],
                    "unchecked": list(unchecked),
                    "held": list(offline[0][1]),
                    **calls,
                    "error": None,
                    "rejected": _rejected_json(report.rejected),
                },
            )
        )

    report = import_documents(engine, docs, source=source, filename=label, progress=progress, finish=finish)
    log.info(
        "sync %s created=%d updated=%d offline=%d rejected=%d",
        label,
        report.created,
        report.updated,
        offline[0][0],
        report.rejected_count,
    )
    gone, held = offline[0]
    return SyncReport(
        label, report.created, report.updated, gone, report.rejected, report.more_rejected, unchecked, held
    )


def record_failed_sync(
    engine: Engine,
    *,
    departments: Sequence[str],
    started: datetime,
    error: str,
    calls: Mapping[str, int],
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """A run that wrote nothing, recorded with its cause so that an operator (and the schedule) sees
    it. A database too broken to take this row is only logged: the cause was already reported."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(ImportRunRow).values(
                    source=SYNC_SOURCE,
                    filename=sync_label(departments),
                    started_at=started.astimezone(UTC),
                    imported=0,
                    rejected=0,
                    report={
                        "departments": list(departments),
                        "finished_at": clock().astimezone(UTC).isoformat(),
                        **calls,
                        "error": error,
                    },
                )
            )
    except SQLAlchemyError as exc:
        log.warning("sync: failed run not recorded: %s", database_cause(exc))


def last_sync_started(engine: Engine, departments: Sequence[str]) -> datetime | None:
    """When the last run over these departments started, whatever its outcome (UTC)."""
    with engine.connect() as conn:
        found = conn.execute(
            select(func.max(col(ImportRunRow.started_at))).where(
                col(ImportRunRow.source) == SYNC_SOURCE, col(ImportRunRow.filename) == sync_label(departments)
            )
        ).scalar_one()
    if found is None:
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


class SyncLock:
    """One sync at a time per database, whichever worker or command runs it.

    PostgreSQL: a session advisory lock, held by one pooled connection for the run. SQLite: an
    exclusive `flock` on a file beside the database. Both are released by the server or the kernel
    when their holder dies, so a worker killed mid-run never leaves a stale lease behind."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """True when this process now holds the lock; False at once when another does."""
        if self._engine.dialect.name == "postgresql":
            conn = self._engine.connect()
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar_one()
            )
            conn.commit()
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        database = self._engine.url.database
        if not database or database == ":memory:":
            return True  # a private database: only this process sees it
        handle = Path(database + ".sync-lock").open("a", encoding="utf-8")  # noqa: SIM115 - held until release
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                if not conn.invalidated:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                    conn.commit()
            except SQLAlchemyError as exc:  # the session is closed rather than pooled: its lock goes
                log.warning("sync: lock not released cleanly: %s", database_cause(exc))
                conn.invalidate()
            finally:
                conn.close()
        if self._file is not None:
            handle, self._file = self._file, None
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
