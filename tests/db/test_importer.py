"""Importing Soliguide exports: the fixtures whole, idempotence, rejected records, all-or-nothing files,
a batch at a time (tests/db/test_import_faults.py: files and databases that fail)."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel, col

from db.categories import taxonomy
from db.schedule import ALL_HOURS, Week
from db.sql.bootstrap import fixtures_path
from db.sql.bulk import BulkWriter
from db.sql.importer import (
    BATCH,
    REPORT_LIMIT,
    ImportFileError,
    import_documents,
    import_file,
    read_documents,
)
from db.sql.models import ImportRunRow, PlaceRow, SearchPointRow, ServiceRow, StopRow


def fixture_docs() -> list[dict[str, Any]]:
    return read_documents(fixtures_path())


def by_lieu(docs: list[dict[str, Any]], lieu_id: int) -> dict[str, Any]:
    return copy.deepcopy(next(d for d in docs if d["lieu_id"] == lieu_id))


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (PlaceRow, StopRow, ServiceRow)
        )


def test_soliguide_fixtures_import_whole_and_reimport_updates(engine: Engine) -> None:
    report = import_file(engine, fixtures_path(), source="soliguide")
    assert (report.created, report.updated, report.rejected) == (142, 0, ())
    first = counts(engine)
    with engine.connect() as conn:
        ids = dict(conn.execute(select(col(PlaceRow.lieu_id), col(PlaceRow.id))).all())
    again = import_file(engine, fixtures_path(), source="soliguide")
    assert (again.created, again.updated) == (0, 142)
    assert counts(engine) == first
    with engine.connect() as conn:
        assert dict(conn.execute(select(col(PlaceRow.lieu_id), col(PlaceRow.id))).all()) == ids


def test_fixture_details_survive_the_import(engine: Engine) -> None:
    import_file(engine, fixtures_path(), source="soliguide")
    with engine.connect() as conn:
        place = conn.execute(select(PlaceRow).where(col(PlaceRow.lieu_id) == 6)).one()
        # Soliguide's days are UTC dates (dateDebut 2022-03-02T23:00:00Z is 2 March), from Paris midnight
        assert place.temp_closure["start"] == "2022-03-02T00:00:00+01:00"
        assert place.temp_closure["end"] is None
        week = Week.from_json(place.temp_hours["week"])
        assert week.days[0][0].start == 8 * 60 and week.days[1] == ()
        assert (
            "<p>" not in place.temp_message["text"] and "actuellement en cours" in place.temp_message["text"]
        )
        closed = conn.execute(
            select(col(ServiceRow.closure)).join(PlaceRow).where(col(PlaceRow.lieu_id) == 8)
        ).scalar_one()
        assert closed is not None
        assert closed["start"].startswith("2022-03-03T00:00:00") and closed["end"] is None
        stops = conn.execute(
            select(func.count()).select_from(StopRow).join(PlaceRow).where(col(PlaceRow.lieu_id) == 29)
        )
        assert stops.scalar_one() >= 2
        description = conn.execute(
            select(col(PlaceRow.description)).where(col(PlaceRow.lieu_id) == 1)
        ).scalar_one()
        assert description.startswith("Consultations jeunes consommateurs") and "<" not in description
        categories = conn.execute(
            select(col(ServiceRow.category)).join(PlaceRow).where(col(PlaceRow.lieu_id) == 23)
        ).scalars()
        assert set(categories) == {"emergency_accommodation", "food_distribution", "sport_activities"}


def test_legacy_times_and_overnight_slots(engine: Engine) -> None:
    doc = by_lieu(fixture_docs(), 7)
    doc["lieu_id"] = 900001
    doc["newhours"]["monday"] = {
        "open": True,
        "timeslot": [{"start": "9h30", "end": "12:00"}, {"start": 1900, "end": 2359}],
    }
    doc["newhours"]["tuesday"] = {"open": True, "timeslot": [{"start": 0, "end": 800}]}
    doc["newhours"]["friday"] = {"open": True, "timeslot": [{"start": "20h", "end": "6h"}]}
    report = import_documents(engine, [doc], source="test")
    assert report.rejected == ()
    with engine.connect() as conn:
        hours = conn.execute(select(col(PlaceRow.hours)).where(col(PlaceRow.lieu_id) == 900001)).scalar_one()
        assert hours is not None
        week = Week.from_json(hours)
    assert [(s.start, s.end) for s in week.days[0]] == [(570, 720), (1140, 1440)]
    assert [(s.start, s.end) for s in week.days[1]][0] == (0, 480)
    assert [(s.start, s.end) for s in week.days[4]] == [(1200, 1440)]
    assert [(s.start, s.end) for s in week.days[5]][0] == (0, 360)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.update(lieu_id="abc"), "lieu_id"),
        (lambda d: d.update(lieu_id=True), "lieu_id"),
        (lambda d: d["position"]["location"].update(coordinates=[7.3, 95.0]), "out of range"),
        (lambda d: d["position"]["location"].update(coordinates=["7.3", 47.7]), "not numbers"),
        (lambda d: d["services_all"][0].update(category="free_beer", categorie=99999), "unknown category"),
        (lambda d: d["newhours"]["monday"].update(timeslot=[{"start": 900, "end": 2500}]), "out of range"),
        (lambda d: d["newhours"]["monday"].update(timeslot=[{"start": "abc", "end": 1200}]), "not a time"),
        (lambda d: d.update(status="MAYBE"), "status"),
        (lambda d: d.update(name=None), "name"),
        (lambda d: d.update(services_all="nope"), "services_all"),
        (lambda d: d["tempInfos"]["closure"].update(dateDebut="yesterday"), "date"),
    ],
)
def test_bad_records_are_skipped_with_a_reason(engine: Engine, mutate: Any, reason: str) -> None:
    docs = fixture_docs()
    good, bad = by_lieu(docs, 7), by_lieu(docs, 12)
    mutate(bad)
    report = import_documents(engine, [good, bad, "not a record"], source="test")
    assert report.created == 1
    assert [r.index for r in report.rejected] == [1, 2]
    assert reason in report.rejected[0].reason
    assert counts(engine)[0] == 1


def test_unreadable_files_raise_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "text.txt").write_text("lieu_id;name\n1;x\n")
    (tmp_path / "cut.jsonl").write_text('{"lieu_id": 1')
    (tmp_path / "broken.json").write_text("[{")
    (tmp_path / "bad.json.gz").write_bytes(b"\x1f\x8bnot gzip")
    for name in ("text.txt", "cut.jsonl", "broken.json", "bad.json.gz", "missing.json"):
        with pytest.raises(ImportFileError):
            read_documents(tmp_path / name)
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(fixture_docs()[:3]))
    packed = tmp_path / "packed.json.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_documents(plain) == read_documents(packed)


def test_a_database_error_mid_file_leaves_nothing_half_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Places and stops of the batch written, then the services fail (a COPY on PostgreSQL, which
    no SQLAlchemy event sees: the writer itself fails)."""
    import_file(engine, fixtures_path(), source="soliguide")
    before = counts(engine)
    docs = fixture_docs()
    for doc in docs:
        doc["name"] = "RENAMED " + doc["name"]
    insert = BulkWriter.insert

    def explode(writer: BulkWriter, model: type[SQLModel], rows: Any) -> None:
        if model is ServiceRow:
            raise RuntimeError("disk full")
        insert(writer, model, rows)

    monkeypatch.setattr(BulkWriter, "insert", explode)
    with pytest.raises(RuntimeError):
        import_documents(engine, docs, source="soliguide")
    assert counts(engine) == before
    with engine.connect() as conn:
        names = conn.execute(select(col(PlaceRow.name))).scalars().all()
    assert not any(n.startswith("RENAMED") for n in names)


def test_search_points_cover_online_public_pairs_only(engine: Engine) -> None:
    import_file(engine, fixtures_path(), source="soliguide")
    import_file(engine, fixtures_path(), source="soliguide")
    docs = {d["lieu_id"]: d for d in fixture_docs()}
    with engine.connect() as conn:
        points = conn.execute(
            select(col(SearchPointRow.place_id), col(PlaceRow.lieu_id)).join(PlaceRow)
        ).all()
    per_place: dict[int, int] = {}
    for _, lieu_id in points:
        per_place[lieu_id] = per_place.get(lieu_id, 0) + 1
    for lieu_id, doc in docs.items():
        searchable = doc["status"] == "ONLINE" and doc.get("visibility", "ALL") == "ALL"
        stops = len(doc.get("parcours") or [None]) if searchable else 0
        expected = stops * len(doc["services_all"]) if searchable else 0
        assert per_place.get(lieu_id, 0) == expected, lieu_id


def test_migration_backfills_search_points(tmp_path: Path) -> None:
    """A database created before revision 0002 gets its search points (every hour bit set)."""
    from alembic import command

    from db.sql.engine import alembic_config, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0001")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO place (id, source, lieu_id, name, description, status, visibility, place_type, "
            "address, postal_code, city, city_code, department_code, timezone, lat, lon, closed_holidays) "
            "VALUES (1, 's', 1, 'P', '', 'ONLINE', 'ALL', 'LIEU', '', '', '', '', '68', 'Europe/Paris', "
            "47.7, 7.3, 'UNKNOWN')"
        )
        conn.exec_driver_sql(
            "INSERT INTO stop (id, place_id, position, lat, lon, address, postal_code, city) "
            "VALUES (1, 1, 0, 47.7, 7.3, '', '', '')"
        )
        conn.exec_driver_sql(
            "INSERT INTO service (id, place_id, position, category, description, different_hours) "
            "VALUES (1, 1, 0, 'shower', '', 0)"
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT category_code, hour_mask FROM search_point").one()
        rtree = conn.exec_driver_sql("SELECT count(*) FROM search_rtree").scalar_one()
    engine.dispose()
    assert row[0] == taxonomy().code("shower") and int(row[1], 16) == ALL_HOURS and rtree == 1


def test_workers_starting_together_sync_the_taxonomy_without_colliding(database_url: str) -> None:
    import threading

    from db.sql.engine import make_engine
    from db.sql.importer import sync_categories
    from db.sql.models import CategoryRow

    errors: list[Exception] = []

    def start_worker() -> None:
        worker = make_engine(database_url)
        try:
            for _ in range(5):
                sync_categories(worker)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            worker.dispose()

    threads = [threading.Thread(target=start_worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = make_engine(database_url)
    with check.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CategoryRow)).scalar_one() == len(
            taxonomy().by_id
        )
    check.dispose()


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blanked_address_is_never_read_back_from_the_legacy_field(
    engine: Engine, blank: str | None
) -> None:
    """Soliguide blanks the street of a place reached on referral; the legacy `adresse` of the same
    export must not put it back."""
    doc = by_lieu(fixture_docs(), 7)
    doc["lieu_id"] = 900002
    doc["position"]["address"] = blank
    doc["position"]["adresse"] = "12 rue Secrète, 68100 Mulhouse"
    legacy = by_lieu(fixture_docs(), 7)
    legacy["lieu_id"] = 900003
    del legacy["position"]["address"]
    legacy["position"]["adresse"] = "3 rue Ancienne, 68100 Mulhouse"
    assert import_documents(engine, [doc, legacy], source="test").rejected == ()
    with engine.connect() as conn:
        rows = dict(conn.execute(select(col(PlaceRow.lieu_id), col(PlaceRow.address))).all())
    assert rows[900002] == ""
    assert rows[900003] == "3 rue Ancienne, 68100 Mulhouse"  # an export that only has the old field


def numbered(count: int, first_id: int = 700_000) -> list[dict[str, Any]]:
    docs = fixture_docs()
    out = []
    for n in range(count):
        doc = copy.deepcopy(docs[n % len(docs)])
        doc["lieu_id"] = first_id + n
        out.append(doc)
    return out


def test_records_are_written_a_batch_at_a_time_not_after_reading_the_file(engine: Engine) -> None:
    """Memory holds a batch, not the file: the first batch is written before the rest is read."""
    docs = numbered(2 * BATCH + 10)
    read = 0
    read_at_each_write: list[int] = []

    def stream() -> Any:
        nonlocal read
        for doc in docs:
            read += 1
            yield doc

    report = import_documents(
        engine, stream(), source="test", progress=lambda n: read_at_each_write.append(read)
    )
    assert report.created == len(docs)
    assert read_at_each_write[0] <= BATCH + 1 < len(docs)
    assert read_at_each_write[-1] == len(docs)


def test_a_place_twice_in_a_file_counts_once_and_the_later_copy_wins(engine: Engine) -> None:
    docs = numbered(BATCH + 20)
    again = copy.deepcopy(docs[3])
    again["name"] = "the later copy"
    report = import_documents(engine, [*docs, again], source="test")
    assert (report.created, report.updated, report.rejected) == (len(docs), 0, ())
    with engine.connect() as conn:
        name = conn.execute(select(col(PlaceRow.name)).where(col(PlaceRow.lieu_id) == docs[3]["lieu_id"]))
        assert name.scalar_one() == "the later copy"
    assert counts(engine)[0] == len(docs)


def test_rejections_past_the_report_limit_are_counted_not_kept(engine: Engine) -> None:
    docs: list[Any] = [{"lieu_id": "bad"}] * (REPORT_LIMIT + 7) + numbered(2)
    report = import_documents(engine, docs, source="test")
    assert (report.created, len(report.rejected), report.more_rejected) == (2, REPORT_LIMIT, 7)
    assert report.rejected_count == REPORT_LIMIT + 7
    with engine.connect() as conn:
        run = conn.execute(select(ImportRunRow)).one()
    assert (run.imported, run.rejected, len(run.report)) == (2, REPORT_LIMIT + 7, REPORT_LIMIT)


@pytest.mark.parametrize("itinerary_first", [True, False])
def test_an_itinerary_and_a_fixed_place_in_one_batch_keep_their_stops_holiday_policy(
    engine: Engine, itinerary_first: bool
) -> None:
    """Stops of an itinerary have their own holiday policy, a fixed place's stop has none: in one
    batch the itinerary first failed the file, the fixed place first dropped the policy."""
    docs = fixture_docs()
    pair = [by_lieu(docs, 29), by_lieu(docs, 7)]
    report = import_documents(engine, pair if itinerary_first else pair[::-1], source="test")
    assert (report.created, report.rejected) == (2, ())
    with engine.connect() as conn:
        policies = conn.execute(
            select(col(PlaceRow.lieu_id), col(StopRow.closed_holidays)).join(PlaceRow)
        ).all()
    assert sorted(policies, key=lambda row: (row[0], row[1] or "")) == [
        (7, None),
        (29, "UNKNOWN"),
        (29, "UNKNOWN"),
    ]
