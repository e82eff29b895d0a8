"""Importing Soliguide place exports: validate every record, then write the file in one transaction."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, delete, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from db.categories import Taxonomy, taxonomy
from db.index import candidate_mask
from db.soliguide import PlaceRecord, RecordError, read_place
from db.sql.models import CategoryRow, ImportRunRow, PlaceRow, SearchPointRow, ServiceRow, StopRow

log = logging.getLogger(__name__)

BATCH = 500


class ImportFileError(Exception):
    """The file itself cannot be read (missing, not gzip, not a JSON array): nothing is written."""


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
    rejected: tuple[Rejected, ...]

    @property
    def imported(self) -> int:
        return self.created + self.updated


def read_documents(path: Path) -> list[Any]:
    """A JSON array of place documents, gzipped or not (gzip is recognised by its magic bytes)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(2)
        opener = gzip.open if magic == b"\x1f\x8b" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(str(exc)) from exc
    if not isinstance(data, list):
        raise ImportFileError(f"expected a JSON array of places, got {type(data).__name__}")
    return data


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
    return lieu_id if isinstance(lieu_id, int | str) or lieu_id is None else repr(lieu_id)[:40]


def validate(docs: Iterable[Any], tax: Taxonomy) -> tuple[list[PlaceRecord], list[Rejected]]:
    records: dict[int, PlaceRecord] = {}
    rejected: list[Rejected] = []
    for index, doc in enumerate(docs):
        try:
            record = read_place(doc, tax)
        except RecordError as exc:
            rejected.append(Rejected(index, _shown_id(doc), str(exc)))
            continue
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            rejected.append(Rejected(index, _shown_id(doc), f"malformed record: {exc}"))
            continue
        records[record.lieu_id] = record  # a later copy of the same place in one file wins
    return list(records.values()), rejected


def _chunks(items: list[PlaceRecord], size: int) -> Iterator[list[PlaceRecord]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_returning(
    conn: Connection, table: type[StopRow] | type[ServiceRow], rows: list[dict[str, Any]]
) -> list[int]:
    if not rows:
        return []
    returned = conn.execute(insert(table).returning(col(table.id), sort_by_parameter_order=True), rows)
    return [cast(int, row_id) for row_id in returned.scalars()]


def _search_points(
    batch: list[PlaceRecord],
    place_ids: dict[int, int | None],
    stops: list[dict[str, Any]],
    stop_ids: list[int],
    services: list[dict[str, Any]],
    service_ids: list[int],
    tax: Taxonomy,
) -> list[dict[str, Any]]:
    """Every (stop, service) pair of the places a search may show: ONLINE and visible to all."""
    searchable = {
        place_ids[r.lieu_id]: r.place
        for r in batch
        if r.place["status"] == "ONLINE" and r.place["visibility"] == "ALL"
    }
    by_place: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for service_id, service in zip(service_ids, services, strict=True):
        by_place.setdefault(service["place_id"], []).append((service_id, service))
    return [
        {
            "place_id": stop["place_id"],
            "stop_id": stop_id,
            "service_id": service_id,
            "lat": stop["lat"],
            "lon": stop["lon"],
            "category_code": tax.code(service["category"]),
            "hour_mask": _mask_hex(searchable[stop["place_id"]], stop, service),
        }
        for stop_id, stop in zip(stop_ids, stops, strict=True)
        if stop["place_id"] in searchable
        for service_id, service in by_place.get(stop["place_id"], ())
    ]


def _mask_hex(place: dict[str, Any], stop: dict[str, Any], service: dict[str, Any]) -> str:
    return f"{candidate_mask(place, stop, service):042x}"


def import_documents(
    engine: Engine,
    docs: Iterable[Any],
    *,
    source: str,
    filename: str = "<memory>",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate, then replace each place (same source + lieu_id keeps its row id) in one transaction.

    Validation happens before the transaction opens, so a bad record never leaves a half-written
    place, and any database error rolls the whole file back.
    """
    tax = taxonomy()
    records, rejected = validate(docs, tax)
    created = updated = 0
    with engine.begin() as conn:
        for batch in _chunks(records, BATCH):
            keys = [(source, r.lieu_id) for r in batch]
            found = conn.execute(
                select(col(PlaceRow.lieu_id), col(PlaceRow.id)).where(
                    tuple_(col(PlaceRow.source), col(PlaceRow.lieu_id)).in_(keys)
                )
            )
            existing: dict[int, int | None] = {lieu_id: pid for lieu_id, pid in found}
            if existing:
                ids = list(existing.values())
                conn.execute(delete(SearchPointRow).where(col(SearchPointRow.place_id).in_(ids)))
                conn.execute(delete(ServiceRow).where(col(ServiceRow.place_id).in_(ids)))
                conn.execute(delete(StopRow).where(col(StopRow.place_id).in_(ids)))
                conn.execute(delete(PlaceRow).where(col(PlaceRow.id).in_(ids)))
            old = [
                {**r.place, "source": source, "id": existing[r.lieu_id]}
                for r in batch
                if r.lieu_id in existing
            ]
            new = [{**r.place, "source": source} for r in batch if r.lieu_id not in existing]
            place_ids = {row["lieu_id"]: row["id"] for row in old}
            if old:
                conn.execute(insert(PlaceRow), old)
            if new:
                returned = conn.execute(
                    insert(PlaceRow).returning(
                        col(PlaceRow.id), col(PlaceRow.lieu_id), sort_by_parameter_order=True
                    ),
                    new,
                )
                place_ids.update({lieu_id: pid for pid, lieu_id in returned.all()})
            stops = [{**s, "place_id": place_ids[r.lieu_id]} for r in batch for s in r.stops]
            services = [{**s, "place_id": place_ids[r.lieu_id]} for r in batch for s in r.services]
            stop_ids = _insert_returning(conn, StopRow, stops)
            service_ids = _insert_returning(conn, ServiceRow, services)
            points = _search_points(batch, place_ids, stops, stop_ids, services, service_ids, tax)
            if points:
                conn.execute(insert(SearchPointRow), points)
            updated += len(old)
            created += len(new)
            if progress:
                progress(len(batch))
        conn.execute(
            insert(ImportRunRow).values(
                source=source,
                filename=filename,
                started_at=datetime.now(UTC),
                imported=created + updated,
                rejected=len(rejected),
                report=[
                    {"index": r.index, "lieu_id": r.lieu_id, "reason": r.reason} for r in rejected[:1000]
                ],
            )
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # fresh statistics: SQLite then drives searches from the R*Tree
    log.info("import file=%s created=%d updated=%d rejected=%d", filename, created, updated, len(rejected))
    return ImportReport(filename, source, created, updated, tuple(rejected))


def import_file(
    engine: Engine, path: Path, *, source: str, progress: Callable[[int], None] | None = None
) -> ImportReport:
    return import_documents(
        engine, read_documents(path), source=source, filename=str(path), progress=progress
    )
