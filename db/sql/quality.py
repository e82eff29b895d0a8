"""The directory's data-quality index (exhaustivité, complétude, récence, each /5) per department and
commune, and the places to update first. Method and its limits: docs/indicators.md (issue 14)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, text

from db.categories import taxonomy
from db.geo import haversine_m
from db.reference import Commune, communes

# The essential needs the committee follows, each a branch of Soliguide's taxonomy.
ESSENTIALS: Mapping[str, tuple[str, ...]] = {
    "food": ("food",),
    "shelter": ("accomodation_and_housing",),
    "hygiene": ("hygiene_and_wellness",),
    "health": ("health",),
    "counselling": ("counseling",),
}
REACH_KM = 10.0  # "a reasonable distance": a bus ride in Alsace; one value for town and country
# Complétude: what a person needs to go there, weighted by how much its absence costs them.
WEIGHTS: Mapping[str, int] = {
    "hours": 3,
    "phone": 2,
    "address": 2,
    "publics": 1,
    "conditions": 1,
    "languages": 1,
}
RECENT = timedelta(days=183)  # updated by a person within 6 months
AGE_BANDS = ((31, "< 1 mois"), (92, "1-3 mois"), (183, "3-6 mois"), (365, "6-12 mois"), (730, "1-2 ans"))
OLDER, NEVER = "> 2 ans", "jamais"
DEMAND_KM = 10.0  # searches from communes this close count as a place's demand


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    category: str
    hours: bool
    phone: bool
    address: bool
    publics: bool
    conditions: bool
    languages: bool
    description: str = ""
    email: bool = False
    website: bool = False


@dataclass(frozen=True, slots=True)
class PlaceFacts:
    lieu_id: int
    name: str
    commune: str
    department: str
    lat: float
    lon: float
    verified_at: datetime | None  # updatedByUserAt: a person checked the record
    services: tuple[ServiceFacts, ...]


@dataclass(frozen=True, slots=True)
class Scores:
    """Three scores out of 5 (one decimal) and what they are made of."""

    exhaustivite: float
    completude: float
    recence: float
    places: int
    services: int
    population: int
    covered: Mapping[str, float]  # essential need → share of the population within REACH_KM
    ages: Mapping[str, int]  # age band of the last human update → places
    di_score: float | None  # mean of data·inclusion's score_qualite criteria that fit (0..1)


@dataclass(frozen=True, slots=True)
class Priority:
    lieu_id: int
    name: str
    commune: str
    months_stale: float | None  # None: never updated by a person
    demand: int  # searches for its needs from communes within DEMAND_KM
    reports: int  # open "reported wrong" reports (db/sql/reports.py): said since a person last checked it
    score: float


@dataclass(frozen=True, slots=True)
class QualityIndex:
    department: Scores
    communes: Mapping[str, Scores] = field(default_factory=dict)
    priorities: tuple[Priority, ...] = ()


def _within(places: Sequence[PlaceFacts], lat: float, lon: float, km: float) -> Iterable[PlaceFacts]:
    dlat = km / 111.0
    dlon = km / (111.0 * max(math.cos(math.radians(lat)), 0.1))
    for p in places:
        if (
            abs(p.lat - lat) <= dlat
            and abs(p.lon - lon) <= dlon
            and haversine_m(lat, lon, p.lat, p.lon) <= km * 1000
        ):
            yield p


def _essential_categories() -> Mapping[str, frozenset[str]]:
    tax = taxonomy()
    return {need: frozenset(tax.expand(list(roots))) for need, roots in ESSENTIALS.items()}


def coverage(
    places: Sequence[PlaceFacts], towns: Sequence[Commune], km: float = REACH_KM
) -> dict[str, float]:
    """Share of the towns' population with a place of each essential need within `km` of their centre."""
    essentials = _essential_categories()
    people = sum(c.population for c in towns) or 1
    covered = dict.fromkeys(ESSENTIALS, 0)
    for town in towns:
        near = list(_within(places, town.lat, town.lon, km))
        offered = {s.category for p in near for s in p.services}
        for need, categories in essentials.items():
            if offered & categories:
                covered[need] += town.population
    return {need: n / people for need, n in covered.items()}


def service_completeness(service: ServiceFacts) -> float:
    """0..1: the weighted share of WEIGHTS' fields the service (or its place) gives."""
    return sum(w for name, w in WEIGHTS.items() if getattr(service, name)) / sum(WEIGHTS.values())


def age_band(verified_at: datetime | None, now: datetime) -> str:
    if verified_at is None:
        return NEVER
    days = (now - verified_at).days
    return next((label for limit, label in AGE_BANDS if days < limit), OLDER)


class _DiService:
    """The attributes data·inclusion's score_qualite criteria read, from a Soliguide service."""

    def __init__(self, place: PlaceFacts, service: ServiceFacts) -> None:
        from data_inclusion.schema.v1 import ModeAccueil

        self.source = "soliguide"
        self.adresse = "x" if service.address else None
        self.modes_accueil = [ModeAccueil.EN_PRESENTIEL]  # a Soliguide place is a place one goes to
        self.modes_mobilisation = None  # Soliguide has no such field: the criteria built on it do not apply
        self.publics = ["tous-publics"] if service.publics else None
        self.thematiques = [service.category]
        self.courriel = "x" if service.email else None
        self.telephone = "x" if service.phone else None
        self.lien_mobilisation = "x" if service.website else None
        self.date_maj = place.verified_at
        self.description = service.description


def di_score(place: PlaceFacts, service: ServiceFacts) -> float:
    """data·inclusion's own criteria (data-inclusion-schema, v1/score_qualite.py) that read fields
    Soliguide has: address, publics, thematique, a contact, recent update, description. The two whose
    rules need data·inclusion's fields (modes de mobilisation, frais) are left out (docs/indicators.md)."""
    from data_inclusion.schema.v1 import Service
    from data_inclusion.schema.v1 import score_qualite as sq

    adapted = cast(Service, _DiService(place, service))
    results = [
        sq.adresse_bien_definie(adapted),
        sq.au_moins_un_public(adapted),
        sq.au_moins_une_thematique(adapted),
        sq.au_moins_un_moyen_de_contact(adapted),
        sq.date_maj_recente(adapted),
        sq.description_bien_definie(adapted) if 0 < len(service.description) <= 10000 else 0.0,
    ]
    kept = [float(r) for r in results if r is not None]
    return sum(kept) / len(kept)


def scores(
    places: Sequence[PlaceFacts],
    towns: Sequence[Commune],
    now: datetime,
    *,
    nearby: Sequence[PlaceFacts] | None = None,
    with_di: bool = True,
) -> Scores:
    """The three scores of a territory: `places` are its own, `towns` its communes, `nearby` every
    place that may serve them (its own and its neighbours' across a border)."""
    covered = coverage(nearby if nearby is not None else places, towns)
    services = [(p, s) for p in places for s in p.services]
    complete = sum(service_completeness(s) for _, s in services) / len(services) if services else 0.0
    recent = sum(1 for p in places if p.verified_at and now - p.verified_at <= RECENT)
    ages: dict[str, int] = {label: 0 for _, label in AGE_BANDS} | {OLDER: 0, NEVER: 0}
    for p in places:
        ages[age_band(p.verified_at, now)] += 1
    di = sum(di_score(p, s) for p, s in services) / len(services) if with_di and services else None
    return Scores(
        exhaustivite=round(5 * sum(covered.values()) / len(covered), 1),
        completude=round(5 * complete, 1),
        recence=round(5 * recent / len(places), 1) if places else 0.0,
        places=len(places),
        services=len(services),
        population=sum(c.population for c in towns),
        covered=covered,
        ages=ages,
        di_score=round(di, 2) if di is not None else None,
    )


def priorities(
    places: Sequence[PlaceFacts],
    demand: Mapping[tuple[str, str], int],
    now: datetime,
    top: int = 20,
    reported: Mapping[int, int] | None = None,
) -> tuple[Priority, ...]:
    """Stale × most searched × reported wrong. `demand`: (commune, need as asked) → searches; `reported`:
    lieu_id → open reports. A need counts for a place when one of its services is that category or below."""
    tax = taxonomy()
    towns = communes()
    expanded = {need: frozenset(tax.expand([need])) for _, need in demand}
    found = []
    for p in places:
        offered = {s.category for s in p.services}
        wanted = 0
        for (commune, need), n in demand.items():
            town = towns.get(commune)
            if town is None or not offered & expanded[need]:
                continue
            if haversine_m(p.lat, p.lon, town.lat, town.lon) <= DEMAND_KM * 1000:
                wanted += n
        months = (now - p.verified_at).days / 30.44 if p.verified_at else None
        stale = 1.0 if months is None else min(months, 24.0) / 24.0
        reports = (reported or {}).get(p.lieu_id, 0)
        score = stale * (1 + wanted) * (1 + reports)
        found.append(Priority(p.lieu_id, p.name, p.commune, months, wanted, reports, round(score, 2)))
    found.sort(key=lambda x: (-x.score, x.lieu_id))
    return tuple(found[:top])


def index(
    places: Sequence[PlaceFacts],
    department: str,
    now: datetime,
    demand: Mapping[tuple[str, str], int] | None = None,
    reported: Mapping[int, int] | None = None,
) -> QualityIndex:
    """The department's scores, each of its communes with a place or 2,000 people, and priorities."""
    towns = [c for c in communes().values() if c.dept == department]
    own = [p for p in places if p.department == department]
    by_commune: dict[str, list[PlaceFacts]] = {}
    for p in own:
        by_commune.setdefault(p.commune, []).append(p)
    local = {}
    for town in towns:
        if town.insee in by_commune or town.population >= 2000:
            mine = by_commune.get(town.insee, [])
            local[town.insee] = scores(mine, [town], now, nearby=places, with_di=False)
    return QualityIndex(
        department=scores(own, towns, now, nearby=places),
        communes=local,
        priorities=priorities(own, demand or {}, now, reported=reported),
    )


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _aware(value: Any) -> datetime | None:
    """SQLite keeps no offset: the importer writes UTC."""
    if value is None:
        return None
    found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _has_hours(value: Any) -> bool:
    week = _loads(value)
    return isinstance(week, list) and any(day for day in week)


def read_places(conn: Connection, departments: Sequence[str]) -> list[PlaceFacts]:
    """ONLINE places of these departments (and their neighbours' places within reach are the
    caller's to add), with what the index reads of each service."""
    marks = ", ".join(f":d{i}" for i in range(len(departments)))
    params = {f"d{i}": d for i, d in enumerate(departments)}
    rows = conn.execute(
        text(
            "SELECT p.id, p.lieu_id, p.name, p.city_code, p.department_code, p.lat, p.lon, "  # noqa: S608
            "p.updated_by_user_at, p.phones, p.address, p.place_type, p.languages, p.publics, "
            "p.modalities, p.hours, p.email, p.website, p.description, "
            "s.category, s.different_hours, s.hours, s.publics, s.modalities, s.description "
            "FROM place p JOIN service s ON s.place_id = p.id "
            f"WHERE p.status = 'ONLINE' AND p.lat IS NOT NULL AND p.department_code IN ({marks}) "
            "ORDER BY p.id, s.position"
        ),
        params,
    ).all()
    places: dict[int, tuple[list[Any], list[ServiceFacts]]] = {}
    for r in rows:
        head, services = places.setdefault(r[0], (list(r[:18]), []))
        phones = _loads(head[8]) or []
        place_publics, place_modalities = _loads(head[12]), _loads(head[13])
        services.append(
            ServiceFacts(
                category=r[18],
                hours=_has_hours(r[20] if r[19] else head[14]),
                phone=any(isinstance(p, dict) and p.get("number") for p in phones),
                address=bool(head[9]) or head[10] == "PARCOURS_MOBILE",
                publics=bool(_loads(r[21]) or place_publics),
                conditions=bool(_loads(r[22]) or place_modalities),
                languages=bool(_loads(head[11])),
                description=r[23] or head[17] or "",
                email=bool(head[15]),
                website=bool(head[16]),
            )
        )
    return [
        PlaceFacts(
            lieu_id=head[1],
            name=head[2],
            commune=head[3] or "",
            department=head[4] or "",
            lat=float(head[5]),
            lon=float(head[6]),
            verified_at=_aware(head[7]),
            services=tuple(services),
        )
        for head, services in places.values()
    ]
