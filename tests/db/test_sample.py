"""The generated sample directory: reproducible, at Alsace's real scale, in the format the importer reads."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from db.categories import taxonomy
from db.sample import ALSACE, ID_BASE, SOURCE_NAME, communes, generate
from db.schedule import WEEKDAYS, Slot, parse_instant, parse_period, parse_week
from db.sql.importer import validate

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=ZoneInfo("Europe/Paris"))
Doc = dict[str, Any]


@pytest.fixture(scope="module")
def alsace() -> list[Doc]:
    return list(generate(now=NOW))


def test_same_seed_and_now_give_the_same_bytes(alsace: list[Doc]) -> None:
    again = list(generate(now=NOW.astimezone(UTC)))  # the same instant written in UTC
    assert json.dumps(again, ensure_ascii=False) == json.dumps(alsace, ensure_ascii=False)
    assert json.dumps(list(generate(seed=7, services=400, now=NOW))) != json.dumps(
        list(generate(seed=8, services=400, now=NOW))
    )


def test_alsace_has_soliguides_real_counts_per_department(alsace: list[Doc]) -> None:
    places = Counter(d["position"]["departmentCode"] for d in alsace)
    services: Counter[str] = Counter()
    for d in alsace:
        services[d["position"]["departmentCode"]] += len(d["services_all"])
    for dept, n_places, n_services in ALSACE:
        assert abs(places[dept] - n_places) <= 0.03 * n_places
        assert abs(services[dept] - n_services) <= 0.03 * n_services
    assert set(places) == {"67", "68"}


def test_ids_are_unique_and_out_of_soliguides_range(alsace: list[Doc]) -> None:
    ids = [d["lieu_id"] for d in alsace]
    assert len(set(ids)) == len(ids)
    assert min(ids) > ID_BASE
    service_ids = [s["serviceObjectId"] for d in alsace for s in d["services_all"]]
    assert len(set(service_ids)) == len(service_ids)
    assert all(d["sources"][0]["name"] == SOURCE_NAME for d in alsace)


def test_every_document_has_the_fields_of_the_export_format(alsace: list[Doc]) -> None:
    place_keys = {
        "lieu_id",
        "name",
        "description",
        "status",
        "visibility",
        "placeType",
        "position",
        "entity",
        "languages",
        "publics",
        "modalities",
        "newhours",
        "tempInfos",
        "services_all",
        "updatedByUserAt",
        "createdAt",
        "updatedAt",
        "sources",
    }
    position_keys = {
        "address",
        "postalCode",
        "city",
        "cityCode",
        "departmentCode",
        "department",
        "location",
        "timeZone",
    }
    service_keys = {
        "category",
        "name",
        "description",
        "differentHours",
        "hours",
        "differentPublics",
        "publics",
        "differentModalities",
        "modalities",
        "close",
        "saturated",
        "serviceObjectId",
    }
    for doc in alsace:
        assert place_keys <= doc.keys()
        assert position_keys <= doc["position"].keys()
        assert doc["position"]["timeZone"] == "Europe/Paris"
        assert doc["position"]["location"]["type"] == "Point"
        assert doc["description"].startswith("<p>")
        assert {"closure", "hours", "message"} == doc["tempInfos"].keys()
        assert 1 <= len(doc["services_all"]) <= 10
        for service in doc["services_all"]:
            assert service_keys <= service.keys()
            assert service["saturated"]["status"] in {"LOW", "MEDIUM", "HIGH"}
        for phone in doc["entity"]["phones"]:
            assert phone["phoneNumber"][:8] in {"03 53 01", "06 39 98"}  # ARCEP's fiction ranges
        assert parse_instant(doc["updatedByUserAt"]) is not None


def test_the_importer_accepts_every_document(alsace: list[Doc]) -> None:
    records, rejected = validate(alsace, taxonomy())
    assert rejected == []
    assert len(records) == len(alsace)


def test_categories_are_taxonomy_ids_and_mostly_leaves(alsace: list[Doc]) -> None:
    tax = taxonomy()
    cats = [s["category"] for d in alsace for s in d["services_all"]]
    assert all(c in tax.by_id for c in cats)
    assert sum(1 for c in cats if c not in tax.children) / len(cats) > 0.95
    for d in alsace:
        for s in d["services_all"]:
            if "categorie" in s:
                assert tax.resolve(s["categorie"]) == s["category"]
    counts = Counter(cats)
    for common in (
        "food_distribution",
        "shower",
        "day_hosting",
        "clothing",
        "domiciliation",
        "french_course",
        "emergency_accommodation",
        "overnight_stop",
        "general_practitioner",
        "wifi",
        "toilets",
    ):
        assert counts[common] > 0, common


def test_places_lie_in_their_department_and_bigger_towns_get_more(alsace: list[Doc]) -> None:
    boxes: dict[str, list[float]] = {}
    for c in communes():
        if c.dept in ("67", "68"):
            box = boxes.setdefault(c.dept, [c.lat, c.lat, c.lon, c.lon])
            box[:] = [min(box[0], c.lat), max(box[1], c.lat), min(box[2], c.lon), max(box[3], c.lon)]
    for doc in alsace:
        lon, lat = doc["position"]["location"]["coordinates"]
        south, north, west, east = boxes[doc["position"]["departmentCode"]]
        assert south - 0.03 <= lat <= north + 0.03 and west - 0.04 <= lon <= east + 0.04
        insee = doc["position"]["cityCode"]
        assert insee[:2] == doc["position"]["departmentCode"]
        assert doc["position"]["postalCode"] in doc["position"]["address"]
    towns = Counter(d["position"]["city"] for d in alsace)
    assert towns["Strasbourg"] > towns["Mulhouse"] > towns["Colmar"] > towns["Sélestat"]


def test_about_five_percent_temporary_closures_before_during_and_after_now(alsace: list[Doc]) -> None:
    periods = [p for d in alsace if (p := parse_period(d["tempInfos"]["closure"]))]
    assert 0.03 <= len(periods) / len(alsace) <= 0.08
    assert any(p.covers(NOW) for p in periods)
    assert any(p.start > NOW for p in periods)
    assert any(p.end is not None and p.end < NOW for p in periods)
    assert any(p.end is None for p in periods)
    for d in alsace:
        closure = d["tempInfos"]["closure"]
        if closure["dateDebut"] and closure["actif"]:  # Soliguide raises the flag 15 days ahead
            start = parse_instant(closure["dateDebut"])
            assert start is not None and start - timedelta(days=15) <= NOW
    closed_services = sum(1 for d in alsace for s in d["services_all"] if s["close"]["dateDebut"])
    assert 0.01 <= closed_services / sum(len(d["services_all"]) for d in alsace) <= 0.04
    assert any(d["tempInfos"]["message"]["name"] for d in alsace)
    assert any(d["tempInfos"]["hours"]["hours"] for d in alsace)


def test_night_stops_are_split_at_midnight_the_soliguide_way(alsace: list[Doc]) -> None:
    nights = [d for d in alsace if d["services_all"][0]["category"] == "overnight_stop" and d["newhours"]]
    split = 0
    for doc in nights:
        hours = doc["newhours"]
        for index, day in enumerate(WEEKDAYS):
            if any(slot["start"] >= 1700 and slot["end"] == 2359 for slot in hours[day]["timeslot"]):
                morning = hours[WEEKDAYS[(index + 1) % 7]]["timeslot"]
                assert morning[0]["start"] == 0 and 600 <= morning[0]["end"] <= 1000
                split += 1
        week = parse_week(hours)
        if week is not None:  # the importer joins the two halves back into one night
            assert any(
                d[-1].end == 1440 and week.days[(i + 1) % 7][0].start == 0
                for i, d in enumerate(week.days)
                if d
            )
    assert split >= 5


def test_realistic_mix_of_hours_audiences_and_states(alsace: list[Doc]) -> None:
    weeks = [parse_week(d["newhours"]) for d in alsace]
    unknown = sum(1 for w in weeks if w is None)
    assert 0.01 <= unknown / len(alsace) <= 0.06
    lunch_break = sum(1 for w in weeks if w and len(w.days[0]) == 2 and w.days[0][0].end <= 12 * 60 + 30)
    assert lunch_break > len(alsace) * 0.2
    always = sum(1 for w in weeks if w and all(day == (Slot(0, 1440),) for day in w.days))
    assert always > 10
    assert Counter(d["publics"]["accueil"] for d in alsace).most_common(1)[0][0] == 0
    assert any(d["publics"]["accueil"] == 2 and d["publics"]["gender"] == ["women"] for d in alsace)
    statuses = Counter(d["status"] for d in alsace)
    assert statuses["ONLINE"] / len(alsace) > 0.85 and statuses["DRAFT"] and statuses["OFFLINE"]
    assert Counter(d["visibility"] for d in alsace)["PRO"] > 0
    assert any(s["differentHours"] for d in alsace for s in d["services_all"])
    itineraries = [d for d in alsace if d["placeType"] == "PARCOURS_MOBILE"]
    assert itineraries and all(2 <= len(d["parcours"]) <= 5 for d in itineraries)
    ages = [(NOW - parse_instant(d["updatedByUserAt"])).days for d in alsace]  # type: ignore[operator]
    assert min(ages) >= 0 and max(ages) <= 549 and max(ages) > 300


def test_services_n_gives_a_national_set_of_n_services() -> None:
    docs = list(generate(services=8_000, now=NOW))
    total = sum(len(d["services_all"]) for d in docs)
    assert abs(total - 8_000) <= 80
    assert 3.8 <= total / len(docs) <= 4.2
    assert len({d["position"]["departmentCode"] for d in docs}) > 80
    assert len({d["lieu_id"] for d in docs}) == len(docs)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        next(generate(now=datetime(2026, 1, 1)))  # noqa: DTZ001
