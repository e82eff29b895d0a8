"""Rows written a batch at a time with ids given up front, and SQLite's R*Tree filled at the end of
a file: the same rows as one insert at a time, a trigger that always comes back."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from db.sql import make_engine, migrate, sync_categories
from db.sql.bootstrap import fixtures_path
from db.sql.errors import ImportFileError
from db.sql.importer import BATCH, import_documents, import_file, read_documents


def numbered(count: int, first_id: int = 600_000) -> list[dict[str, Any]]:
    fixtures = read_documents(fixtures_path())
    docs = []
    for n in range(count):
        doc = copy.deepcopy(fixtures[n % len(fixtures)])
        doc["lieu_id"] = first_id + n
        docs.append(doc)
    return docs


def trigger(engine: Engine) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_rtree_insert'")
        )
        return found.scalar()


def rtree_matches_search_points(engine: Engine) -> None:
    """Every search point in the R*Tree with its ids, position, code and hours, and nothing else."""
    with engine.connect() as conn:
        points = conn.execute(
            text(
                "SELECT id, place_id, stop_id, service_id, lat, lon, category_code * 0.0001, hour_mask "
                "FROM search_point ORDER BY id"
            )
        ).all()
        indexed = conn.execute(
            text(
                "SELECT id, place_id, stop_id, service_id, lat, lon, min_code, hour_mask "
                "FROM search_rtree ORDER BY id"
            )
        ).all()
    assert len(points) > 0 and len(indexed) == len(points)
    for point, entry in zip(points, indexed, strict=True):
        assert point[:6] == entry[:6] and point[7] == entry[7]
        assert entry[6] == pytest.approx(point[6], rel=1e-6)  # the R*Tree keeps 32-bit floats


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """The R*Tree is SQLite's (PostgreSQL indexes search points with earthdistance)."""
    url = f"sqlite:///{tmp_path / 'solibot.db'}"
    migrate(url)
    engine = make_engine(url)
    sync_categories(engine)
    yield engine
    engine.dispose()


def test_the_rtree_filled_at_the_end_holds_every_search_point(sqlite_engine: Engine) -> None:
    """A first file, then one of three batches that re-imports some of its places (rows deleted,
    ids given again) and holds a place twice (a later batch replaces an earlier one's rows)."""
    before = trigger(sqlite_engine)
    import_documents(sqlite_engine, numbered(BATCH + 30), source="test")
    docs = numbered(2 * BATCH + 50, first_id=600_000 + BATCH // 2)
    docs.append(copy.deepcopy(docs[10]))
    report = import_documents(sqlite_engine, docs, source="test")
    assert report.rejected == ()
    assert trigger(sqlite_engine) == before is not None
    rtree_matches_search_points(sqlite_engine)


def test_a_file_failing_after_the_trigger_was_dropped_gets_it_back(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    import_file(sqlite_engine, fixtures_path(), source="soliguide")
    before = trigger(sqlite_engine)
    path = tmp_path / "cut.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in numbered(3 * BATCH))[:-500])
    with pytest.raises(ImportFileError, match="cut short"):
        import_file(sqlite_engine, path, source="soliguide")
    assert trigger(sqlite_engine) == before is not None
    rtree_matches_search_points(sqlite_engine)
    import_documents(sqlite_engine, numbered(3), source="later")  # one batch: through the trigger
    rtree_matches_search_points(sqlite_engine)


def test_ids_given_up_front_follow_the_existing_rows(engine: Engine) -> None:
    """On both back-ends the ids continue after the rows already there, with no gap on SQLite and
    no collision with what the sequence gave on PostgreSQL."""
    import_file(engine, fixtures_path(), source="soliguide")
    import_documents(engine, numbered(BATCH + 5), source="test")
    with engine.connect() as conn:
        for table in ("place", "stop", "service", "search_point"):
            count, distinct, top = conn.execute(
                text(f"SELECT count(*), count(DISTINCT id), max(id) FROM {table}")  # noqa: S608
            ).one()
            assert count == distinct
            if engine.dialect.name == "sqlite":
                assert top == count  # max(id) + 1 each time, nothing deleted


@pytest.mark.parametrize("shape", ["jsonl", "array"])
def test_batches_starting_with_an_itinerary_keep_every_stops_holiday_policy(
    engine: Engine, tmp_path: Path, shape: str
) -> None:
    """The national build that crashed: a batch whose first place is an itinerary (its stops carry a
    holiday policy, a fixed place's stop none) failed the file, and a batch starting with a fixed
    place dropped the policy of every itinerary stop after it. Here batches start with each kind."""
    fixtures = read_documents(fixtures_path())
    itinerary = next(d for d in fixtures if d["lieu_id"] == 29)
    fixed = next(d for d in fixtures if d["lieu_id"] == 7)
    docs = []
    for n in range(2 * BATCH + 20):
        doc = copy.deepcopy(itinerary if n % BATCH in (0, 7) else fixed)
        doc["lieu_id"] = 800_000 + n
        for number, stop in enumerate(doc.get("parcours") or []):
            stop["hours"]["closedHolidays"] = "CLOSED" if number == 0 else "OPEN"
        docs.append(doc)
    path = tmp_path / "national.export"
    body = "".join(json.dumps(d) + "\n" for d in docs) if shape == "jsonl" else json.dumps(docs)
    path.write_text(body)
    assert import_file(engine, path, source="national").created == len(docs)
    with engine.connect() as conn:
        stops = conn.execute(
            text(
                "SELECT place.place_type, stop.position, stop.closed_holidays FROM stop "
                "JOIN place ON place.id = stop.place_id WHERE place.source = 'national'"
            )
        ).all()
    itineraries = sorted((position, policy) for kind, position, policy in stops if kind == "PARCOURS_MOBILE")
    assert itineraries == [(0, "CLOSED")] * 6 + [(1, "OPEN")] * 6  # batches start at 0, 500, 1000
    assert {policy for kind, _, policy in stops if kind == "LIEU"} == {None}
