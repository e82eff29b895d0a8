"""Finding services: a Query (point, categories, instant, filters) → the nearest matching services.

Ranking puts what a person can walk into now first: open, then unknown hours, then closed but
opening within a day, then the rest; nearest first inside each group. The radius widens
(1, 2, 3, 5, 7, 10, 15, 20, 30 km) until a page is filled, and the page says which radius it used.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from db import (
    PARIS,
    WEEK_HOURS,
    Candidate,
    CardFacts,
    HoursFacts,
    Index,
    IndexReader,
    Key,
    Taxonomy,
    haversine_m,
    taxonomy,
)
from search.audience import (
    Audience,
    Filters,
    accepts,
    admits,
    audience_of,
    conditions_of,
    on_referral,
    strings,
)
from search.facts import json_value, mapping, modalities, period, publics, timing_of
from search.geo import Point
from search.hours import Openness, OpenState, Timing, state_at

log = logging.getLogger(__name__)

RADII_KM = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0)  # fine steps: dense areas stop early
SOON = timedelta(hours=3)  # closed now but opening within this counts as useful when widening
MAX_LIMIT = 100
SPARSE_ROWS = 40  # fewer candidates than this within a radius: the next read skips a step
DENSE = 60  # places within the radius: past this, widening only adds far places (at night, closed ones)


@dataclass(frozen=True, slots=True)
class Query:
    point: Point
    at: datetime
    categories: tuple[str, ...] = ()
    radius_km: float | None = None  # None: widen through RADII_KM
    filters: Filters = field(default_factory=Filters)
    limit: int = 10
    offset: int = 0
    enough: int = 0  # also widen until this many places may be useful (pages to come), by hour mask
    max_radius_km: float | None = None  # widen no farther than this (a walk): the last step is this radius

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Query.at must be timezone-aware")
        if not (1 <= self.limit <= MAX_LIMIT) or self.offset < 0:
            raise ValueError("limit must be 1..100 and offset >= 0")
        if self.radius_km is not None and not (0 < self.radius_km <= 200):
            raise ValueError("radius_km must be in (0, 200]")
        if self.max_radius_km is not None and not (0 < self.max_radius_km <= 200):
            raise ValueError("max_radius_km must be in (0, 200]")


def _radii(most: float | None) -> tuple[float, ...]:
    """RADII_KM up to `most`, which ends them: 2.5 km → 1, 2, 2.5."""
    if most is None:
        return RADII_KM
    return (*(r for r in RADII_KM if r < most), most)


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
    # The place is reached only through a social worker: Soliguide keeps its street address and map
    # pin private (women's shelters for victims of violence among them).
    address_private: bool = False
    address_note: str = ""  # "3e porte sur la droite": where exactly, for the details (never when private)

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: tuple[Result, ...]
    radius_km: float
    total: int  # matching services (one per place) within the radius


# Ranking tiers: known open first, then open by its usual hours on a public holiday the place says
# nothing of, then unknown hours, then opening soon; the rest (LATER) is not worth a page of its own.
OPEN, OPEN_UNSURE, UNKNOWN, OPENS_SOON, LATER = range(5)


def _tier(state: OpenState, at: datetime) -> int:
    if state.openness is Openness.OPEN:
        return OPEN_UNSURE if state.holiday_unsure else OPEN
    if state.openness is Openness.UNKNOWN:
        return UNKNOWN
    if state.opens_at is not None and state.opens_at - at <= SOON:
        return OPENS_SOON
    return LATER


@dataclass(frozen=True, slots=True)
class _Near:
    """A candidate and its distance from the asked point."""

    distance_m: float
    candidate: Candidate


def _distance(near: _Near) -> float:
    return near.distance_m


def _hours_mask(at: datetime) -> int:
    """Hours of the week (Paris wall clock) from `at` to `at + SOON`: a service whose mask misses
    them all can be neither open nor opening soon, so it ranks last without reading its hours."""
    start = at.astimezone(PARIS)
    end = (at + SOON).astimezone(PARIS)
    first = start.weekday() * 24 + start.hour
    hours = int(
        (
            end.replace(tzinfo=None) - start.replace(tzinfo=None).replace(minute=0, second=0, microsecond=0)
        ).total_seconds()
        // 3600
    )
    mask = 0
    for offset in range(hours + 1):
        mask |= 1 << ((first + offset) % WEEK_HOURS)
    return mask


@dataclass(slots=True)
class _Memo:
    """What one search has read and computed, reused as the radius widens."""

    facts: dict[Key, HoursFacts] = field(default_factory=dict)
    states: dict[int, tuple[Timing, OpenState]] = field(default_factory=dict)


@dataclass(slots=True)
class _Hit:
    """A matching service at one stop, ranked before the costly parts of a Result are built.
    A hit whose hour mask ruled it out ranks last and has its facts and state read only if shown."""

    key: tuple[int, float, int]
    near: _Near
    facts: HoursFacts | None
    timing: Timing | None
    state: OpenState | None
    categories: set[int]

    @property
    def pair(self) -> Key:
        return (self.near.candidate.stop_id, self.near.candidate.service_id)


def _result(hit: _Hit, card: CardFacts, at: datetime, tax: Taxonomy) -> Result:
    assert hit.facts is not None and hit.state is not None and hit.timing is not None
    message = period(card.temp_message)
    phones = json_value(card.phones) or ()
    return Result(
        source=card.source,
        lieu_id=hit.facts.lieu_id,
        service_id=hit.near.candidate.service_id,
        place_name=card.place_name,
        service_name=card.service_name,
        category=hit.facts.category,
        other_categories=tuple(
            sorted(tax.by_code[c] for c in hit.categories if tax.by_code[c] != hit.facts.category)
        ),
        distance_m=hit.near.distance_m,
        point=Point(hit.facts.lat, hit.facts.lon),
        address=card.address,
        postal_code=card.postal_code,
        city=card.city,
        phones=tuple(str(p.get("number")) for p in phones if isinstance(p, Mapping)),
        state=hit.state,
        timing=hit.timing,
        temp_message=message.text if message and message.covers(at) else None,
        conditions=conditions_of(mapping(card.service_modalities) or mapping(card.place_modalities)),
        address_private=on_referral(mapping(card.place_modalities)),
        address_note=card.address_note,
        audience=audience_of(mapping(card.service_publics) or mapping(card.place_publics)),
        languages=strings(json_value(card.languages)),
        verified_at=card.updated_by_user_at,
        description=card.service_description or card.place_description,
        email=card.email,
        website=card.website,
        saturation=card.saturation,
        itinerary=card.place_type == "PARCOURS_MOBILE",
    )


class Directory:
    """The search seam the conversation talks to: ranking over an index (db.sql.SqlIndex in service)."""

    def __init__(self, index: Index, tax: Taxonomy | None = None) -> None:
        self._index = index
        self._taxonomy = tax or taxonomy()

    async def prepare(self) -> None:
        """Make ready what the first search needs (idempotent): call it at start-up, before the
        health check says ready, so that no person waits for it."""
        await self._index.read(lambda reader: None)

    async def search(self, query: Query) -> SearchPage:
        """All reads of one search in one call to the index (one thread hop for SQL)."""
        return await self._index.read(lambda reader: self._search(reader, query))

    def _near(
        self, reader: IndexReader, query: Query, ranges: tuple[tuple[int, int], ...], radius_km: float
    ) -> list[_Near]:
        """Matching (stop, service) pairs within radius_km, nearest first."""
        radius_m = radius_km * 1000
        lat, lon = query.point.lat, query.point.lon
        found = (
            _Near(haversine_m(lat, lon, c.lat, c.lon), c)
            for c in reader.candidates(lat, lon, radius_m, ranges)
        )
        return sorted(
            (n for n in found if n.distance_m <= radius_m),
            key=lambda n: (n.distance_m, n.candidate.service_id),
        )

    def _rank(self, reader: IndexReader, query: Query, nearby: list[_Near], memo: _Memo) -> list[_Hit]:
        """One hit per place (its best-ranked matching service), open first, then nearest.

        Candidates are read in order of distance, in growing batches; reading stops once `wanted`
        places are open at a distance boundary, since nothing farther can rank before them. A query
        with filters reads every candidate (a filter can drop any of them).
        """
        filtered = query.filters != Filters()
        wanted = query.offset + query.limit
        soon = _hours_mask(query.at)
        best: dict[int, _Hit] = {}
        open_places: set[int] = set()
        batch, index = 32, 0
        while index < len(nearby):
            chunk = nearby[index : index + batch]
            index += len(chunk)
            while index < len(nearby) and nearby[index].distance_m == chunk[-1].distance_m:
                chunk.append(nearby[index])
                index += 1
            missing = [
                (n.candidate.stop_id, n.candidate.service_id)
                for n in chunk
                if (filtered or n.candidate.hour_mask & soon)
                and (n.candidate.stop_id, n.candidate.service_id) not in memo.facts
            ]
            if missing:
                memo.facts.update(reader.hours(missing, audience=filtered))
            for near in chunk:
                candidate = near.candidate
                if filtered or candidate.hour_mask & soon:
                    hit = self._evaluate(query, near, memo)
                    if hit is None:
                        continue
                else:
                    key = (LATER, near.distance_m, candidate.service_id)
                    hit = _Hit(key, near, None, None, None, {candidate.category_code})
                seen = best.get(candidate.place_id)
                if seen is None:
                    best[candidate.place_id] = hit
                else:
                    seen.categories.add(candidate.category_code)
                    if hit.key < seen.key:
                        hit.categories = seen.categories
                        best[candidate.place_id] = hit
                if hit.key[0] == OPEN:
                    open_places.add(candidate.place_id)
            if not filtered and len(open_places) >= wanted:
                break
            batch *= 2
        return sorted(best.values(), key=lambda hit: hit.key)

    @staticmethod
    def _evaluate(query: Query, near: _Near, memo: _Memo) -> _Hit | None:
        """The hit with its state, or None when the query's filters turn it away."""
        candidate = near.candidate
        facts = memo.facts[(candidate.stop_id, candidate.service_id)]
        if query.filters != Filters():
            if not admits(audience_of(publics(facts)), query.filters) or not accepts(
                modalities(facts), query.filters
            ):
                return None
        timing = timing_of(facts)
        known = memo.states.get(id(timing))  # services sharing their place's hours share a Timing
        if known is not None and known[0] is timing:
            state = known[1]
        else:
            state = state_at(timing, query.at)
            memo.states[id(timing)] = (timing, state)
        key = (_tier(state, query.at), near.distance_m, candidate.service_id)
        return _Hit(key, near, facts, timing, state, {candidate.category_code})

    def _search(self, reader: IndexReader, query: Query) -> SearchPage:
        """Widen through RADII_KM until a page of useful results (open, unknown or opening within 3 hours).
        Candidates are ids and coordinates; hours are read for as few of them as the ranking needs,
        and the page's results are then read whole."""
        categories = tuple(c for c in query.categories if c in self._taxonomy.codes)
        if query.categories and not categories:
            return SearchPage(results=(), radius_km=(query.radius_km or RADII_KM[-1]), total=0)
        ranges = self._taxonomy.code_ranges(categories)
        radii: Sequence[float] = (query.radius_km,) if query.radius_km else _radii(query.max_radius_km)
        wanted = query.offset + query.limit
        soon = _hours_mask(query.at)
        memo = _Memo()
        hits: list[_Hit] = []
        total = 0
        radius = radii[-1]
        pool: list[_Near] = []
        fetched = 0.0
        for step, radius in enumerate(radii):
            if radius > fetched:
                # Few rows so far: the area is sparse, so one read two steps ahead costs less than two.
                ahead = step + 1 if step and len(pool) < SPARSE_ROWS else step
                fetched = radii[min(ahead, len(radii) - 1)]
                pool = self._near(reader, query, ranges, fetched)
            nearby = pool if radius == fetched else pool[: bisect_right(pool, radius * 1000, key=_distance)]
            hits = self._rank(reader, query, nearby, memo)
            total = len(hits) if query.filters != Filters() else len({n.candidate.place_id for n in nearby})
            if total >= DENSE:
                break
            if sum(1 for hit in hits if hit.key[0] < LATER) >= wanted:
                # Pages to come: their places are counted by hour mask only (no hours read), an
                # upper bound that is exact but for closures and holidays.
                maybe = {n.candidate.place_id for n in nearby if n.candidate.hour_mask & soon}
                if len(maybe) >= query.enough:
                    break
        log.info(
            "search categories=%s radius_km=%.0f hits=%d", ",".join(query.categories) or "*", radius, total
        )
        chosen = hits[query.offset : query.offset + query.limit]
        unread = [hit.pair for hit in chosen if hit.facts is None]
        if unread:
            memo.facts.update(reader.hours(unread, audience=False))
        for hit in chosen:
            if hit.facts is None:
                complete = self._evaluate(query, hit.near, memo)
                assert complete is not None and complete.key == hit.key, "an hour mask hid a useful service"
                hit.facts, hit.timing, hit.state = complete.facts, complete.timing, complete.state
        cards = reader.cards([hit.pair for hit in chosen]) if chosen else {}
        page = tuple(_result(hit, cards[hit.pair], query.at, self._taxonomy) for hit in chosen)
        return SearchPage(results=page, radius_km=radius, total=total)
