"""Reading data·inclusion records: the mapping tables against the v1 schema and Soliguide's taxonomy,
validation, dates, publics, modalities, where a service is given and which hours it keeps."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from data_inclusion.schema.v1 import Public, Thematique

from db.categories import taxonomy
from db.datainclusion import (
    Reading,
    publics_table,
    read_service,
    read_structure,
    soliguide_lieu_id,
    thematiques_table,
)
from db.soliguide import RecordError

FILES = Path(__file__).parent / "data_inclusion"
TODAY = date(2026, 11, 1)


def records(name: str) -> list[dict[str, Any]]:
    return list(json.loads((FILES / name).read_text(encoding="utf-8")))


def reading(structure_id: str) -> Reading:
    structure = next(s for s in records("structures.json") if s["id"] == structure_id)
    services = [(i, s) for i, s in enumerate(records("services.json")) if s["structure_id"] == structure_id]
    return read_structure(structure, services, today=TODAY, tax=taxonomy())


def test_every_v1_thematique_and_public_is_in_the_tables() -> None:
    assert set(thematiques_table()) == {t.value for t in Thematique}
    assert set(publics_table()) == {p.value for p in Public}
    tax = taxonomy()
    assert all(c in tax.by_id for c in thematiques_table().values() if c is not None)


def test_no_thematique_claims_what_data_inclusion_does_not_describe() -> None:
    """data·inclusion has no shower, toilets, laundry or luggage storage: a search for one of them
    (the category and those below it) never finds a data·inclusion service."""
    tax = taxonomy()
    absent = ("shower", "toilets", "laundry", "luggage_storage", "fountain", "electrical_outlets_available")
    mapped = {c for c in thematiques_table().values() if c is not None}
    assert not mapped & tax.expand(absent)


def test_soliguide_ids_as_data_inclusion_writes_them() -> None:
    assert soliguide_lieu_id("soliguide--12345") == 12345
    assert soliguide_lieu_id("soliguide--abc") is None and soliguide_lieu_id("dora--12") is None


def test_date_maj_as_iso_date_epoch_milliseconds_or_timestamp() -> None:
    service = records("services.json")[1]
    assert service["date_maj"] == 1718236800000
    assert read_service(service).date_maj == date(2024, 6, 13)
    assert read_service({**service, "date_maj": "2024-06-13T00:00:00"}).date_maj == date(2024, 6, 13)
    with pytest.raises(RecordError, match="date_maj"):
        read_service({**service, "date_maj": "1999-01-01"})


def test_validation_by_the_v1_model_says_what_is_wrong_in_one_short_line() -> None:
    service = records("services.json")[10]
    with pytest.raises(RecordError) as raised:
        read_service(service)
    assert "'pas-une-thematique' is not a value of the v1 schema" in str(raised.value)
    assert len(str(raised.value)) < 200
    with pytest.raises(RecordError, match="nom"):
        read_structure(records("structures.json")[5], [], today=TODAY, tax=taxonomy())


def test_a_structure_its_services_and_one_given_elsewhere() -> None:
    got = reading("dora--s1")
    assert [p.external_id for p in got.places] == ["dora--s1", "dora--s1@47.7600,7.3000#PH-unknown"]
    home, elsewhere = (p.record for p in got.places)
    assert home.place["name"] == "Épicerie solidaire du Drouot" and home.place["department_code"] == "68"
    assert home.place["closed_holidays"] == "CLOSED" and home.place["timezone"] == "Europe/Paris"
    assert home.place["updated_by_user_at"] == datetime(2025, 3, 14, tzinfo=UTC)
    assert home.place["website"] == "https://epicerie-drouot.example.org/"
    assert [(s["category"], s["different_hours"]) for s in home.services] == [
        ("food", False),
        ("clothing", True),
    ]
    assert [s["position"] for s in home.services] == [0, 1]
    food, clothing = home.services
    assert food["modalities"]["price"] == {"checked": True, "precisions": "10 % du prix"}
    assert food["publics"]["accueil"] == 0
    assert clothing["publics"] == {"accueil": 2, "gender": ["women"], "description": "Publics : Femmes."}
    assert clothing["closed_holidays"] == "CLOSED"
    assert (
        elsewhere.stops[0]["address"] == "20 rue Wagner"
        and elsewhere.services[0]["category"] == "legal_advice"
    )
    assert got.rejected and got.rejected[0][1] == "dora--sv10"


def test_publics_in_several_fields_are_preferential_and_thematiques_without_equivalent_noted() -> None:
    got = reading("france-travail--s2")
    (place,) = got.places
    (service,) = place.record.services  # the business one is skipped, the remote one too
    assert service["category"] == "administrative_assistance"
    assert service["publics"]["accueil"] == 1 and service["publics"]["gender"] == ["women"]
    assert "Femmes, Jeunes" in service["publics"]["description"]
    assert service["modalities"]["appointment"]["checked"] and not service["modalities"]["inconditionnel"]
    assert place.record.place["address"] == "1 place de la République (Bâtiment B)"
    assert place.record.place["updated_by_user_at"] == datetime(2024, 6, 13, tzinfo=UTC)
    kinds = sorted((n.kind, n.record_id) for n in got.notes)
    assert kinds == [
        ("remote", "france-travail--sv6"),
        ("thematiques", "france-travail--sv3"),
        ("thematiques", "france-travail--sv4"),
    ]


def test_hours_that_cannot_be_read_stay_unknown_and_readable() -> None:
    got = reading("dora--s3")
    place = got.places[0].record.place
    assert place["hours"] is None and place["closed_holidays"] == "UNKNOWN"
    assert "Horaires : du lundi au vendredi de 9h à 12h" in place["description"]
    assert [n.kind for n in got.notes] == ["hours"]


def test_a_structure_without_coordinates_lends_its_name_to_a_service_that_has_some() -> None:
    got = reading("mes-aides--s7")
    home, there = (p.record for p in got.places)
    assert home.stops == [] and home.services == []
    assert there.place["lat"] == 47.74 and there.services[0]["category"] == "driving_license"
    assert there.services[0]["hours"] is None and there.services[0]["different_hours"]  # "Aug off"


def test_a_referral_only_service_and_an_online_form() -> None:
    service = {**records("services.json")[0], "mobilisable_par": ["professionnels"]}
    rows = read_structure(records("structures.json")[0], [(0, service)], today=TODAY, tax=taxonomy()).places[
        0
    ]
    assert rows.record.services[0]["modalities"]["orientation"]["checked"]
    online = {**records("services.json")[0], "modes_mobilisation": ["utiliser-lien-mobilisation"]}
    rows = read_structure(records("structures.json")[0], [(0, online)], today=TODAY, tax=taxonomy()).places[0]
    assert rows.record.services[0]["modalities"]["inscription"]["checked"]


def test_a_service_with_its_own_holiday_rule_gets_a_place_with_that_rule() -> None:
    """Search reads the holiday rule of a service with its own hours from its place (Soliguide's
    rule): a service closed on holidays at a structure that says nothing of them is not shown open
    (even "call before") on 25 December."""
    structure = {**records("structures.json")[1], "horaires_accueil": "Mo-Fr 09:00-17:00"}
    service = {**records("services.json")[3], "horaires_accueil": "Mo-Fr 09:00-12:00; PH off"}
    got = read_structure(structure, [(3, service)], today=TODAY, tax=taxonomy())
    home, own = got.places
    assert home.record.place["closed_holidays"] == "UNKNOWN" and home.record.services == []
    assert own.external_id == "france-travail--s2#PH-closed"
    assert own.record.place["closed_holidays"] == "CLOSED"
    assert own.record.place["lat"] == home.record.place["lat"]  # the same address
    assert own.record.services[0]["closed_holidays"] == "CLOSED"


def test_a_structure_without_hours_takes_the_holiday_rule_of_its_first_service_with_some() -> None:
    structure = {**records("structures.json")[1], "horaires_accueil": None}
    first = {**records("services.json")[3], "horaires_accueil": "Mo 09:00-12:00; PH off"}
    second = {**first, "id": "france-travail--other", "horaires_accueil": "Tu 09:00-12:00"}
    unsaid = {**first, "id": "france-travail--unsaid", "horaires_accueil": None}
    got = read_structure(structure, [(1, first), (2, second), (3, unsaid)], today=TODAY, tax=taxonomy())
    home, other = got.places
    assert home.record.place["closed_holidays"] == "CLOSED" and len(home.record.services) == 2
    assert other.external_id == "france-travail--s2#PH-unknown"
