"""Finding services: a Query (point, categories, instant, filters) → the nearest matching services.

Ranking puts what a person can walk into now first: open, then unknown hours, then closed but
opening within a day, then the rest; nearest first inside each group. The radius widens
(1, 2, 3, 5, 7, 10, 15, 20, 30 km) until a page is filled, and the page says which radius it used.
"""

from __future__ import annotations

import json
import logging
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, Text, bindparam, cast, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from db.categories import Taxonomy, taxonomy
from db.engine import Runner
from db.models import PlaceRow, ServiceRow, StopRow
from db.schedule import SEARCH_ZONE, WEEK_HOURS, Period, Week
from search.audience import Audience, Filters, accepts, admits, audience_of, conditions_of, strings
from search.geo import Point, bounding_box, haversine_m
from search.hours import Openness, OpenState, Timing, state_at

log = logging.getLogger(__name__)

RADII_KM = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0)  # fine steps: dense areas stop early
SOON = timedelta(hours=3)  # closed now but opening within this counts as useful when widening
MAX_LIMIT = 100
_SEARCH_ZONE = ZoneInfo(SEARCH_ZONE)
RTREE_CODE_SCALE = 1e-4  # category codes in SQLite's R*Tree (see migration 0002)
SPARSE_ROWS = 40  # fewer candidate rows than this within a radius: the next read skips a step
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

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Query.at must be timezone-aware")
        if not (1 <= self.limit <= MAX_LIMIT) or self.offset < 0:
            raise ValueError("limit must be 1..100 and offset >= 0")
        if self.radius_km is not None and not (0 < self.radius_km <= 200):
            raise ValueError("radius_km must be in (0, 200]")


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


def _json(value: Any) -> Any:
    """JSON columns are read as text (cast in SQL) so that parsing can be cached by content."""
    return _parse_json(value) if isinstance(value, str) else value


@lru_cache(maxsize=65_536)
def _parse_json(value: str) -> Any:
    return json.loads(value)


@lru_cache(maxsize=65_536)
def _week(value: str | None) -> Week | None:
    data = json.loads(value) if value else None
    return Week.from_json(data) if data else None


@lru_cache(maxsize=65_536)
def _period(value: str | None) -> Period | None:
    data = json.loads(value) if value else None
    return Period.from_json(data) if data else None


def _mapping(value: Any) -> Mapping[str, Any]:
    data = _json(value)
    return data if isinstance(data, Mapping) else {}


_ID_COLUMNS: tuple[Any, ...] = (
    col(StopRow.id).label("stop_id"),
    col(ServiceRow.id).label("service_id"),
)
_RANK_COLUMNS: tuple[Any, ...] = (  # what ranking reads for the candidates it looks at
    StopRow.lat,
    StopRow.lon,
    cast(col(StopRow.hours), Text).label("stop_hours"),
    col(StopRow.closed_holidays).label("stop_holidays"),
    col(PlaceRow.id).label("place_id"),
    PlaceRow.lieu_id,
    PlaceRow.department_code,
    PlaceRow.timezone,
    cast(col(PlaceRow.hours), Text).label("place_hours"),
    col(PlaceRow.closed_holidays).label("place_holidays"),
    cast(col(PlaceRow.temp_closure), Text).label("temp_closure"),
    cast(col(PlaceRow.temp_hours), Text).label("temp_hours"),
    ServiceRow.category,
    ServiceRow.different_hours,
    cast(col(ServiceRow.hours), Text).label("service_hours"),
    col(ServiceRow.closed_holidays).label("service_holidays"),
    cast(col(ServiceRow.closure), Text).label("service_closure"),
)
_FILTER_COLUMNS: tuple[Any, ...] = (  # read only when the query filters on publics or modalities
    cast(col(PlaceRow.publics), Text).label("place_publics"),
    cast(col(PlaceRow.modalities), Text).label("place_modalities"),
    cast(col(ServiceRow.publics), Text).label("service_publics"),
    cast(col(ServiceRow.modalities), Text).label("service_modalities"),
)
_PAGE_COLUMNS: tuple[Any, ...] = (  # read only for the results on the page
    col(StopRow.address).label("stop_address"),
    col(StopRow.postal_code).label("stop_postal_code"),
    col(StopRow.city).label("stop_city"),
    PlaceRow.source,
    col(PlaceRow.name).label("place_name"),
    col(PlaceRow.description).label("place_description"),
    PlaceRow.place_type,
    cast(col(PlaceRow.phones), Text).label("phones"),
    PlaceRow.email,
    PlaceRow.website,
    cast(col(PlaceRow.languages), Text).label("languages"),
    cast(col(PlaceRow.temp_message), Text).label("temp_message"),
    PlaceRow.updated_by_user_at,
    col(ServiceRow.name).label("service_name"),
    col(ServiceRow.description).label("service_description"),
    ServiceRow.saturation,
)


def timing_of(row: Row[Any]) -> Timing:
    """The hours that apply to one service at one stop, in Soliguide's order of precedence."""
    if row.stop_hours and row.stop_hours != "null":
        hours, policy = row.stop_hours, row.stop_holidays
    elif row.different_hours:
        hours, policy = row.service_hours, row.service_holidays
    else:
        hours, policy = row.place_hours, row.place_holidays
    return _timing(
        row.timezone,
        hours,
        row.department_code or None,
        policy or "UNKNOWN",
        row.temp_closure,
        row.service_closure,
        row.temp_hours,
    )


@lru_cache(maxsize=65_536)
def _timing(
    tz: str,
    hours: str | None,
    department: str | None,
    policy: str,
    temp_closure: str | None,
    service_closure: str | None,
    temp_hours: str | None,
) -> Timing:
    closures = tuple(p for p in (_period(temp_closure), _period(service_closure)) if p)
    temp = _mapping(temp_hours)
    return Timing(
        tz=tz,
        week=_week(hours),
        department=department,
        closed_holidays=policy,
        closures=closures,
        temp_hours=(Period.from_json(temp), _week(json.dumps(temp.get("week")))) if temp else None,
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    distance_m: float
    place_id: int
    stop_id: int
    service_id: int
    category_code: int
    hour_mask: int


def _distance(candidate: _Candidate) -> float:
    return candidate.distance_m


@lru_cache(maxsize=8192)
def _mask(value: str) -> int:
    return int(value, 16)


def _hours_mask(at: datetime) -> int:
    """Hours of the week (Paris wall clock) from `at` to `at + SOON`: a service whose mask misses
    them all can be neither open nor opening soon, so it ranks last without reading its hours."""
    start = at.astimezone(_SEARCH_ZONE)
    end = (at + SOON).astimezone(_SEARCH_ZONE)
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

    rows: dict[tuple[int, int], Row[Any]] = field(default_factory=dict)
    states: dict[int, tuple[Timing, OpenState]] = field(default_factory=dict)


@dataclass(slots=True)
class _Hit:
    """A matching service at one stop, ranked before the costly parts of a Result are built.
    A hit whose hour mask ruled it out ranks last and has its row and state read only if shown."""

    key: tuple[int, float, int]
    candidate: _Candidate
    row: Row[Any] | None
    timing: Timing | None
    state: OpenState | None
    categories: set[int]


def _result(hit: _Hit, row: Row[Any], at: datetime, tax: Taxonomy) -> Result:
    """`row` holds the page columns of the hit's stop and service."""
    assert hit.row is not None and hit.state is not None and hit.timing is not None
    message = _period(row.temp_message)
    verified = row.updated_by_user_at
    if isinstance(verified, str):
        verified = datetime.fromisoformat(verified)
    if verified is not None and verified.tzinfo is None:  # SQLite keeps no offset: it was stored in UTC
        verified = verified.replace(tzinfo=UTC)
    phones = _json(row.phones) or ()
    return Result(
        source=row.source,
        lieu_id=hit.row.lieu_id,
        service_id=hit.row.service_id,
        place_name=row.place_name,
        service_name=row.service_name,
        category=hit.row.category,
        other_categories=tuple(
            sorted(tax.by_code[c] for c in hit.categories if tax.by_code[c] != hit.row.category)
        ),
        distance_m=hit.candidate.distance_m,
        point=Point(hit.row.lat, hit.row.lon),
        address=row.stop_address,
        postal_code=row.stop_postal_code,
        city=row.stop_city,
        phones=tuple(str(p.get("number")) for p in phones if isinstance(p, Mapping)),
        state=hit.state,
        timing=hit.timing,
        temp_message=message.text if message and message.covers(at) else None,
        conditions=conditions_of(_mapping(row.service_modalities) or _mapping(row.place_modalities)),
        audience=audience_of(_mapping(row.service_publics) or _mapping(row.place_publics)),
        languages=strings(_json(row.languages)),
        verified_at=verified,
        description=row.service_description or row.place_description,
        email=row.email,
        website=row.website,
        saturation=row.saturation,
        itinerary=row.place_type == "PARCOURS_MOBILE",
    )


class Directory:
    """The search seam the conversation talks to; backed by SQLite (R*Tree) or PostgreSQL (earthdistance)."""

    def __init__(self, engine: AsyncEngine, tax: Taxonomy | None = None) -> None:
        self._runner = Runner(engine)
        self._taxonomy = tax or taxonomy()
        self._sqlite = engine.dialect.name == "sqlite"
        # Built once: expanding IN parameters keep SQLAlchemy from coercing every id of every query.
        self._by_pairs = {
            (columns, filtered): self._joined(
                *_ID_COLUMNS, *columns, *(_FILTER_COLUMNS if filtered else ())
            ).where(
                col(StopRow.id).in_(bindparam("stops", expanding=True)),
                col(ServiceRow.id).in_(bindparam("services", expanding=True)),
            )
            for columns in (_RANK_COLUMNS, _PAGE_COLUMNS)
            for filtered in (False, True)
        }

    def _joined(self, *columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(StopRow)
            .join(PlaceRow, PlaceRow.id == StopRow.place_id)  # type: ignore[arg-type]
            .join(ServiceRow, ServiceRow.place_id == PlaceRow.id)  # type: ignore[arg-type]
        )

    def _candidates_sql(self, ranges: tuple[tuple[int, int], ...]) -> Any:
        """SQLite reads the 3-D R*Tree alone (its auxiliary columns carry ids and exact coordinates);
        PostgreSQL reads search_point through the earthdistance GiST index."""
        if self._sqlite:
            where = (
                "min_lat >= :min_lat AND max_lat <= :max_lat AND min_lon >= :min_lon AND max_lon <= :max_lon"
            )
            table = "search_rtree"
            code = "min_code >= :lo{i} AND max_code <= :hi{i}"  # codes are stored scaled by RTREE_CODE_SCALE
        else:
            where = "earth_box(ll_to_earth(:lat, :lon), :radius_m) @> ll_to_earth(lat, lon)"
            table = "search_point"
            code = "category_code BETWEEN :lo{i} AND :hi{i}"
        if ranges:
            where += " AND (" + " OR ".join(code.format(i=i) for i in range(len(ranges))) + ")"
        code_column = "min_code" if self._sqlite else "category_code"
        columns = f"place_id, stop_id, service_id, lat, lon, {code_column}, hour_mask"
        return text(f"SELECT {columns} FROM {table} WHERE {where}")  # noqa: S608 - fixed fragments, bound values

    def _candidates(
        self, conn: Connection, query: Query, categories: tuple[str, ...], radius_km: float
    ) -> list[_Candidate]:
        """Matching (stop, service) pairs within radius_km, nearest first: ids and coordinates only."""
        radius_m = radius_km * 1000
        min_lat, max_lat, min_lon, max_lon = bounding_box(query.point, radius_m)
        # The R*Tree keeps 32-bit floats rounded outwards: a margin of ~10 m keeps every edge point.
        min_lat, max_lat, min_lon, max_lon = min_lat - 1e-4, max_lat + 1e-4, min_lon - 1e-4, max_lon + 1e-4
        ranges = self._taxonomy.code_ranges(categories)
        params: dict[str, Any] = {
            "min_lat": min_lat,
            "max_lat": max_lat,
            "min_lon": min_lon,
            "max_lon": max_lon,
            "lat": query.point.lat,
            "lon": query.point.lon,
            "radius_m": radius_m,
        }
        scale = RTREE_CODE_SCALE if self._sqlite else 1
        for i, (low, high) in enumerate(ranges):
            params[f"lo{i}"], params[f"hi{i}"] = (low - 0.5) * scale, (high + 0.5) * scale
        rows = conn.execute(self._candidates_sql(ranges), params).all()
        lat, lon = query.point.lat, query.point.lon
        found = [
            _Candidate(haversine_m(lat, lon, r[3], r[4]), r[0], r[1], r[2], round(r[5] / scale), _mask(r[6]))
            for r in rows
        ]
        return sorted(
            (c for c in found if c.distance_m <= radius_m), key=lambda c: (c.distance_m, c.service_id)
        )

    def _rows(
        self, conn: Connection, wanted: Sequence[_Candidate], filtered: bool
    ) -> dict[tuple[int, int], Row[Any]]:
        """The ranking columns (hours, closures; publics and modalities when filtering) of some pairs."""
        statement = self._by_pairs[(_RANK_COLUMNS, filtered)]
        params = {
            "stops": sorted({c.stop_id for c in wanted}),
            "services": sorted({c.service_id for c in wanted}),
        }
        return {(row.stop_id, row.service_id): row for row in conn.execute(statement, params)}

    def _rank(self, conn: Connection, query: Query, candidates: list[_Candidate], memo: _Memo) -> list[_Hit]:
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
        while index < len(candidates):
            chunk = candidates[index : index + batch]
            index += len(chunk)
            while index < len(candidates) and candidates[index].distance_m == chunk[-1].distance_m:
                chunk.append(candidates[index])
                index += 1
            needed = [c for c in chunk if filtered or c.hour_mask & soon]
            missing = [c for c in needed if (c.stop_id, c.service_id) not in memo.rows]
            if missing:
                memo.rows.update(self._rows(conn, missing, filtered))
            for candidate in chunk:
                if filtered or candidate.hour_mask & soon:
                    hit = self._evaluate(query, candidate, memo)
                    if hit is None:
                        continue
                else:
                    key = (3, candidate.distance_m, candidate.service_id)
                    hit = _Hit(key, candidate, None, None, None, {candidate.category_code})
                seen = best.get(candidate.place_id)
                if seen is None:
                    best[candidate.place_id] = hit
                else:
                    seen.categories.add(candidate.category_code)
                    if hit.key < seen.key:
                        hit.categories = seen.categories
                        best[candidate.place_id] = hit
                if hit.key[0] == 0:
                    open_places.add(candidate.place_id)
            if not filtered and len(open_places) >= wanted:
                break
            batch *= 2
        return sorted(best.values(), key=lambda hit: hit.key)

    @staticmethod
    def _evaluate(query: Query, candidate: _Candidate, memo: _Memo) -> _Hit | None:
        """The hit with its state, or None when the query's filters turn it away."""
        row = memo.rows[(candidate.stop_id, candidate.service_id)]
        if query.filters != Filters():
            publics = _mapping(row.service_publics) or _mapping(row.place_publics)
            modalities = _mapping(row.service_modalities) or _mapping(row.place_modalities)
            if not admits(audience_of(publics), query.filters) or not accepts(modalities, query.filters):
                return None
        timing = timing_of(row)
        known = memo.states.get(id(timing))  # services sharing their place's hours share a Timing
        if known is not None and known[0] is timing:
            state = known[1]
        else:
            state = state_at(timing, query.at)
            memo.states[id(timing)] = (timing, state)
        key = (_tier(state, query.at), candidate.distance_m, candidate.service_id)
        return _Hit(key, candidate, row, timing, state, {candidate.category_code})

    async def search(self, query: Query) -> SearchPage:
        """One trip off the event loop for the whole search (see db.engine.Runner)."""
        return await self._runner.read(self._search, query)

    def _search(self, conn: Connection, query: Query) -> SearchPage:
        """Widen through RADII_KM until a page of useful results (open, unknown or opening within 3 hours).
        Candidates are ids and coordinates; hours are read for as few of them as the ranking needs,
        and the page's results are then read whole."""
        categories = tuple(c for c in query.categories if c in self._taxonomy.codes)
        if query.categories and not categories:
            return SearchPage(results=(), radius_km=(query.radius_km or RADII_KM[-1]), total=0)
        radii: Sequence[float] = (query.radius_km,) if query.radius_km else RADII_KM
        wanted = query.offset + query.limit
        soon = _hours_mask(query.at)
        memo = _Memo()
        hits: list[_Hit] = []
        total = 0
        radius = radii[-1]
        pool: list[_Candidate] = []
        fetched = 0.0
        for step, radius in enumerate(radii):
            if radius > fetched:
                # Few rows so far: the area is sparse, so one read two steps ahead costs less than two.
                ahead = step + 1 if step and len(pool) < SPARSE_ROWS else step
                fetched = radii[min(ahead, len(radii) - 1)]
                pool = self._candidates(conn, query, categories, fetched)
            candidates = (
                pool if radius == fetched else pool[: bisect_right(pool, radius * 1000, key=_distance)]
            )
            hits = self._rank(conn, query, candidates, memo)
            total = len(hits) if query.filters != Filters() else len({c.place_id for c in candidates})
            if total >= DENSE:
                break
            if sum(1 for hit in hits if hit.key[0] < 3) >= wanted:
                # Pages to come: their places are counted by hour mask only (no hours read), an
                # upper bound that is exact but for closures and holidays.
                maybe = {c.place_id for c in candidates if c.hour_mask & soon}
                if len(maybe) >= query.enough:
                    break
        log.info(
            "search categories=%s radius_km=%.0f hits=%d", ",".join(query.categories) or "*", radius, total
        )
        chosen = hits[query.offset : query.offset + query.limit]
        unread = [hit.candidate for hit in chosen if hit.row is None]
        if unread:
            memo.rows.update(self._rows(conn, unread, filtered=False))
        for hit in chosen:
            if hit.row is None:
                complete = self._evaluate(query, hit.candidate, memo)
                assert complete is not None and complete.key == hit.key, "an hour mask hid a useful service"
                hit.row, hit.timing, hit.state = complete.row, complete.timing, complete.state
        details = self._page_rows(conn, chosen)
        page = tuple(
            _result(hit, details[(hit.candidate.stop_id, hit.candidate.service_id)], query.at, self._taxonomy)
            for hit in chosen
        )
        return SearchPage(results=page, radius_km=radius, total=total)

    def _page_rows(self, conn: Connection, hits: Sequence[_Hit]) -> dict[tuple[int, int], Row[Any]]:
        if not hits:
            return {}
        statement = self._by_pairs[(_PAGE_COLUMNS, True)]
        params = {
            "stops": sorted({h.candidate.stop_id for h in hits}),
            "services": sorted({h.candidate.service_id for h in hits}),
        }
        return {(row.stop_id, row.service_id): row for row in conn.execute(statement, params)}
