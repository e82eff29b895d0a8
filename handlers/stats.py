"""What a search turn tells the territory's statistics: a SearchEvent with no text, no user key and no
position finer than the commune (issue 14; docs/indicators.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from handlers.deps import Searcher
from search import PARIS, Filters, Point, Query, commune_at

HOUR_BUCKET = 3  # the asked hour is kept to 3-hour blocks (0, 3, … 21), enough for "after 18:00"
SUPPLY_RADII_KM = (1.0, 5.0, 30.0)
SUPPLY_LIMIT = 100  # open places counted around a search: beyond this, "100 or more"
# The distance to the nearest open place is kept as the bound of its band, not to the metre: with the
# place known, an exact distance would draw a circle through the person's position.
NEAREST_BANDS_KM = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0)


class EventKind(StrEnum):
    SEARCH = "search"  # a search answered (its first page)
    DETAILS = "details"  # the first details asked of a search's results: a strong success
    SENT = "sent"  # a result sent to a person by SMS, before any details: a strong success too


@dataclass(frozen=True, slots=True)
class Probe:
    """The search as asked, for measuring what was open around it once the reply has left. Held in
    memory by the recorder and dropped after the measure; never stored."""

    point: Point
    at: datetime
    categories: tuple[str, ...]
    filters: Filters


@dataclass(frozen=True, slots=True)
class Supply:
    """Places open at the asked time around the search point, and the band of the nearest."""

    open_1km: int
    open_5km: int
    open_30km: int
    nearest_open_km: float | None  # the upper bound of its band; None: nothing open within 30 km


@dataclass(frozen=True, slots=True)
class SearchEvent:
    """One search or one details asked, as the statistics keep it."""

    kind: EventKind
    day: date  # of the turn, Paris time
    hour: int  # the asked instant's 3-hour block, Paris time
    department: str  # "" when the point is in no French commune
    commune: str  # INSEE code of the commune whose centre is nearest the search point
    categories: tuple[str, ...]  # the needs as asked, sorted
    lang: str
    channel: str = ""  # filled by `respond`, which knows where the message came from
    role: str = "public"  # handlers.model.Role, filled by `respond` with the channel
    nothing_found: bool = False  # no matching service at all within the widest radius
    probe: Probe | None = field(default=None, compare=False, repr=False)


def search_event(
    kind: EventKind,
    needs: tuple[str, ...],
    categories: tuple[str, ...],
    place: tuple[float, float, str],
    at: datetime,
    now: datetime,
    lang: str,
    filters: Filters,
    *,
    nothing_found: bool = False,
) -> SearchEvent:
    point = Point(place[0], place[1])
    commune = commune_at(point)
    asked = at.astimezone(PARIS)
    return SearchEvent(
        kind=kind,
        day=now.astimezone(PARIS).date(),
        hour=asked.hour - asked.hour % HOUR_BUCKET,
        department=commune.dept if commune else "",
        commune=commune.insee if commune else "",
        categories=tuple(sorted(set(needs))),
        lang=lang,
        nothing_found=nothing_found,
        probe=Probe(point, at, categories, filters) if kind is EventKind.SEARCH else None,
    )


def band(distance_km: float) -> float:
    return next((b for b in NEAREST_BANDS_KM if distance_km <= b), NEAREST_BANDS_KM[-1])


async def measure_supply(probe: Probe, directory: Searcher) -> Supply:
    """One search of 30 km for the same needs, time and person: the open places by distance, without
    their cards. The ranking reads hours nearest first and stops once SUPPLY_LIMIT places are open, so
    counts are exact below that."""
    near = sorted(
        d / 1000
        for d in await directory.open_distances(
            Query(
                point=probe.point,
                at=probe.at,
                categories=probe.categories,
                radius_km=SUPPLY_RADII_KM[-1],
                filters=probe.filters,
                limit=SUPPLY_LIMIT,
            )
        )
    )
    counts = [sum(1 for d in near if d <= radius) for radius in SUPPLY_RADII_KM]
    return Supply(counts[0], counts[1], counts[2], band(near[0]) if near else None)
