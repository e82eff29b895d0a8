"""Importing a data·inclusion pair of files: the report, re-imports, Soliguide's own places, failures."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import col

from db.sql.bootstrap import fixtures_path
from db.sql.datainclusion import import_data_inclusion
from db.sql.errors import ImportFileError
from db.sql.importer import import_file
from db.sql.models import ExternalIdRow, ImportRunRow, PlaceRow, SearchPointRow, ServiceRow

FILES = Path(__file__).parent / "data_inclusion"
STRUCTURES, SERVICES = FILES / "structures.json", FILES / "services.json"
TODAY = date(2026, 11, 1)


def places(engine: Engine) -> dict[tuple[str, int], str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(col(PlaceRow.source), col(PlaceRow.lieu_id), col(PlaceRow.name)).where(
                col(PlaceRow.source).startswith("data-inclusion:")
            )
        )
        return {(source, lieu_id): name for source, lieu_id, name in rows}


def test_the_pair_imports_with_its_report(engine: Engine) -> None:
    report = import_data_inclusion(engine, STRUCTURES, SERVICES, today=TODAY)
    # 7 valid structures, and 2 services given away from theirs: 9 places
    assert (report.created, report.updated, report.soliguide_skipped) == (9, 0, 0)
    assert sorted((r.file, r.record_id) for r in report.rejected) == [
        ("services.json", "dora--sv10"),  # a thematique outside the v1 schema
        ("services.json", "dora--sv13"),  # its structure is rejected
        ("services.json", "dora--sv9"),  # its structure is not in the file
        ("structures.json", "dora--s6"),  # a name of two letters
    ]
    assert report.note_counts == {"hours": 2, "thematiques": 2, "remote": 1}
    assert {n.record_id for n in report.notes if n.kind == "hours"} == {"dora--s3", "mes-aides--sv11"}
    found = places(engine)
    assert {source for source, _ in found} == {
        "data-inclusion:dora",
        "data-inclusion:france-travail",
        "data-inclusion:mes-aides",
        "data-inclusion:soliguide",  # Soliguide itself is not loaded here: its place comes this way
    }
    with engine.connect() as conn:
        ids = dict(conn.execute(select(col(ExternalIdRow.external_id), col(ExternalIdRow.lieu_id))).all())
        run = conn.execute(select(ImportRunRow)).one()
        points = conn.execute(select(func.count()).select_from(SearchPointRow)).scalar_one()
        scored = conn.execute(
            select(col(ServiceRow.external_id)).where(col(ServiceRow.category) == "food")
        ).scalars()
        assert sorted(str(s) for s in scored) == ["dora--sv1", "soliguide--svc-2"]
    assert set(ids) >= {"dora--s1", "dora--s1@47.7600,7.3000#PH-unknown", "soliguide--99999"}
    assert len(set(ids.values())) == len(ids)  # one lieu_id each, across producers
    assert run.source == "data-inclusion" and run.imported == 9 and run.rejected == 4
    assert points == 9  # one per service row, all at a geocoded place


def test_a_reimport_replaces_every_place_under_the_same_ids(engine: Engine) -> None:
    import_data_inclusion(engine, STRUCTURES, SERVICES, today=TODAY)
    first = places(engine)
    with engine.connect() as conn:
        rows = dict(conn.execute(select(col(PlaceRow.lieu_id), col(PlaceRow.id))).all())
    again = import_data_inclusion(engine, STRUCTURES, SERVICES, today=TODAY)
    assert (again.created, again.updated) == (0, 9)
    assert places(engine) == first
    with engine.connect() as conn:
        assert dict(conn.execute(select(col(PlaceRow.lieu_id), col(PlaceRow.id))).all()) == rows


def test_soliguide_places_are_not_listed_twice(engine: Engine) -> None:
    """Imported before Soliguide, a Soliguide place comes through data·inclusion; once Soliguide is
    loaded, the next data·inclusion import skips it and deletes the copy. Soliguide places that
    Soliguide's load does not have (99999 here) still come through data·inclusion."""
    import_data_inclusion(engine, STRUCTURES, SERVICES, today=TODAY)
    assert "Lieu déjà chez Soliguide" in places(engine).values()
    import_file(engine, fixtures_path(), source="soliguide")  # has lieu_id 1
    report = import_data_inclusion(engine, STRUCTURES, SERVICES, today=TODAY)
    assert (report.soliguide_skipped, report.soliguide_removed) == (1, 1)
    names = places(engine).values()
    assert "Lieu déjà chez Soliguide" not in names and "Restaurant solidaire Saint-Fridolin" in names
    again = import_data_inclusion(engine, STRUCTURES, SERVICES, today=TODAY)
    assert (again.soliguide_skipped, again.soliguide_removed, again.created) == (1, 0, 0)


def test_gzipped_files_and_files_given_the_wrong_way_round(engine: Engine, tmp_path: Path) -> None:
    packed = tmp_path / "services.json.gz"
    packed.write_bytes(gzip.compress(SERVICES.read_bytes()))
    assert import_data_inclusion(engine, STRUCTURES, packed, today=TODAY).created == 9
    with pytest.raises(ImportFileError, match="structures file first"):
        import_data_inclusion(engine, SERVICES, STRUCTURES, today=TODAY)


def test_a_file_cut_short_leaves_the_database_as_it_was(engine: Engine, tmp_path: Path) -> None:
    import_data_inclusion(engine, STRUCTURES, SERVICES, today=TODAY)
    before = places(engine)
    cut = tmp_path / "services.json"
    cut.write_bytes(SERVICES.read_bytes()[:-200])
    changed = tmp_path / "structures.json"
    changed.write_text(
        json.dumps([{**s, "nom": "Renommé " + s["nom"]} for s in json.loads(STRUCTURES.read_text("utf-8"))]),
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError, match="services.json"):
        import_data_inclusion(engine, changed, cut, today=TODAY)
    assert places(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ImportRunRow)).scalar_one() == 1


def test_national_shapes_stream_from_disk(engine: Engine, tmp_path: Path) -> None:
    """Services far from their structures in the file, structures repeated: the later copy wins."""
    structures = json.loads(STRUCTURES.read_text("utf-8"))
    services = json.loads(SERVICES.read_text("utf-8"))
    renamed = {**structures[0], "nom": "Épicerie du Drouot (nouveau nom)"}
    (tmp_path / "s.json").write_text(json.dumps([*structures, renamed]), encoding="utf-8")
    (tmp_path / "v.json").write_text(json.dumps(list(reversed(services))), encoding="utf-8")
    shutil.copy(STRUCTURES, tmp_path / "unused.json")
    report = import_data_inclusion(engine, tmp_path / "s.json", tmp_path / "v.json", today=TODAY)
    assert report.created == 9
    assert "Épicerie du Drouot (nouveau nom)" in places(engine).values()
