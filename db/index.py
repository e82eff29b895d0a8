"""What storage hands to search: every searchable point (to index in memory), and facts of a few.

The seam between storage and search. `db.sql.SqlIndex` reads these from SQLite or PostgreSQL; a
test can serve them from memory. Search keeps the points in memory (search.points.PointIndex) and
asks storage only for what a page shows, and, for a search filtered on who is asking, the publics
and modalities of the points it ranks. JSON columns travel as their text, so that search can parse
each distinct value once (many services share their place's hours).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from db.schedule import ALL_HOURS, SEARCH_ZONE, Week, hour_mask

if TYPE_CHECKING:  # numpy is imported by what builds or reads the points, not by reading a message
    import numpy as np
    import numpy.typing as npt

T = TypeVar("T")
Key = tuple[int, int]  # (stop id, service id): one service at one searchable point


@dataclass(frozen=True, slots=True)
class SearchPoints:
    """Every searchable (stop, service) pair, column by column (numpy arrays of one length), and the
    values its columns point into: what an in-memory index is built from.

    `hours[timing[i]]` are the hours facts of point i (only their hours columns are filled: what
    search.facts.timing_of reads); `masks[mask[i]]` its hours of the week (db.schedule.hour_mask).
    Points reading the same hours share one entry: a million services hold about one entry a
    place, not a million.
    `version` is the directory's data stamp read before the points (see IndexReader.version).
    """

    version: Hashable
    place_id: npt.NDArray[np.int64]
    stop_id: npt.NDArray[np.int64]
    service_id: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    category_code: npt.NDArray[np.int64]
    mask: npt.NDArray[np.int64]
    timing: npt.NDArray[np.int64]
    masks: Sequence[int]
    hours: Sequence[HoursFacts]


class HoursFacts(NamedTuple):
    """What ranking reads of a candidate: its hours in every form Soliguide's precedence may pick,
    and, when the search filters on who is asking, its publics and modalities. A row read, as a named
    tuple: made in a fifth of a frozen dataclass's time (two thousand at once for a filtered search)."""

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


class CardFacts(NamedTuple):
    """What a result on the page shows: names, address and its note, contacts, messages, publics,
    modalities. A row read, as a named tuple (ten a search)."""

    lieu_id: int
    source: str
    place_name: str
    place_description: str
    place_type: str
    lat: float  # the stop's position
    lon: float
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

    def version(self) -> Hashable:
        """A stamp of the directory's searchable data that changes whenever it does: cheap, read
        every few seconds by each worker to know whether its in-memory points are still current."""
        ...

    def facts(self, keys: Collection[Key]) -> Mapping[Key, HoursFacts]:
        """Hours, publics and modalities of some points (a search filtered on who is asking)."""
        ...

    def cards(self, keys: Collection[Key]) -> Mapping[Key, CardFacts]:
        """What the page shows of these points; a key no longer in the directory is left out."""
        ...


class Index(Protocol):
    async def read(self, work: Callable[[IndexReader], T]) -> T:
        """Run `work` (synchronous, pure but for its reads of a few rows by key: a page of cards)
        against one consistent reader; where the reads block, maybe on the event loop (they are
        quicker than a thread hop), else off it."""
        ...

    async def read_many(self, work: Callable[[IndexReader], T]) -> T:
        """As `read`, for work that may read any number of rows (a search filtered on who is asking
        reads the publics of every point it ranks): off the event loop where the reads block."""
        ...

    async def built(self, build: Callable[[SearchPoints], T]) -> T:
        """`build` over every searchable point, run off the event loop (seconds for a national
        directory), maybe in a child process: `build` and what it returns must pickle."""
        ...
