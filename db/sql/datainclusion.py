"""Importing data·inclusion's structures and services: staged on disk, joined, written in one transaction.

The two files are flat JSON arrays, services pointing at their structure by id, in any order, and a
national dump does not fit in memory as objects. Each file is read as a stream (db/sql/exports.py:
gzip by magic bytes, bounded inflation and depth) into a temporary SQLite file on disk, one row per
record; structures are then read back one at a time with their services, turned into places
(db/datainclusion.py) and written BATCH places at a time by the Soliguide importer's writer, all in
one transaction: a pair of files goes in whole or not at all.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlmodel import col

from db.categories import Taxonomy, taxonomy
from db.datainclusion import SOLIGUIDE, DiPlace, Note, read_structure, soliguide_lieu_id
from db.schedule import PARIS
from db.soliguide import RecordError
from db.sql.errors import ImportFileError, one_line
from db.sql.exports import MAX_INFLATED_BYTES, stream_documents
from db.sql.external_ids import LieuIds
from db.sql.importer import BATCH, REPORT_LIMIT, _Tally, _write_batch, import_transaction
from db.sql.models import ImportRunRow, PlaceRow, SearchPointRow, ServiceRow, StopRow

__all__ = [
    "DATA_INCLUSION_SOURCE",
    "SOLIGUIDE_SOURCE",
    "DataInclusionReport",
    "Refused",
    "import_data_inclusion",
]

log = logging.getLogger(__name__)

DATA_INCLUSION_SOURCE = "data-inclusion"  # places are stored as source "data-inclusion:<producer>"
SOLIGUIDE_SOURCE = "soliguide"  # Soliguide itself, as `solibot import` and the sync name it
_STAGE_ROWS = 1000  # records written to the staging file at a time


@dataclass(frozen=True, slots=True)
class Refused:
    """A record not imported: which file, its position there, its id, and why."""

    file: str
    index: int
    record_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class DataInclusionReport:
    structures_file: str
    services_file: str
    created: int
    updated: int
    rejected: tuple[Refused, ...]  # the first REPORT_LIMIT of them
    more_rejected: int
    notes: tuple[Note, ...]  # the first REPORT_LIMIT: hours kept unknown, thematiques left out…
    note_counts: dict[str, int]  # every note, by kind
    soliguide_skipped: int  # Soliguide's own places, already loaded from Soliguide
    soliguide_removed: int  # earlier data·inclusion copies of those, deleted

    @property
    def imported(self) -> int:
        return self.created + self.updated

    @property
    def rejected_count(self) -> int:
        return len(self.rejected) + self.more_rejected


@dataclass(slots=True)
class _Run:
    """What the import did so far, beyond the Soliguide writer's tally."""

    tally: _Tally = field(default_factory=_Tally)
    rejected: list[Refused] = field(default_factory=list)
    more_rejected: int = 0
    notes: list[Note] = field(default_factory=list)
    note_counts: dict[str, int] = field(default_factory=dict)
    soliguide_skipped: int = 0
    soliguide_removed: int = 0

    def refuse(self, file: str, index: int, record_id: object, reason: str) -> None:
        if len(self.rejected) < REPORT_LIMIT:
            shown = record_id if isinstance(record_id, str) and record_id else "?"
            self.rejected.append(Refused(file, index, shown[:80], one_line(reason)))
        else:
            self.more_rejected += 1

    def note(self, notes: list[Note]) -> None:
        for note in notes:
            self.note_counts[note.kind] = self.note_counts.get(note.kind, 0) + 1
            if len(self.notes) < REPORT_LIMIT:
                self.notes.append(Note(note.kind, note.record_id[:80], one_line(note.detail)))


def _id(doc: Any, key: str) -> str | None:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value else None


def _stage(stage: sqlite3.Connection, structures: Path, services: Path, limit: int, run: _Run) -> None:
    """Both files into the staging database; a file that cannot be read raises ImportFileError
    naming it, before anything is written to the directory."""
    stage.execute("CREATE TABLE structure (id TEXT PRIMARY KEY, idx INTEGER, source TEXT, doc TEXT)")
    stage.execute("CREATE TABLE service (structure_id TEXT, idx INTEGER, doc TEXT)")
    for path, table in ((structures, "structure"), (services, "service")):
        rows: list[tuple[Any, ...]] = []
        try:
            for index, doc in enumerate(stream_documents(path, max_inflated_bytes=limit)):
                if index == 0:
                    _check_kind(path, doc, table)
                if table == "structure":
                    if (key := _id(doc, "id")) is None:
                        run.refuse(path.name, index, None, "no id")
                        continue
                    rows.append((key, index, _id(doc, "source"), json.dumps(doc)))
                else:
                    if (key := _id(doc, "structure_id")) is None:
                        run.refuse(path.name, index, _id(doc, "id"), "no structure_id")
                        continue
                    rows.append((key, index, json.dumps(doc)))
                if len(rows) >= _STAGE_ROWS:
                    _stage_rows(stage, table, rows)
        except ImportFileError as exc:
            raise ImportFileError(f"{path.name}: {exc}") from exc
        _stage_rows(stage, table, rows)
    stage.execute("CREATE INDEX service_structure ON service (structure_id, idx)")


def _stage_rows(stage: sqlite3.Connection, table: str, rows: list[tuple[Any, ...]]) -> None:
    if table == "structure":  # a structure given twice: the later copy wins, as a re-import would
        stage.executemany("INSERT OR REPLACE INTO structure VALUES (?, ?, ?, ?)", rows)
    else:
        stage.executemany("INSERT INTO service VALUES (?, ?, ?)", rows)
    rows.clear()


def _check_kind(path: Path, doc: Any, table: str) -> None:
    """Structures come first: a services file given in their place is said so, not half-imported."""
    is_service = isinstance(doc, dict) and "structure_id" in doc
    if table == "structure" and is_service:
        raise ImportFileError("holds services: give the structures file first, then the services file")
    if table == "service" and isinstance(doc, dict) and not is_service:
        raise ImportFileError("holds no services (no structure_id): give structures, then services")


def _soliguide_loaded(conn: Connection) -> frozenset[int]:
    rows = conn.execute(select(col(PlaceRow.lieu_id)).where(col(PlaceRow.source) == SOLIGUIDE_SOURCE))
    return frozenset(int(lieu_id) for lieu_id in rows.scalars())


def _remove(conn: Connection, source: str, lieu_ids: list[int]) -> int:
    """Earlier data·inclusion copies of a place Soliguide now gives itself: deleted with their rows."""
    if not lieu_ids:
        return 0
    found = conn.execute(
        select(col(PlaceRow.id)).where(col(PlaceRow.source) == source, col(PlaceRow.lieu_id).in_(lieu_ids))
    )
    ids = list(found.scalars())
    if ids:
        conn.execute(delete(SearchPointRow).where(col(SearchPointRow.place_id).in_(ids)))
        conn.execute(delete(ServiceRow).where(col(ServiceRow.place_id).in_(ids)))
        conn.execute(delete(StopRow).where(col(StopRow.place_id).in_(ids)))
        conn.execute(delete(PlaceRow).where(col(PlaceRow.id).in_(ids)))
    return len(ids)


def _source(prefix: str, producer: str) -> str:
    return f"{prefix}:{producer}"[:64]


def _places(
    stage: sqlite3.Connection,
    conn: Connection,
    names: tuple[str, str],
    prefix: str,
    run: _Run,
    tax: Taxonomy,
    lieu_ids: LieuIds,
    today: date,
    progress: Callable[[int], None] | None,
) -> Iterator[DiPlace]:
    """The places of every staged structure, in file order; rejections and notes go to `run`."""
    soliguide = _soliguide_loaded(conn)
    services = stage.cursor()
    for key, index, producer, text in stage.execute(
        "SELECT id, idx, source, doc FROM structure ORDER BY idx"
    ):
        staged = services.execute("SELECT idx, doc FROM service WHERE structure_id = ? ORDER BY idx", (key,))
        its = [(i, json.loads(doc)) for i, doc in staged]
        if progress:
            progress(1)
        if producer == SOLIGUIDE and soliguide:
            lieu = soliguide_lieu_id(key)
            if lieu is None or lieu in soliguide:
                run.soliguide_skipped += 1
                source = _source(prefix, SOLIGUIDE)
                run.soliguide_removed += _remove(conn, source, lieu_ids.find(source, key))
                continue
        try:
            reading = read_structure(json.loads(text), its, today=today, tax=tax)
        except (RecordError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            run.refuse(names[0], index, key, str(exc))
            for i, doc in its:
                run.refuse(names[1], i, _id(doc, "id"), f"its structure {key} was rejected")
            continue
        for i, record_id, reason in reading.rejected:
            run.refuse(names[1], i, record_id, reason)
        run.note(reading.notes)
        yield from reading.places
    orphans = "SELECT idx, doc FROM service WHERE structure_id NOT IN (SELECT id FROM structure) ORDER BY idx"
    for i, doc in stage.execute(orphans):
        data = json.loads(doc)
        run.refuse(
            names[1], i, _id(data, "id"), f"structure {_id(data, 'structure_id')} is not in {names[0]}"
        )


def _write(
    conn: Connection, source: str, places: list[DiPlace], ids: LieuIds, run: _Run, tax: Taxonomy
) -> None:
    numbers = ids.of(source, [p.external_id for p in places])
    for place in places:
        place.record.lieu_id = numbers[place.external_id]
        place.record.place["lieu_id"] = place.record.lieu_id
    _write_batch(conn, [p.record for p in places], source, tax, run.tally)
    places.clear()


def import_data_inclusion(
    engine: Engine,
    structures: Path,
    services: Path,
    *,
    prefix: str = DATA_INCLUSION_SOURCE,
    progress: Callable[[int], None] | None = None,
    max_inflated_bytes: int = MAX_INFLATED_BYTES,
    today: date | None = None,
) -> DataInclusionReport:
    """A pair of data·inclusion files, as one import: all of it or, on any failure, none of it.

    Each place is stored under the source `<prefix>:<producer>` ("data-inclusion:dora"), which is
    what `solibot search --json` shows as its source. A structure whose producer is Soliguide is
    skipped when Soliguide itself (source `soliguide`) already has that place, and an earlier
    data·inclusion copy of it is deleted: one place is never listed twice.

    Hours are checked to be one repeating week over the year from `today` (Paris), db/osm_hours.py.

    Raises:
        ImportFileError: a file could not be read (its name is in the message); nothing was written.
        ImportDatabaseError: the database failed; its message holds no SQL parameter.
    """
    tax = taxonomy()
    started = datetime.now(UTC)
    run = _Run()
    names = (structures.name, services.name)
    with tempfile.TemporaryDirectory(prefix="solibot-data-inclusion-") as folder:
        stage = sqlite3.connect(Path(folder) / "stage.db")
        try:
            stage.execute("PRAGMA journal_mode=OFF")
            stage.execute("PRAGMA synchronous=OFF")
            _stage(stage, structures, services, max_inflated_bytes, run)
            day = today or datetime.now(PARIS).date()
            _into_database(engine, stage, names, prefix, run, tax, day, progress, started)
        finally:
            stage.close()
    report = DataInclusionReport(
        str(structures),
        str(services),
        run.tally.created,
        run.tally.updated,
        tuple(run.rejected),
        run.more_rejected,
        tuple(run.notes),
        dict(run.note_counts),
        run.soliguide_skipped,
        run.soliguide_removed,
    )
    log.info(
        "import data-inclusion created=%d updated=%d rejected=%d notes=%s soliguide_skipped=%d",
        report.created,
        report.updated,
        report.rejected_count,
        report.note_counts,
        report.soliguide_skipped,
    )
    return report


def _into_database(
    engine: Engine,
    stage: sqlite3.Connection,
    names: tuple[str, str],
    prefix: str,
    run: _Run,
    tax: Taxonomy,
    today: date,
    progress: Callable[[int], None] | None,
    started: datetime,
) -> None:
    with import_transaction(engine) as conn:
        ids = LieuIds(conn)
        pending: dict[str, list[DiPlace]] = {}
        for place in _places(stage, conn, names, prefix, run, tax, ids, today, progress):
            source = _source(prefix, place.producer)
            batch = pending.setdefault(source, [])
            batch.append(place)
            if len(batch) >= BATCH:
                _write(conn, source, batch, ids, run, tax)
        for source, batch in pending.items():
            if batch:
                _write(conn, source, batch, ids, run, tax)
        conn.execute(
            insert(ImportRunRow).values(
                source=prefix,
                filename=f"{names[0]} + {names[1]}",
                started_at=started,
                imported=run.tally.created + run.tally.updated,
                rejected=len(run.rejected) + run.more_rejected,
                report=[
                    {"file": r.file, "index": r.index, "id": r.record_id, "reason": r.reason}
                    for r in run.rejected
                ],
            )
        )
