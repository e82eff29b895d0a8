"""What the search index hands to ranking: candidates near a point and the facts of some of them.

The seam between storage and search. `db.sql.SqlIndex` reads these from SQLite or PostgreSQL; a
test can serve them from memory. JSON columns travel as their text, so that search can parse each
distinct value once (many services share their place's hours).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from db.schedule import ALL_HOURS, SEARCH_ZONE, Week, hour_mask

T = TypeVar("T")
Key = tuple[int, int]  # (stop id, service id): one service at one searchable point


@dataclass(frozen=True, slots=True)
class Candidate:
    """A searchable (stop, service) pair: ids, exact position, category code, hours of the week."""

    place_id: int
    stop_id: int
    service_id: int
    lat: float
    lon: float
    category_code: int
    hour_mask: int  # bit h: the service may be open during hour h of the week (db.schedule.hour_mask)


@dataclass(frozen=True, slots=True)
class HoursFacts:
    """What ranking reads of a candidate: its hours in every form Soliguide's precedence may pick,
    and, when the search filters on who is asking, its publics and modalities."""

    lieu_id: int
    category: str
    lat: float
    lon: float
    timezone: str
    department_code: str
    stop_hours: str | None
    stop_holidays: str | None
    place_hours: str | None
    place_holidays: str | None
    temp_closure: str | None
    temp_hours: str | None
    different_hours: bool
    service_hours: str | None
    service_holidays: str | None
    service_closure: str | None
    place_publics: str | None = None
    place_modalities: str | None = None
    service_publics: str | None = None
    service_modalities: str | None = None


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What a result on the page shows: names, address and its note, contacts, messages, publics,
    modalities."""

    source: str
    place_name: str
    place_description: str
    place_type: str
    address: str
    postal_code: str
    city: str
    phones: str | None
    email: str | None
    website: str | None
    languages: str | None
    temp_message: str | None
    updated_by_user_at: datetime | None  # aware (UTC when the database keeps no offset)
    service_name: str | None
    service_description: str
    saturation: str | None
    place_publics: str | None
    place_modalities: str | None
    service_publics: str | None
    service_modalities: str | None
    address_note: str = ""  # "3e porte sur la droite": shown beside the address in the details


def candidate_mask(place: Mapping[str, Any], stop: Mapping[str, Any], service: Mapping[str, Any]) -> int:
    """The hours of the week a service may be open at a stop, as search reads them (Paris time), from
    the column values db.soliguide.read_place gives: the stop's hours, else the service's own, else the
    place's, with the place's temporary hours unless the service has its own hours (search.facts
    reads them the same way). A place in another time zone may be open at any hour."""
    if place["timezone"] != SEARCH_ZONE:
        return ALL_HOURS
    if stop.get("hours"):
        regular = stop["hours"]
    elif service["different_hours"]:
        regular = service["hours"]
    else:
        regular = place["hours"]
    weeks = [Week.from_json(regular) if regular else None]
    temp = None if service["different_hours"] else place.get("temp_hours")
    if temp and temp.get("week"):
        weeks.append(Week.from_json(temp["week"]))
    return hour_mask(weeks)


class IndexReader(Protocol):
    """Reads of one search, on one connection."""

    def candidates(
        self, lat: float, lon: float, radius_m: float, code_ranges: Sequence[tuple[int, int]]
    ) -> Sequence[Candidate]:
        """Every candidate within `radius_m` (a bounding box may add some beyond it) whose category
        code falls in one of the ranges; all categories when there is none."""
        ...

    def hours(self, keys: Collection[Key], *, audience: bool) -> Mapping[Key, HoursFacts]: ...

    def cards(self, keys: Collection[Key]) -> Mapping[Key, CardFacts]: ...


class Index(Protocol):
    async def read(self, work: Callable[[IndexReader], T]) -> T:
        """Run `work` (synchronous, pure but for its reads) against one consistent reader, off the
        event loop when the reads block."""
        ...
