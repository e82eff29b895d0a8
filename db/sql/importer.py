"""Importing Soliguide place exports: validate each record, write the file in batches in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, delete, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from db.categories import Taxonomy, taxonomy
from db.index import candidate_mask
from db.soliguide import PlaceRecord, RecordError, read_place
from db.sql.bulk import BulkWriter
from db.sql.errors import ImportDatabaseError, ImportFailure, ImportFileError, database_cause, one_line
from db.sql.exports import MAX_INFLATED_BYTES, read_documents, stream_documents
from db.sql.models import CategoryRow, ImportRunRow, PlaceRow, SearchPointRow, ServiceRow, StopRow

__all__ = [
    "BATCH",
    "REPORT_LIMIT",
    "ImportDatabaseError",
    "ImportFailure",
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "import_documents",
    "import_file",
    "read_documents",
    "sync_categories",
    "validate",
]

log = logging.getLogger(__name__)

BATCH = 500  # places validated, then written, at a time: what bounds the importer's memory
REPORT_LIMIT = 1000  # rejected records listed in a report and in import_run; the rest are counted


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    lieu_id: object
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    filename: str
    source: str
    created: int
    updated: int
    rejected: tuple[Rejected, ...]  # the first REPORT_LIMIT of them
    more_rejected: int = 0  # rejected records past those listed

    @property
    def imported(self) -> int:
        return self.created + self.updated

    @property
    def rejected_count(self) -> int:
        return len(self.rejected) + self.more_rejected


def sync_categories(engine: Engine, tax: Taxonomy | None = None) -> None:
    """The taxonomy table mirrors db/data/soliguide_categories.json.

    Every worker runs this at start: an upsert (not delete + insert) lets several start at once on
    PostgreSQL, where the second delete + insert collided with the first one's rows.
    """
    tax = tax or taxonomy()
    rows = [
        {"id": c.id, "parent": c.parent, "level": c.level, "rank": c.rank, "labels": c.labels}
        for c in tax.by_id.values()
    ]
    upsert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = upsert(CategoryRow).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={k: statement.excluded[k] for k in ("parent", "level", "rank", "labels")}
    )
    with engine.begin() as conn:
        conn.execute(delete(CategoryRow).where(col(CategoryRow.id).not_in(list(tax.by_id))))
        conn.execute(statement)


def _shown_id(doc: Any) -> object:
    lieu_id = doc.get("lieu_id") if isinstance(doc, dict) else None
    if isinstance(lieu_id, str):
        return lieu_id[:40]
    return lieu_id if isinstance(lieu_id, int) or lieu_id is None else repr(lieu_id)[:40]


@dataclass(slots=True)
class _Tally:
    """What one file did so far: counts, the first rejections, and which places it already wrote."""

    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    more_rejected: int = 0
    written: set[int] = field(default_factory=set)  # lieu_ids of this file: one int per place

    def reject(self, index: int, doc: Any, reason: str) -> None:
        if len(self.rejected) < REPORT_LIMIT:
            self.rejected.append(Rejected(index, _shown_id(doc), one_line(reason)))
        else:
            self.more_rejected += 1


def validate(docs: Iterable[Any], tax: Taxonomy) -> tuple[list[PlaceRecord], list[Rejected]]:
    """Every record of an in-memory list checked at once, for tests and tools; imports stream."""
    tally = _Tally()
    records: dict[int, PlaceRecord] = {}
    for batch in _batches(docs, tax, tally, None):
        records.update((r.lieu_id, r) for r in batch)
    return list(records.values()), tally.rejected


def _batches(
    docs: Iterable[Any], tax: Taxonomy, tally: _Tally, progress: Callable[[int], None] | None
) -> Iterator[list[PlaceRecord]]:
    """Valid records, BATCH distinct places at a time; a later copy of a place in a batch wins (one
    in a later batch replaces the earlier one as a re-import does)."""
    records: dict[int, PlaceRecord] = {}
    read = 0
    for index, doc in enumerate(docs):
        read += 1
        try:
            record = read_place(doc, tax)
        except RecordError as exc:
            tally.reject(index, doc, str(exc))
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            tally.reject(index, doc, f"malformed record: {exc}")
        else:
            records.pop(record.lieu_id, None)
            records[record.lieu_id] = record
        if len(records) >= BATCH:
            yield list(records.values())
            records.clear()
            if progress:
                progress(read)
            read = 0
    if records:
        yield list(records.values())
    if progress and read:
        progress(read)


def _search_points(
    batch: list[PlaceRecord],
    place_ids: dict[int, int],
    stops: list[dict[str, Any]],
    services: list[dict[str, Any]],
    tax: Taxonomy,
) -> list[dict[str, Any]]:
    """Every (stop, service) pair of the places a search may show: ONLINE and visible to all."""
    searchable = {
        place_ids[r.lieu_id]: r.place
        for r in batch
        if r.place["status"] == "ONLINE" and r.place["visibility"] == "ALL"
    }
    by_place: dict[int, list[dict[str, Any]]] = {}
    for service in services:
        by_place.setdefault(service["place_id"], []).append(service)
    masks: dict[tuple[int, int, bool, int], str] = {}
    points = []
    for stop in stops:
        place = searchable.get(stop["place_id"])
        if place is None:
            continue
        for service in by_place.get(stop["place_id"], ()):
            # Most services follow their place's hours: one mask per set of hours a pair reads (the
            # records live through the batch, so their ids stay theirs).
            own = service["different_hours"]
            key = (id(place), id(stop["hours"]), own, id(service["hours"]) if own else 0)
            mask = masks.get(key)
            if mask is None:
                mask = masks[key] = f"{candidate_mask(place, stop, service):042x}"
            points.append(
                {
                    "place_id": stop["place_id"],
                    "stop_id": stop["id"],
                    "service_id": service["id"],
                    "lat": stop["lat"],
                    "lon": stop["lon"],
                    "category_code": tax.code(service["category"]),
                    "hour_mask": mask,
                }
            )
    return points


def _write_batch(
    conn: Connection,
    batch: list[PlaceRecord],
    source: str,
    tax: Taxonomy,
    tally: _Tally,
    writer: BulkWriter | None = None,
) -> None:
    """Replace each place of the batch (same source + lieu_id keeps its row id) with its stops,
    services and search points: a few statements per batch, whatever its size (db/sql/bulk.py).
    A file's batches share one `writer`, which may keep SQLite's R*Tree for the end."""
    writer = writer or BulkWriter(conn)
    keys = [(source, r.lieu_id) for r in batch]
    found = conn.execute(
        select(col(PlaceRow.lieu_id), col(PlaceRow.id)).where(
            tuple_(col(PlaceRow.source), col(PlaceRow.lieu_id)).in_(keys)
        )
    )
    existing: dict[int, int] = {lieu_id: cast(int, pid) for lieu_id, pid in found}
    # New places' ids before the deletes: after them, max(id) + 1 could be a re-imported place's id.
    fresh = iter(writer.ids(PlaceRow, sum(1 for r in batch if r.lieu_id not in existing)))
    if existing:
        ids = list(existing.values())
        conn.execute(delete(SearchPointRow).where(col(SearchPointRow.place_id).in_(ids)))
        conn.execute(delete(ServiceRow).where(col(ServiceRow.place_id).in_(ids)))
        conn.execute(delete(StopRow).where(col(StopRow.place_id).in_(ids)))
        conn.execute(delete(PlaceRow).where(col(PlaceRow.id).in_(ids)))
    place_ids = {r.lieu_id: existing[r.lieu_id] if r.lieu_id in existing else next(fresh) for r in batch}
    writer.insert(PlaceRow, [{**r.place, "source": source, "id": place_ids[r.lieu_id]} for r in batch])
    stops = [{**s, "place_id": place_ids[r.lieu_id]} for r in batch for s in r.stops]
    for stop, stop_id in zip(stops, writer.ids(StopRow, len(stops)), strict=True):
        stop["id"] = stop_id
    writer.insert(StopRow, stops)
    services = [{**s, "place_id": place_ids[r.lieu_id]} for r in batch for s in r.services]
    for service, service_id in zip(services, writer.ids(ServiceRow, len(services)), strict=True):
        service["id"] = service_id
    writer.insert(ServiceRow, services)
    points = _search_points(batch, place_ids, stops, services, tax)
    for point, point_id in zip(points, writer.ids(SearchPointRow, len(points)), strict=True):
        point["id"] = point_id
    writer.insert(SearchPointRow, points)
    for record in batch:
        if record.lieu_id in tally.written:
            continue  # a second copy in this file: already counted
        tally.written.add(record.lieu_id)
        if record.lieu_id in existing:
            tally.updated += 1
        else:
            tally.created += 1


def import_documents(
    engine: Engine,
    docs: Iterable[Any],
    *,
    source: str,
    filename: str = "<memory>",
    progress: Callable[[int], None] | None = None,
    finish: Callable[[Connection, ImportReport], None] | None = None,
) -> ImportReport:
    """Validate and write the documents BATCH places at a time, all in one transaction.

    A bad record is skipped and listed; the others are imported. Anything that stops the file —
    the reader finding it truncated or too big (ImportFileError, possibly after thousands of
    places), the database refusing a write or going away (ImportDatabaseError) — rolls the whole
    file back: the database is as it was, and no import_run row says the file was loaded.
    Memory holds one batch, not the file; the database holds the uncommitted rows.

    `finish`, when given, runs in that transaction after the last batch, in place of the file's
    import_run row: the live sync (db/sql/sync.py) marks there the places that disappeared and
    records its run, so that a run commits or rolls back whole.

    Raises:
        ImportFileError: the reader could not go on (documents from `stream_documents`).
        ImportDatabaseError: the database failed; its message holds no SQL parameter.
    """
    tax = taxonomy()
    started = datetime.now(UTC)
    tally = _Tally()
    with import_transaction(engine) as conn:
        writer = BulkWriter(conn)
        for batch in _batches(docs, tax, tally, progress):
            _write_batch(conn, batch, source, tax, tally, writer)
            writer.defer_search_index()  # from the second batch on: a file of one batch keeps it
        writer.finish()
        if finish is not None:
            created, updated, more = tally.created, tally.updated, tally.more_rejected
            finish(conn, ImportReport(filename, source, created, updated, tuple(tally.rejected), more))
        else:
            conn.execute(
                insert(ImportRunRow).values(
                    source=source,
                    filename=filename,
                    started_at=started,
                    imported=tally.created + tally.updated,
                    rejected=len(tally.rejected) + tally.more_rejected,
                    report=[
                        {"index": r.index, "lieu_id": r.lieu_id, "reason": r.reason} for r in tally.rejected
                    ],
                )
            )
    report = ImportReport(
        filename, source, tally.created, tally.updated, tuple(tally.rejected), tally.more_rejected
    )
    log.info(
        "import file=%s created=%d updated=%d rejected=%d",
        filename,
        report.created,
        report.updated,
        report.rejected_count,
    )
    return report


@contextmanager
def import_transaction(engine: Engine) -> Iterator[Connection]:
    """One file's transaction, on a connection with a lean page cache (`_lean_cache`): a database
    failure becomes ImportDatabaseError (no SQL parameter in it); the cache is restored, and fresh
    statistics computed once the file is committed."""
    try:
        conn = engine.connect()
        saved = _lean_cache(conn)
    except SQLAlchemyError as exc:
        raise ImportDatabaseError(database_cause(exc)) from exc
    committed = False
    with conn:
        try:
            with conn.begin():
                yield conn
            committed = True
        except SQLAlchemyError as exc:
            raise ImportDatabaseError(database_cause(exc)) from exc
        finally:
            _after_import(conn, saved, analyze=committed)


IMPORT_CACHE_KIB = 8192  # SQLite page cache while importing; searches keep the engine's 64 MiB


def _lean_cache(conn: Connection) -> tuple[int, int] | None:
    """On SQLite, a small page cache and no memory map while importing: the engine's are sized for
    searches, and a long import would fill them with pages it never reads again, so the importer's
    memory would grow with the database (by up to 64 + 256 MiB) instead of staying flat."""
    if conn.dialect.name != "sqlite":
        return None
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    mmap = int(conn.exec_driver_sql("PRAGMA mmap_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    conn.exec_driver_sql("PRAGMA mmap_size=0")
    conn.commit()
    return cache, mmap


def _after_import(conn: Connection, saved: tuple[int, int] | None, *, analyze: bool) -> None:
    """Fresh statistics after a commit (SQLite then drives searches from the R*Tree), then the
    connection's own cache back. The file is committed or rolled back by now: a failure here is
    only a warning, searches still work with the statistics they had."""
    if conn.invalidated:  # PostgreSQL went away: the pool drops this connection
        return
    try:
        if conn.in_transaction():
            conn.rollback()
        if analyze:
            conn.execute(text("ANALYZE"))
        if saved is not None:
            conn.exec_driver_sql(f"PRAGMA cache_size={saved[0]}")
            conn.exec_driver_sql(f"PRAGMA mmap_size={saved[1]}")
        conn.commit()
    except SQLAlchemyError as exc:
        log.warning("import: statistics not refreshed: %s", database_cause(exc))


def import_file(
    engine: Engine,
    path: Path,
    *,
    source: str,
    progress: Callable[[int], None] | None = None,
    max_inflated_bytes: int = MAX_INFLATED_BYTES,
) -> ImportReport:
    """One export file, streamed (see `import_documents` for what a failure leaves behind)."""
    docs = stream_documents(path, max_inflated_bytes=max_inflated_bytes)
    try:
        return import_documents(engine, docs, source=source, filename=str(path), progress=progress)
    finally:
        docs.close()
