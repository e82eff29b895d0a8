"""Search over imported data·inclusion files: its services, attributed, open or closed at the right time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from db.sql.datainclusion import import_data_inclusion
from db.sql.index import SqlIndex
from search.audience import Filters
from search.engine import Directory, Query, Result
from search.geo import Point
from search.hours import Openness

PARIS = ZoneInfo("Europe/Paris")
FILES = Path(__file__).parents[1] / "db" / "data_inclusion"
MULHOUSE = Point(47.7490, 7.3255)


async def search(directory: Directory, at: datetime, *categories: str, **more: Any) -> dict[str, Result]:
    query = Query(point=MULHOUSE, at=at, categories=categories, radius_km=5, limit=100)
    page = await directory.search(replace(query, **more))
    return {r.place_name: r for r in page.results}


async def test_data_inclusion_services_with_their_open_state(engine: Engine, async_engine: Any) -> None:
    import_data_inclusion(engine, FILES / "structures.json", FILES / "services.json", today=date(2026, 11, 1))
    directory = Directory(SqlIndex(async_engine))

    tuesday = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
    food = await search(directory, tuesday, "food")
    grocery = food["Épicerie solidaire du Drouot"]  # Mo-Fr 08:30-12:30; PH off
    assert grocery.source == "data-inclusion:dora" and grocery.service_name == "Épicerie solidaire"
    assert grocery.state.openness is Openness.OPEN
    assert grocery.state.closes_at == datetime(2026, 11, 17, 12, 30, tzinfo=PARIS)
    meals = food["Restaurant solidaire Saint-Fridolin"]  # Tu,Th 14:00-16:00, a Soliguide place
    assert meals.source == "data-inclusion:soliguide"
    assert meals.state.openness is Openness.CLOSED
    assert meals.state.opens_at == datetime(2026, 11, 17, 14, tzinfo=PARIS)
    assert list(food)[0] == "Épicerie solidaire du Drouot"  # open ranks first

    armistice = datetime(2026, 11, 11, 10, tzinfo=PARIS)  # a Wednesday, a public holiday
    grocery = (await search(directory, armistice, "food"))["Épicerie solidaire du Drouot"]
    assert grocery.state.openness is Openness.CLOSED and grocery.state.reason == "holiday"
    assert grocery.state.opens_at == datetime(2026, 11, 12, 8, 30, tzinfo=PARIS)
    good_friday = datetime(2027, 3, 26, 10, tzinfo=PARIS)  # a holiday in Alsace-Moselle only
    grocery = (await search(directory, good_friday, "food"))["Épicerie solidaire du Drouot"]
    assert grocery.state.openness is Openness.CLOSED and grocery.state.reason == "holiday"

    afternoon = datetime(2026, 11, 17, 15, tzinfo=PARIS)
    clothes = await search(directory, afternoon, "clothing")  # the service's own hours: Tu 14:00-17:00
    assert clothes["Épicerie solidaire du Drouot"].state.closes_at == datetime(2026, 11, 17, 17, tzinfo=PARIS)
    men = await search(directory, afternoon, "clothing", filters=Filters(gender="men"))
    assert "Épicerie solidaire du Drouot" not in men  # for women only

    care = (await search(directory, tuesday, "health"))["Maison de santé du Rebberg"]
    assert care.state.openness is Openness.UNKNOWN and care.state.open is None  # hours not readable

    shelter = await search(directory, datetime(2026, 12, 25, 3, tzinfo=PARIS), "accomodation_and_housing")
    night = shelter["Accueil d'urgence du Nordfeld"]  # 24/7, says nothing of holidays
    assert night.state.openness is Openness.OPEN and night.state.holiday_unsure

    legal = await search(directory, datetime(2026, 11, 18, 11, tzinfo=PARIS), "legal_advice")
    away = legal["Épicerie solidaire du Drouot"]  # given at the social centre, 2 km from the grocery
    assert away.address == "20 rue Wagner" and away.state.openness is Openness.OPEN
    assert 1500 < away.distance_m < 2500
