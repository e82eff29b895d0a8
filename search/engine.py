"""Finding services: a Query (point, categories, instant, filters) → the nearest matching services.

Ranking puts what a person can walk into now first: open, then unknown hours, then closed but
opening within a few hours, then the rest; nearest first inside each group, one line per place. The
radius widens (1, 2, 3, 5, 7, 10, 15, 20, 30 km) until it holds a page of open places, and the page
says which radius it used. The page is exact: it never shows fewer open places than exist within the
largest radius (a radius short of a page of open places is never final, however many closed places
it holds). Several needs in one message take turns on the page, each need's own list in turn
(Directory._merged).

Ranking reads nothing: the searchable points and their hours are in memory (search.points), built
by `Directory.prepare` and rebuilt when the directory changes; the page's cards are read in one
statement, and a search filtered on who is asking also reads the publics of the points it ranks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from db import PARIS, WEEK_HOURS, CardFacts, Index, IndexReader, Key, Taxonomy, taxonomy
from search.audience import Audience, Filters, accepts, admits, audience_of
from search.facts import (
    audience,
    conditions,
    languages,
    modalities,
    period,
    phone_numbers,
    publics,
    referral_only,
)
from search.geo import Point
from search.hours import Openness, OpenState, Timing, state_at

if TYPE_CHECKING:  # scipy and numpy load with the first index, not with reading a message
    import numpy as np
    import numpy.typing as npt

    from search.points import Nearby, Picked, PointIndex

log = logging.getLogger(__name__)

RADII_KM = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0)  # fine steps: dense areas stop early
SOON = timedelta(hours=3)  # closed now but opening within this ranks before the rest
# Unknown hours rank before the places that open later only this near: "horaires inconnus" 8 km away
# is not worth more than a place 300 m away that opens at 8:30; farther, both rank by distance.
UNKNOWN_NEAR_KM = 5.0
MAX_LIMIT = 100
CHECK_SECONDS = 5.0  # how often a worker reads the directory's data stamp (one small statement)
FIRST_READ = 8  # the first read of points holds this many times a page of them (more when needed)
WHOLE_READ = 2000  # past the first read, points read at once when the area is as sparse (see _farther)
FACTS_AT_ONCE = 2000  # points whose publics one statement reads (filtered searches)
AT_ONCE = 64  # points read at a time for the places that open later (see _nearest_of_each)
LISTED = 160  # up to this many points read, a page finds its places' points in Python (see _categories)
_ANYONE = Filters()  # a search not filtered on who is asking


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
    # A list's next part: the places beyond this distance only (those nearer were its first part),
    # within radius_km, which it needs.
    beyond_km: float | None = None
    # Several needs named ("manger et médecin"): the categories of each, which together are
    # `categories`. The page gives each need its turn (see Directory._merged), so that the nearest
    # places of one need do not fill it.
    groups: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Query.at must be timezone-aware")
        if not (1 <= self.limit <= MAX_LIMIT) or self.offset < 0:
            raise ValueError("limit must be 1..100 and offset >= 0")
        if self.radius_km is not None and not (0 < self.radius_km <= 200):
            raise ValueError("radius_km must be in (0, 200]")
        if self.max_radius_km is not None and not (0 < self.max_radius_km <= 200):
            raise ValueError("max_radius_km must be in (0, 200]")
        if self.beyond_km is not None and not (self.radius_km and 0 < self.beyond_km < self.radius_km):
            raise ValueError("beyond_km needs a radius_km beyond it")
        if self.groups and {c for group in self.groups for c in group} != set(self.categories):
            raise ValueError("groups must hold the categories, all of them and no other")


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
# nothing of, then unknown hours (within UNKNOWN_NEAR_KM), then opening soon; the rest (LATER, and
# unknown hours farther away) by distance.
OPEN, OPEN_UNSURE, UNKNOWN, OPENS_SOON, LATER = range(5)


def _tier(state: OpenState, at: datetime) -> int:
    if state.openness is Openness.OPEN:
        return OPEN_UNSURE if state.holiday_unsure else OPEN
    if state.openness is Openness.UNKNOWN:
        return UNKNOWN
    if state.opens_at is not None and state.opens_at - at <= SOON:
        return OPENS_SOON
    return LATER


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


def _hour_of_week(at: datetime) -> int:
    """The hour of the week (Paris wall clock) of `at`: a service open at `at` may be open then."""
    local = at.astimezone(PARIS)
    return local.weekday() * 24 + local.hour


@dataclass(slots=True)
class _Hit:
    """A place's best-ranked point: its rank key, its position among the points read, its state
    (None until read: a point whose hour mask misses the next hours ranks last unread)."""

    key: tuple[int, float, int]  # (tier, distance, service id)
    at: int
    state: OpenState | None


@dataclass(frozen=True, slots=True)
class _Choice:
    """What a search chose, before its cards are read: the hits of the page, in order, with their
    states (None for those that open later, see _page); the first `end` points read, those `counted`
    (who is asking); the radius and the total."""

    ranking: _Ranking
    hits: list[_Hit]
    end: int
    counted: npt.NDArray[np.bool_]
    radius_km: float
    total: int


@dataclass(slots=True)
class _Ranking:
    """One search over the points in memory: what it has read and evaluated so far."""

    points: PointIndex
    query: Query
    near: Nearby
    filtered: bool
    states: dict[int, OpenState] = field(default_factory=dict)  # by hours: places share theirs
    tiers: dict[int, int] = field(default_factory=dict)
    admitted: dict[Key, bool] = field(default_factory=dict)  # filtered searches: who is asking

    def key(self, at: int) -> Key:
        return (int(self.near.stop[at]), int(self.near.service[at]))

    def state(self, timing: int) -> OpenState:
        state = self.states.get(timing)
        if state is None:
            state = self.states[timing] = state_at(self.points.timing(timing), self.query.at)
        return state

    def tier(self, timing: int) -> int:
        tier = self.tiers.get(timing)
        if tier is None:
            tier = self.tiers[timing] = _tier(self.state(timing), self.query.at)
        return tier

    def hit(self, at: int, tier: int, state: OpenState | None) -> _Hit:
        return _Hit((tier, float(self.near.distance[at]), int(self.near.service[at])), at, state)

    def counted(self, reader: IndexReader | None, end: int) -> npt.NDArray[np.bool_]:
        """Which of the first `end` points the search counts: all, or those admitting its filters
        (publics, modalities), read for the points not read yet (a filtered search has a reader)."""
        import numpy as np  # noqa: PLC0415 - loaded with the index

        if not self.filtered:
            return np.ones(end, dtype=bool)
        assert reader is not None, "a search filtered on who is asking reads their publics"
        unread = [k for k in map(self.key, range(end)) if k not in self.admitted]
        for first in range(0, len(unread), FACTS_AT_ONCE):
            keys = unread[first : first + FACTS_AT_ONCE]
            facts = reader.facts(keys)
            for key in keys:
                found = facts.get(key)  # None: gone since the index was built
                self.admitted[key] = found is not None and (
                    admits(audience_of(publics(found)), self.query.filters)
                    and accepts(modalities(found), self.query.filters)
                )
        return np.array([self.admitted[self.key(at)] for at in range(end)], dtype=bool)


def _others(codes: set[int], code: int, tax: Taxonomy) -> tuple[str, ...]:
    """The place's other categories among `codes` (its points read), by name; most have none."""
    if len(codes) == 1 and code in codes:
        return ()
    return tuple(sorted({tax.by_code[c] for c in codes} - {tax.by_code[code]}))


def _result(
    ranking: _Ranking, hit: _Hit, point: Picked, card: CardFacts, categories: set[int], tax: Taxonomy
) -> Result:
    assert hit.state is not None
    category = tax.by_code[point.code]
    message = period(card.temp_message)
    return Result(
        source=card.source,
        lieu_id=card.lieu_id,
        service_id=point.service,
        place_name=card.place_name,
        service_name=card.service_name,
        category=category,
        other_categories=_others(categories, point.code, tax),
        distance_m=point.distance,
        point=Point(card.lat, card.lon),
        address=card.address,
        postal_code=card.postal_code,
        city=card.city,
        phones=phone_numbers(card.phones),
        state=hit.state,
        timing=ranking.points.timing(point.timing),
        temp_message=message.text if message and message.covers(ranking.query.at) else None,
        conditions=conditions(card.service_modalities, card.place_modalities),
        address_private=referral_only(card.place_modalities),
        address_note=card.address_note,
        audience=audience(card.service_publics, card.place_publics),
        languages=languages(card.languages),
        verified_at=card.updated_by_user_at,
        description=card.service_description or card.place_description,
        email=card.email,
        website=card.website,
        saturation=card.saturation,
        itinerary=card.place_type == "PARCOURS_MOBILE",
    )


class Directory:
    """The search seam the conversation talks to: ranking over the points in memory, the page's
    facts from the index (db.sql.SqlIndex in service).

    Each Directory (one per worker process) holds its own copy of the searchable points, built by
    `prepare` and replaced whole when the directory changes. A change may come from another process
    (`solibot import`, the sync): every CHECK_SECONDS a search also reads the directory's data stamp
    (one small statement in the search's own round trip) and, when it moved, a new index is built in
    the background while searches go on with the old one, then swapped in at once. Until then a
    search may miss a new place for a few seconds, and drops a place gone from the database
    (its card is not found) rather than show it.
    """

    def __init__(self, index: Index, tax: Taxonomy | None = None) -> None:
        self._index = index
        self._taxonomy = tax or taxonomy()
        self._points: PointIndex | None = None
        self._building: asyncio.Future[PointIndex] | None = None
        self._checked = 0.0

    async def prepare(self) -> None:
        """Build what the first search needs (the points in memory); idempotent. Call it at start-up,
        before the health check says ready, so that no person waits for it."""
        if self._points is None:
            await self._build()

    async def refresh(self) -> None:
        """Rebuild the points now (after this process changed the directory)."""
        await self._build(again=True)

    async def _build(self, *, again: bool = False) -> PointIndex:
        """One build at a time, shared by every search waiting for it; a search cancelled while it
        waits does not cancel the build."""
        loop = asyncio.get_running_loop()
        task = self._building
        if task is None or task.done() or task.get_loop() is not loop:
            if self._points is not None and not again:
                return self._points
            task = self._building = loop.create_task(self._read_and_index())
            task.add_done_callback(_log_failure)
        return await asyncio.shield(task)

    async def _read_and_index(self) -> PointIndex:
        from search.points import PointIndex  # noqa: PLC0415 - scipy loads with the first index

        started = time.perf_counter()
        points = await self._index.built(partial(PointIndex, tax=self._taxonomy))
        self._points, self._checked = points, time.monotonic()
        log.info("search index: %d points in %.2f s", len(points), time.perf_counter() - started)
        return points

    async def search(self, query: Query) -> SearchPage:
        """All reads of a search of one need in one call to the index (on SQLite, on the event loop:
        a page of cards by primary key; see db.sql.SqlIndex). A search of several needs is a few
        searches of one, merged (see _merged)."""
        if len(query.groups) > 1:
            return await self._merged(query)
        points = self._points or await self._build()
        check = time.monotonic() - self._checked >= CHECK_SECONDS
        if check:
            self._checked = time.monotonic()
        # Filtered on who is asking, a search reads the publics of every point it ranks: many rows.
        read = self._index.read if query.filters == _ANYONE else self._index.read_many
        page, version = await read(lambda reader: self._search(reader, points, query, check))
        if version is not None and version != points.version and self._points is points:
            building = self._building
            if building is None or building.done():
                log.info("search index: the directory changed, rebuilding")
                self._building = asyncio.get_running_loop().create_task(self._read_and_index())
                self._building.add_done_callback(_log_failure)
        return page

    async def _merged(self, query: Query) -> SearchPage:
        """The places of several needs, each need in turn: the first place of each need's own list
        (open first, nearest first: see the module's docstring) in the order they were named, then
        the second of each, and so on; a place of two needs once, at its first turn. Else the
        nearest places of one need (solidarity fridges a street apart) fill the page of someone who
        also asked for a doctor, and at night the open ones of one need hide that the other's
        nearest opens in the morning.

        The list's radius is the widest one a need widens to alone, and every need is searched
        within it, so that the next pages (searched at that radius) keep the same order. `total`
        counts the places of any of the needs within it, as a search of them all does."""
        alone = replace(query, groups=(), offset=0)
        wanted = query.offset + query.limit
        radius = query.radius_km
        if radius is None:
            first = replace(alone, limit=min(MAX_LIMIT, wanted))
            widened = [await self.search(replace(first, categories=group)) for group in query.groups]
            radius = min(max(page.radius_km for page in widened), query.max_radius_km or RADII_KM[-1])
        whole = replace(alone, radius_km=radius)
        total = (await self.search(replace(whole, limit=1))).total
        shown: set[tuple[str, int]] = set()  # a list's next part: the places its parts before held
        if query.beyond_km is not None:
            inner = replace(whole, radius_km=query.beyond_km, beyond_km=None)
            held = (await self.search(replace(inner, limit=1))).total
            shown = {(r.source, r.lieu_id) for r in await self._first(inner, held)}
        asked = wanted
        while True:
            lists = [await self._first(replace(whole, categories=group), asked) for group in query.groups]
            merged, lasts = _in_turn(lists, shown)
            # Enough once each list cut short ends past the page's last place (what it left out comes
            # after the page); a list cut short whose places were all shown before: never enough.
            cut = [
                last or (-1, need)
                for need, (last, found) in enumerate(zip(lasts, lists, strict=True))
                if len(found) == asked
            ]
            if not cut or len(merged) >= wanted and all(last >= merged[wanted - 1][0] for last in cut):
                break
            asked *= 2
        page = tuple(result for _, result in merged[query.offset : wanted])
        return SearchPage(results=page, radius_km=radius, total=total)

    async def _first(self, query: Query, count: int) -> list[Result]:
        """The first `count` places of a query's list, read MAX_LIMIT at a time."""
        found: list[Result] = []
        while len(found) < count:
            limit = min(MAX_LIMIT, count - len(found))
            page = await self.search(replace(query, offset=len(found), limit=limit))
            found.extend(page.results)
            if len(page.results) < limit:
                break
        return found

    async def open_distances(self, query: Query) -> tuple[float, ...]:
        """The distances of the open places among those `search(query)` would list, without reading
        their cards: what the statistics count around a search (handlers.stats.measure_supply). Unless
        the search is filtered on who is asking (their publics are read), it reads nothing: it runs
        here, without a call to the index (a thread hop, before reads ran on the loop, cost the web
        worker more than the ranking)."""
        points = self._points or await self._build()
        if query.filters == _ANYONE:
            return self._open_distances(None, points, query)
        return await self._index.read_many(lambda reader: self._open_distances(reader, points, query))

    def _search(
        self, reader: IndexReader, points: PointIndex, query: Query, check: bool
    ) -> tuple[SearchPage, object | None]:
        version = reader.version() if check else None
        return self._page(reader, points, query), version

    def _page(self, reader: IndexReader, points: PointIndex, query: Query) -> SearchPage:
        """The chosen places (`_choose`) with their cards: names, addresses, phones, conditions."""
        choice = self._choose(reader, points, query)
        if choice is None:
            return SearchPage(results=(), radius_km=(query.radius_km or RADII_KM[-1]), total=0)
        ranking, chosen, end, counted = choice.ranking, choice.hits, choice.end, choice.counted
        near = ranking.near
        picked = near.picked([hit.at for hit in chosen])
        categories_of = _categories(near, [point.place for point in picked], counted, end)
        for hit, point in zip(chosen, picked, strict=True):  # those that open later: their hours unread
            if hit.state is None:
                hit.state = ranking.state(point.timing)
                assert _tier(hit.state, query.at) == LATER, "an hour mask hid a useful service"
        keys = [(point.stop, point.service) for point in picked]
        cards = reader.cards(keys) if chosen else {}
        page = tuple(
            _result(ranking, hit, point, cards[key], categories_of[point.place], self._taxonomy)
            for hit, point, key in zip(chosen, picked, keys, strict=True)
            if key in cards
        )
        return SearchPage(results=page, radius_km=choice.radius_km, total=choice.total)

    def _open_distances(
        self, reader: IndexReader | None, points: PointIndex, query: Query
    ) -> tuple[float, ...]:
        """The distances of the open places among those `_page` would list, read from memory only."""
        choice = self._choose(reader, points, query)
        if choice is None:
            return ()
        near = choice.ranking.near
        return tuple(float(near.distance[hit.at]) for hit in choice.hits if hit.state and hit.state.open)

    def _choose(self, reader: IndexReader | None, points: PointIndex, query: Query) -> _Choice | None:
        """Widen through RADII_KM until a radius holds `offset + limit` open places (and `enough`
        places whose hours of the week may make them useful), or the last radius; then rank every
        place within it, unless its nearest open places are already the page. None when none of the
        categories asked is known."""
        import numpy as np  # noqa: PLC0415 - loaded with the index

        from search.points import words  # noqa: PLC0415

        categories = tuple(c for c in query.categories if c in self._taxonomy.codes)
        if query.categories and not categories:
            return None
        codes = self._taxonomy.code_ranges(categories)
        radii: Sequence[float] = (query.radius_km,) if query.radius_km else _radii(query.max_radius_km)
        wanted = query.offset + query.limit
        hour, soon = _hour_of_week(query.at), words(_hours_mask(query.at))
        lat, lon = query.point.lat, query.point.lon
        # A list's next part reads every point of its radius at once: which places it leaves out
        # (a point nearer than `beyond_km`) is known before any is ranked.
        first_read = None if query.beyond_km else FIRST_READ * wanted
        near = points.near(lat, lon, codes, radii[-1] * 1000, hour, soon, count=first_read)
        ranking = _Ranking(points, query, near, query.filters != _ANYONE)
        opened: dict[int, int] = {}  # place → its first open point (its best), in order of distance
        filtered = ranking.filtered or query.beyond_km is not None
        distances, maybe, places, timings = _scanned(near)
        scanned = first = end = 0
        radius = radii[-1]
        for radius in radii:
            if not near.covers(radius * 1000):
                farther = self._farther(near, radius, radii)
                near = ranking.near = points.near(lat, lon, codes, farther * 1000, hour, soon)
                distances, maybe, places, timings = _scanned(near)  # the same points first
                first = bisect_left(maybe, scanned)
            end = bisect_right(distances, radius * 1000)
            if filtered:
                counted = ranking.counted(reader, end) if ranking.filtered else np.ones(end, dtype=bool)
                if query.beyond_km is not None:
                    counted &= _beyond(near, query.beyond_km, counted)
            if len(opened) < wanted:  # the nearest open places are the page: none farther is read
                last = bisect_left(maybe, end)
                for at, place, timing in zip(
                    maybe[first:last], places[first:last], timings[first:last], strict=True
                ):
                    if place not in opened and (not filtered or counted[at]) and ranking.tier(timing) == OPEN:
                        opened[place] = at
                        if len(opened) == wanted:
                            break
                first = last
            scanned = end
            if len(opened) >= wanted and (
                not query.enough or len(np.unique(near.place[:end][near.soon[:end]])) >= query.enough
            ):
                break
        if not filtered:
            counted = np.ones(end, dtype=bool)
        total = len(set((near.place[:end][counted[:end]] if filtered else near.place[:end]).tolist()))
        if len(opened) >= wanted:
            ranked = [ranking.hit(at, OPEN, ranking.state(int(near.timing[at]))) for at in opened.values()]
        else:
            ranked = self._ranked(ranking, end, counted[:end], wanted)
        chosen = ranked[query.offset : query.offset + query.limit]
        log.info(
            "search categories=%s radius_km=%.0f hits=%d", ",".join(query.categories) or "*", radius, total
        )
        return _Choice(ranking, chosen, end, counted, radius, total)

    @staticmethod
    def _ranked(ranking: _Ranking, end: int, counted: npt.NDArray[np.bool_], wanted: int) -> list[_Hit]:
        """The best `wanted` places among the first `end` points (those counted), best first, each
        place by its best point, when fewer than `wanted` are open. Widening has read the state of
        every point whose hour mask meets the hour asked, which holds every open point and every one
        of unknown hours (unknown hours set every bit); the rest are read nearest first, only until
        enough places open within three hours, and what is left ranks LATER by distance unread (with
        the places of unknown hours beyond UNKNOWN_NEAR_KM, read)."""
        import numpy as np  # noqa: PLC0415

        near = ranking.near
        best: dict[int, _Hit] = {}
        now = np.flatnonzero(near.now[:end] & counted)
        for at, place, timing in zip(
            now.tolist(), near.place[now].tolist(), near.timing[now].tolist(), strict=True
        ):
            state, tier = ranking.state(timing), ranking.tier(timing)
            if tier == UNKNOWN and near.distance[at] > UNKNOWN_NEAR_KM * 1000:
                tier = LATER
            seen = best.get(place)
            if seen is None or tier < seen.key[0]:  # points come nearest first: a tie keeps the first
                best[place] = ranking.hit(at, tier, state)
        ranked = sorted((hit for hit in best.values() if hit.key[0] < OPENS_SOON), key=lambda hit: hit.key)
        if len(ranked) < wanted:
            soon = np.flatnonzero(near.soon[:end] & counted)
            for at, place, timing in zip(
                soon.tolist(), near.place[soon].tolist(), near.timing[soon].tolist(), strict=True
            ):
                seen = best.get(place)
                if seen is not None and (
                    seen.key[0] < OPENS_SOON or seen.key[0] == OPENS_SOON and seen.at < at
                ):
                    continue
                state, tier = ranking.state(timing), ranking.tier(timing)
                assert near.now[at] or tier >= OPENS_SOON, "an hour mask hid an open service"
                if tier == OPENS_SOON:
                    best[place] = ranking.hit(at, tier, state)
                    ranked.append(best[place])
                    if len(ranked) == wanted:
                        break
        if len(ranked) < wanted:
            # The rest by their nearest point (tier LATER, read or not), nearest first.
            for at, place in _nearest_of_each(near, counted, end):
                found = best.get(place)
                if found is None or found.key[0] == LATER:
                    ranked.append(
                        found if found is not None and found.at == at else ranking.hit(at, LATER, None)
                    )
                    if len(ranked) == wanted:
                        break
        return ranked

    @staticmethod
    def _farther(near: Nearby, radius: float, radii: Sequence[float]) -> float:
        """How far to read every point, past the first read: the largest radius when it holds few
        points by the density read so far, else a radius three times as far (a town rarely needs
        its thousands of points 30 km around)."""
        if near.reach > 0 and len(near.distance) * (radii[-1] * 1000 / near.reach) ** 2 <= WHOLE_READ:
            return radii[-1]
        return next((r for r in radii if r >= 3 * radius), radii[-1])


def _nearest_of_each(near: Nearby, counted: npt.NDArray[np.bool_], end: int) -> Iterator[tuple[int, int]]:
    """Each place's nearest point among the first `end` (those counted), as (position, place), nearest
    first: read AT_ONCE points at a time, as a page needs the first few places (np.unique sorted all
    of the thousands a night's search may read within 30 km, ~20 µs)."""
    import numpy as np  # noqa: PLC0415

    met: set[int] = set()
    for start in range(0, end, AT_ONCE):
        positions = np.flatnonzero(counted[start : start + AT_ONCE]) + start
        for at, place in zip(positions.tolist(), near.place[positions].tolist(), strict=True):
            if place not in met:
                met.add(place)
                yield at, place


def _categories(
    near: Nearby, shown: list[int], counted: npt.NDArray[np.bool_], end: int
) -> dict[int, set[int]]:
    """The codes of the points of the places shown among the first `end` points (those counted): a
    place's other categories. Up to LISTED points, a pass in Python (5 µs for 50 points); past them,
    a comparison per place shown over the array (13 µs, whatever the number; np.isin sorts: slower)."""
    import numpy as np  # noqa: PLC0415

    found: dict[int, set[int]] = {place: set() for place in shown}
    if end <= LISTED:
        rows = zip(near.place[:end].tolist(), near.code[:end].tolist(), counted[:end].tolist(), strict=True)
        for place, code, kept in rows:
            if kept and place in found:
                found[place].add(code)
        return found
    read, theirs = near.place[:end], np.zeros(end, dtype=bool)
    for place in shown:
        theirs |= read == place
    alike = np.flatnonzero(theirs & counted[:end])
    for place, code in zip(near.place[alike].tolist(), near.code[alike].tolist(), strict=True):
        found[place].add(code)
    return found


def _beyond(near: Nearby, beyond_km: float, counted: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Which of the points counted so far belong to places that have no counted point within
    beyond_km: those the list's part before did not show (a point of theirs it did not count, for
    who is asking, showed none of them there)."""
    import numpy as np  # noqa: PLC0415

    inner = int(np.searchsorted(near.distance, beyond_km * 1000, side="right"))
    return ~np.isin(near.place[: len(counted)], near.place[:inner][counted[:inner]])


def _scanned(near: Nearby) -> tuple[list[float], list[int], list[int], list[int]]:
    """What widening reads of the points, as lists (a step scans a few of them): every distance, and
    the positions, places and hours of the points whose hour mask meets the hour asked."""
    import numpy as np  # noqa: PLC0415

    maybe = np.flatnonzero(near.now)
    return near.distance.tolist(), maybe.tolist(), near.place[maybe].tolist(), near.timing[maybe].tolist()


_Turn = tuple[int, int]  # (the place's rank in its need's list, the need): see Directory._merged


def _in_turn(
    lists: Sequence[Sequence[Result]], shown: set[tuple[str, int]]
) -> tuple[list[tuple[_Turn, Result]], list[_Turn | None]]:
    """The needs' lists without the places `shown`, merged turn by turn (see Directory._merged),
    each place once; and the turn of each list's last place."""
    kept = [[r for r in results if (r.source, r.lieu_id) not in shown] for results in lists]
    turned = sorted(
        (((rank, need), result) for need, results in enumerate(kept) for rank, result in enumerate(results)),
        key=lambda item: item[0],
    )
    seen: set[tuple[str, int]] = set()
    merged = []
    for turn, result in turned:
        if (result.source, result.lieu_id) not in seen:
            seen.add((result.source, result.lieu_id))
            merged.append((turn, result))
    return merged, [(len(results) - 1, need) if results else None for need, results in enumerate(kept)]


def _log_failure(task: asyncio.Future[PointIndex]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("search index: building failed, searches keep the previous one: %r", error)
