"""Finding services: a Query (point, categories, instant, filters) → the nearest matching services.

Ranking puts what a person can walk into now first: open, then unknown hours, then closed but
opening within a day, then the rest; nearest first inside each group. The radius widens
(1 → 3 → 10 → 30 km) until a page is filled, and the page says which radius it used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.categories import Taxonomy, taxonomy
from db.models import PlaceRow, ServiceRow, StopRow
from db.schedule import Period, Week
from search.geo import Point, bounding_box, distance_m
from search.hours import OpenState, Openness, Timing, state_at

log = logging.getLogger(__name__)

RADII_KM = (1.0, 3.0, 10.0, 30.0)
SOON = timedelta(hours=24)
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Filters:
    """Who is asking and what they need; a public restricts only where a place is exclusive (accueil 2)."""

    gender: str | None = None  # "men" | "women"
    age: int | None = None
    family: str | None = None  # "isolated" | "family" | "couple" | "pregnant"
    administrative: str | None = None  # "regular" | "asylum" | "refugee" | "undocumented"
    free: bool = False
    no_appointment: bool = False
    animals: bool = False
    wheelchair: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    point: Point
    at: datetime
    categories: tuple[str, ...] = ()
    radius_km: float | None = None  # None: widen through RADII_KM
    filters: Filters = field(default_factory=Filters)
    limit: int = 10
    offset: int = 0

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Query.at must be timezone-aware")
        if not (1 <= self.limit <= MAX_LIMIT) or self.offset < 0:
            raise ValueError("limit must be 1..100 and offset >= 0")
        if self.radius_km is not None and not (0 < self.radius_km <= 200):
            raise ValueError("radius_km must be in (0, 200]")


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a service is for (Soliguide `publics`): accueil 0 everyone, 1 preferred, 2 exclusive."""

    welcome: int = 0
    genders: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    family: tuple[str, ...] = ()
    administrative: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    source: str
    lieu_id: int
    service_id: int
    place_name: str
    service_name: str | None
    category: str
    other_categories: tuple[str, ...]
    distance_m: float
    point: Point
    address: str
    postal_code: str
    city: str
    phones: tuple[str, ...]
    state: OpenState
    timing: Timing
    temp_message: str | None
    conditions: tuple[tuple[str, str], ...]  # (kind, precision): appointment, registration, referral, price…
    audience: Audience
    languages: tuple[str, ...]
    verified_at: datetime | None
    description: str
    email: str | None
    website: str | None
    saturation: str | None
    itinerary: bool

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: tuple[Result, ...]
    radius_km: float
    total: int  # matching services (one per place) within the radius


def _tier(state: OpenState, at: datetime) -> int:
    if state.openness is Openness.OPEN:
        return 0
    if state.openness is Openness.UNKNOWN:
        return 1
    if state.opens_at is not None and state.opens_at - at <= SOON:
        return 2
    return 3


def _week(value: Any) -> Week | None:
    data = json.loads(value) if isinstance(value, str) else value
    return Week.from_json(data) if data else None


def _period(value: Any) -> Period | None:
    data = json.loads(value) if isinstance(value, str) else value
    return Period.from_json(data) if data else None


def _mapping(value: Any) -> Mapping[str, Any]:
    data = json.loads(value) if isinstance(value, str) else value
    return data if isinstance(data, Mapping) else {}


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def audience_of(publics: Mapping[str, Any]) -> Audience:
    age = publics.get("age") if isinstance(publics.get("age"), Mapping) else {}
    welcome = publics.get("accueil")
    return Audience(
        welcome=welcome if isinstance(welcome, int) else 0,
        genders=_strings(publics.get("gender")),
        age_min=age.get("min") if isinstance(age.get("min"), int) else None,
        age_max=age.get("max") if isinstance(age.get("max"), int) else None,
        family=_strings(publics.get("familialle")),
        administrative=_strings(publics.get("administrative")),
        other=_strings(publics.get("other")),
        description=str(publics.get("description") or ""),
    )


def admits(audience: Audience, filters: Filters) -> bool:
    """Exclusive places (accueil 2) turn away whoever is outside their publics; others admit all."""
    if audience.welcome != 2:
        return True
    if filters.gender and audience.genders and filters.gender not in audience.genders:
        return False
    if filters.age is not None:
        if audience.age_min is not None and filters.age < audience.age_min:
            return False
        if audience.age_max is not None and filters.age > audience.age_max:
            return False
    if filters.family and audience.family and filters.family not in audience.family:
        return False
    return not (
        filters.administrative and audience.administrative and filters.administrative not in audience.administrative
    )


def _checked(modalities: Mapping[str, Any], key: str) -> bool:
    value = modalities.get(key)
    return isinstance(value, Mapping) and value.get("checked") is True


def conditions_of(modalities: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for key, kind in (
        ("appointment", "appointment"),
        ("inscription", "registration"),
        ("orientation", "referral"),
        ("price", "price"),
        ("animal", "animals"),
        ("pmr", "wheelchair"),
    ):
        if _checked(modalities, key):
            precisions = modalities[key].get("precisions")
            out.append((kind, str(precisions).strip() if precisions else ""))
    other = modalities.get("other")
    if isinstance(other, str) and other.strip():
        out.append(("other", other.strip()))
    return tuple(out)


def accepts(modalities: Mapping[str, Any], filters: Filters) -> bool:
    if filters.free and _checked(modalities, "price"):
        return False
    if filters.no_appointment and (_checked(modalities, "appointment") or _checked(modalities, "inscription")):
        return False
    if filters.animals and not _checked(modalities, "animal"):
        return False
    return not (filters.wheelchair and not _checked(modalities, "pmr"))


_COLUMNS = (
    StopRow.id.label("stop_id"),  # type: ignore[union-attr]
    StopRow.lat,
    StopRow.lon,
    StopRow.address.label("stop_address"),  # type: ignore[attr-defined]
    StopRow.postal_code.label("stop_postal_code"),  # type: ignore[attr-defined]
    StopRow.city.label("stop_city"),  # type: ignore[attr-defined]
    StopRow.hours.label("stop_hours"),  # type: ignore[attr-defined]
    StopRow.closed_holidays.label("stop_holidays"),  # type: ignore[attr-defined]
    PlaceRow.id.label("place_id"),  # type: ignore[union-attr]
    PlaceRow.source,
    PlaceRow.lieu_id,
    PlaceRow.name.label("place_name"),  # type: ignore[attr-defined]
    PlaceRow.description.label("place_description"),  # type: ignore[attr-defined]
    PlaceRow.place_type,
    PlaceRow.department_code,
    PlaceRow.timezone,
    PlaceRow.phones,
    PlaceRow.email,
    PlaceRow.website,
    PlaceRow.languages,
    PlaceRow.publics.label("place_publics"),  # type: ignore[attr-defined]
    PlaceRow.modalities.label("place_modalities"),  # type: ignore[attr-defined]
    PlaceRow.hours.label("place_hours"),  # type: ignore[attr-defined]
    PlaceRow.closed_holidays.label("place_holidays"),  # type: ignore[attr-defined]
    PlaceRow.temp_closure,
    PlaceRow.temp_hours,
    PlaceRow.temp_message,
    PlaceRow.updated_by_user_at,
    ServiceRow.id.label("service_id"),  # type: ignore[union-attr]
    ServiceRow.category,
    ServiceRow.name.label("service_name"),  # type: ignore[attr-defined]
    ServiceRow.description.label("service_description"),  # type: ignore[attr-defined]
    ServiceRow.different_hours,
    ServiceRow.hours.label("service_hours"),  # type: ignore[attr-defined]
    ServiceRow.closed_holidays.label("service_holidays"),  # type: ignore[attr-defined]
    ServiceRow.publics.label("service_publics"),  # type: ignore[attr-defined]
    ServiceRow.modalities.label("service_modalities"),  # type: ignore[attr-defined]
    ServiceRow.closure.label("service_closure"),  # type: ignore[attr-defined]
    ServiceRow.saturation,
)


def timing_of(row: Row[Any]) -> Timing:
    """The hours that apply to one service at one stop, in Soliguide's order of precedence."""
    if row.stop_hours:
        week, policy = _week(row.stop_hours), row.stop_holidays
    elif row.different_hours:
        week, policy = _week(row.service_hours), row.service_holidays
    else:
        week, policy = _week(row.place_hours), row.place_holidays
    closures = tuple(p for p in (_period(row.temp_closure), _period(row.service_closure)) if p)
    temp = _mapping(row.temp_hours)
    temp_hours = (Period.from_json(temp), _week(temp.get("week"))) if temp else None
    return Timing(
        tz=row.timezone,
        week=week,
        department=row.department_code or None,
        closed_holidays=policy or "UNKNOWN",
        closures=closures,
        temp_hours=temp_hours,
    )


def _result(row: Row[Any], origin: Point, at: datetime) -> tuple[Result, Mapping[str, Any], Mapping[str, Any]]:
    timing = timing_of(row)
    publics = _mapping(row.service_publics) or _mapping(row.place_publics)
    modalities = _mapping(row.service_modalities) or _mapping(row.place_modalities)
    message = _period(row.temp_message)
    verified = row.updated_by_user_at
    if isinstance(verified, str):
        verified = datetime.fromisoformat(verified)
    point = Point(row.lat, row.lon)
    phones = tuple(str(p.get("number")) for p in (json.loads(row.phones) if isinstance(row.phones, str) else row.phones or ()))
    result = Result(
        source=row.source,
        lieu_id=row.lieu_id,
        service_id=row.service_id,
        place_name=row.place_name,
        service_name=row.service_name,
        category=row.category,
        other_categories=(),
        distance_m=distance_m(origin, point),
        point=point,
        address=row.stop_address,
        postal_code=row.stop_postal_code,
        city=row.stop_city,
        phones=phones,
        state=state_at(timing, at),
        timing=timing,
        temp_message=message.text if message and message.covers(at) else None,
        conditions=conditions_of(modalities),
        audience=audience_of(publics),
        languages=_strings(json.loads(row.languages) if isinstance(row.languages, str) else row.languages),
        verified_at=verified,
        description=row.service_description or row.place_description,
        email=row.email,
        website=row.website,
        saturation=row.saturation,
        itinerary=row.place_type == "PARCOURS_MOBILE",
    )
    return result, publics, modalities


class Directory:
    """The search seam the conversation talks to; backed by SQLite (R*Tree) or PostgreSQL (earthdistance)."""

    def __init__(self, engine: AsyncEngine, tax: Taxonomy | None = None) -> None:
        self._engine = engine
        self._taxonomy = tax or taxonomy()
        self._sqlite = engine.dialect.name == "sqlite"

    def _statement(self, categories: frozenset[str]) -> Any:
        statement = (
            select(*_COLUMNS)
            .select_from(StopRow)
            .join(PlaceRow, PlaceRow.id == StopRow.place_id)  # type: ignore[arg-type]
            .join(ServiceRow, ServiceRow.place_id == PlaceRow.id)  # type: ignore[arg-type]
            .where(PlaceRow.status == "ONLINE", PlaceRow.visibility == "ALL")
        )
        if categories:
            statement = statement.where(ServiceRow.category.in_(bindparam("categories", expanding=True)))  # type: ignore[attr-defined]
        if self._sqlite:
            return statement.where(
                text(
                    "stop.id IN (SELECT id FROM stop_rtree WHERE min_lat >= :min_lat AND max_lat <= :max_lat "
                    "AND min_lon >= :min_lon AND max_lon <= :max_lon)"
                )
            )
        return statement.where(text("earth_box(ll_to_earth(:lat, :lon), :radius_m) @> ll_to_earth(stop.lat, stop.lon)"))

    async def _within(self, query: Query, categories: frozenset[str], radius_km: float) -> list[Result]:
        radius_m = radius_km * 1000
        min_lat, max_lat, min_lon, max_lon = bounding_box(query.point, radius_m)
        params: dict[str, Any] = {
            "min_lat": min_lat,
            "max_lat": max_lat,
            "min_lon": min_lon,
            "max_lon": max_lon,
            "lat": query.point.lat,
            "lon": query.point.lon,
            "radius_m": radius_m,
        }
        if categories:
            params["categories"] = sorted(categories)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(self._statement(categories), params)).all()
        best: dict[int, tuple[tuple[int, float, int], Result, set[str]]] = {}
        for row in rows:
            if distance_m(query.point, Point(row.lat, row.lon)) > radius_m:
                continue
            result, publics, modalities = _result(row, query.point, query.at)
            if not admits(result.audience, query.filters) or not accepts(modalities, query.filters):
                continue
            key = (_tier(result.state, query.at), result.distance_m, result.service_id)
            seen = best.get(row.place_id)
            if seen is None:
                best[row.place_id] = (key, result, {result.category})
            else:
                seen[2].add(result.category)
                if key < seen[0]:
                    best[row.place_id] = (key, result, seen[2])
        ranked = sorted(best.values(), key=lambda item: (item[0], item[1].lieu_id))
        return [
            _with_others(result, categories_seen) for _key, result, categories_seen in ranked
        ]

    async def search(self, query: Query) -> SearchPage:
        categories = self._taxonomy.expand(query.categories)
        radii: Sequence[float] = (query.radius_km,) if query.radius_km else RADII_KM
        wanted = query.offset + query.limit
        results: list[Result] = []
        radius = radii[-1]
        for radius in radii:
            results = await self._within(query, categories, radius)
            useful = sum(1 for r in results if _tier(r.state, query.at) < 3)
            if useful >= wanted:
                break
        log.info(
            "search categories=%s radius_km=%.0f hits=%d", ",".join(query.categories) or "*", radius, len(results)
        )
        page = results[query.offset : query.offset + query.limit]
        return SearchPage(results=tuple(page), radius_km=radius, total=len(results))


def _with_others(result: Result, categories: set[str]) -> Result:
    others = tuple(sorted(categories - {result.category}))
    if not others:
        return result
    return replace(result, other_categories=others)
