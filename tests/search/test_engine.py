"""Search: the engine against a brute-force reference on random data, fixtures' edge cases, filters."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

import db.sql.index
import search.engine
import search.points
from db.categories import taxonomy
from db.schedule import Period, parse_week
from db.sql.bootstrap import fixtures_path
from db.sql.engine import make_async_engine
from db.sql.importer import import_documents, import_file
from db.sql.index import SqlIndex
from search.audience import Filters
from search.engine import RADII_KM, SOON, UNKNOWN_NEAR_KM, Directory, Query, SearchPage
from search.geo import Point, distance_m
from search.hours import Openness, Timing, state_at
from search.points import Nearby, PointIndex

PARIS = ZoneInfo("Europe/Paris")
CENTER = Point(47.7490, 7.3255)  # Mulhouse
CATEGORIES = ("food_distribution", "shower", "emergency_accommodation", "clothing", "wifi", "legal_advice")
PATTERNS: tuple[dict[str, list[tuple[int, int]]], ...] = (
    {d: [(900, 1200), (1400, 1700)] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    {d: [(1830, 2000)] for d in ("monday", "wednesday", "friday", "saturday")},
    {d: [(0, 2359)] for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
    {"saturday": [(1000, 1600)], "sunday": [(1000, 1600)]},
    {},
)


def _hours(pattern: dict[str, list[tuple[int, int]]]) -> dict[str, Any]:
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    out: dict[str, Any] = {
        d: {"open": d in pattern, "timeslot": [{"start": a, "end": b} for a, b in pattern.get(d, [])]}
        for d in days
    }
    out["closedHolidays"] = "UNKNOWN"
    return out


def random_places(seed: int, n: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        lat = CENTER.lat + rng.uniform(-0.3, 0.3)
        lon = CENTER.lon + rng.uniform(-0.45, 0.45)
        closure: dict[str, bool | str | None] = {
            "actif": False,
            "dateDebut": None,
            "dateFin": None,
            "description": None,
        }
        if rng.random() < 0.1:
            closure = {
                "actif": True,
                "dateDebut": "2026-11-10T00:00:00Z",
                "dateFin": "2026-11-20T00:00:00Z",
                "description": "Travaux",
            }
        docs.append(
            {
                "lieu_id": 10_000 + i,
                "name": f"Lieu {i}",
                "status": rng.choice(["ONLINE"] * 8 + ["DRAFT", "OFFLINE"]),
                "visibility": rng.choice(["ALL"] * 9 + ["PRO"]),
                "placeType": "LIEU",
                "position": {
                    "location": {"type": "Point", "coordinates": [lon, lat]},
                    "address": f"{i} rue X",
                    "postalCode": "68100",
                    "city": "Mulhouse",
                    "departmentCode": "68",
                    "timeZone": "Europe/Paris",
                },
                "newhours": _hours(rng.choice(PATTERNS)),
                "tempInfos": {"closure": closure},
                "publics": {"accueil": 0},
                "modalities": {},
                "services_all": [
                    {"category": c, "differentHours": False}
                    for c in rng.sample(CATEGORIES, rng.randint(1, 3))
                ],
            }
        )
    return docs


def reference(docs: list[dict[str, Any]], query: Query, radius_km: float) -> list[tuple[int, int]]:
    """Brute force over the raw documents: (lieu_id, rounded distance) in ranking order."""
    return [(lieu_id, dist) for _tier, lieu_id, dist in ranked_reference(docs, query, radius_km)]


def ranked_reference(
    docs: list[dict[str, Any]], query: Query, radius_km: float
) -> list[tuple[int, int, int]]:
    """Brute force over the raw documents: (tier, lieu_id, rounded distance) in ranking order;
    tier 0 is open (and not a holiday guess)."""
    wanted = taxonomy().expand(query.categories)
    rows = []
    for doc in docs:
        if doc["status"] != "ONLINE" or doc["visibility"] != "ALL":
            continue
        if not any(s["category"] in wanted for s in doc["services_all"]):
            continue
        lon, lat = doc["position"]["location"]["coordinates"]
        dist = distance_m(query.point, Point(lat, lon))
        if dist > radius_km * 1000:
            continue
        closure = doc["tempInfos"]["closure"]
        closures: tuple[Period, ...] = ()
        if closure["dateDebut"]:  # Soliguide's calendar days (UTC dates), from and to Paris midnights
            first, last = (date.fromisoformat(closure[k][:10]) for k in ("dateDebut", "dateFin"))
            after = datetime.combine(last + timedelta(days=1), time(), PARIS)
            closures = (Period(datetime.combine(first, time(), PARIS), after - timedelta(microseconds=1)),)
        timing = Timing(
            tz="Europe/Paris", week=parse_week(doc["newhours"]), department="68", closures=closures
        )
        state = state_at(timing, query.at)
        if state.openness is Openness.OPEN:
            tier = 1 if state.holiday_unsure else 0
        elif state.openness is Openness.UNKNOWN:
            tier = 2 if dist <= UNKNOWN_NEAR_KM * 1000 else 4
        elif state.opens_at and state.opens_at - query.at <= SOON:
            tier = 3
        else:
            tier = 4
        rows.append((tier, dist, doc["lieu_id"]))
    rows.sort()
    return [(tier, lieu_id, round(dist)) for tier, dist, lieu_id in rows]


# What the property tests draw: a point around CENTER, one or two needs, an hour of the week.
_SIXTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_DLAT, _DLON = st.floats(-0.25, 0.25), st.floats(-0.35, 0.35)
_NEEDS = st.lists(st.sampled_from(CATEGORIES + ("food",)), min_size=1, max_size=2)
_HOURS = st.integers(0, 24 * 7 - 1)


def _searcher(url: str) -> tuple[Callable[[Query], SearchPage], Callable[[], None]]:
    """A Directory over the database at `url`, searched synchronously (inside a hypothesis test), and
    what closes it."""
    loop = asyncio.new_event_loop()
    async_engine = make_async_engine(url)
    directory = Directory(SqlIndex(async_engine))

    def close() -> None:
        loop.run_until_complete(async_engine.dispose())
        loop.close()

    return (lambda query: loop.run_until_complete(directory.search(query))), close


@pytest.fixture
def random_db(engine: Engine, database_url: str) -> tuple[str, list[dict[str, Any]]]:
    docs = random_places(7, 400)
    report = import_documents(engine, docs, source="random")
    assert report.rejected == ()
    return database_url, docs


@pytest.fixture(params=["scanned", "planted"])
def index_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the points are searched: scanned whole (a directory of up to search.points.SCANNED
    points, as these) and in k-d trees (larger ones)."""
    if request.param == "planted":
        monkeypatch.setattr(search.points, "SCANNED", 0)
    return str(request.param)


@pytest.mark.usefixtures("index_kind")
def test_engine_matches_brute_force(random_db: tuple[str, list[dict[str, Any]]]) -> None:
    url, docs = random_db
    search, close = _searcher(url)

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        dlat=st.floats(-0.25, 0.25),
        dlon=st.floats(-0.35, 0.35),
        categories=st.lists(
            st.sampled_from(CATEGORIES + ("food", "hygiene_and_wellness")), min_size=1, max_size=2
        ),
        radius=st.sampled_from((1.0, 3.0, 10.0, 30.0, None)),
        hours=st.integers(0, 24 * 7 - 1),
        limit=st.sampled_from((3, 10, 100)),
        offset=st.sampled_from((0, 0, 5)),
    )
    def check(
        dlat: float,
        dlon: float,
        categories: list[str],
        radius: float | None,
        hours: int,
        limit: int,
        offset: int,
    ) -> None:
        at = datetime(2026, 11, 16, tzinfo=PARIS) + timedelta(hours=hours, minutes=7)
        query = Query(
            point=Point(CENTER.lat + dlat, CENTER.lon + dlon),
            at=at,
            categories=tuple(categories),
            radius_km=radius,
            limit=limit,
            offset=offset,
        )
        page = search(query)
        got = [(r.lieu_id, round(r.distance_m)) for r in page.results]
        expected = reference(docs, query, page.radius_km)  # widening: the page is exact at its radius
        assert got == expected[offset : offset + limit]
        assert page.total == len(expected)
        assert page.radius_km == (radius or page.radius_km) and page.radius_km in (*RADII_KM, radius)
        wanted = taxonomy().expand(query.categories)
        for result in page.results:  # each place once, with every category asked that it offers
            offered = {s["category"] for s in by_lieu[result.lieu_id]["services_all"]} & set(wanted)
            assert {result.category, *result.other_categories} == offered
            assert len(result.other_categories) == len(offered) - 1

    by_lieu = {doc["lieu_id"]: doc for doc in docs}
    try:
        check()
    finally:
        close()


@pytest.mark.usefixtures("index_kind")
def test_a_lists_next_part_is_its_places_beyond_the_first(
    random_db: tuple[str, list[dict[str, Any]]],
) -> None:
    """A list continued farther (PLUS past its first radius): the places within the wider radius that
    have no point within the first, ranked as a search of the wider radius ranks them."""
    url, docs = random_db
    search, close = _searcher(url)

    @_SIXTY
    @given(
        dlat=_DLAT,
        dlon=_DLON,
        categories=_NEEDS,
        rings=st.sampled_from(((1.0, 3.0), (2.0, 5.0), (3.0, 10.0), (10.0, 30.0))),
        hours=_HOURS,
        limit=st.sampled_from((3, 10, 100)),
        offset=st.sampled_from((0, 0, 4)),
        women=st.booleans(),
    )
    def check(
        dlat: float,
        dlon: float,
        categories: list[str],
        rings: tuple[float, float],
        hours: int,
        limit: int,
        offset: int,
        women: bool,
    ) -> None:
        inner, outer = rings
        at = datetime(2026, 11, 16, tzinfo=PARIS) + timedelta(hours=hours, minutes=7)
        asked = Query(
            point=Point(CENTER.lat + dlat, CENTER.lon + dlon),
            at=at,
            categories=tuple(categories),
            radius_km=outer,
            filters=Filters(gender="women") if women else Filters(),
            limit=100,
        )
        ring = replace(asked, beyond_km=inner, limit=limit, offset=offset)
        page = search(ring)
        wider = search(asked)
        within = search(replace(asked, radius_km=inner))
        assert within.total == len(within.results)  # every place of the first part, to leave out
        first = {r.lieu_id for r in within.results}
        expected = [(r.lieu_id, round(r.distance_m)) for r in wider.results if r.lieu_id not in first]
        got = [(r.lieu_id, round(r.distance_m)) for r in page.results]
        whole = wider.total == len(wider.results)
        want = expected[offset : offset + limit]
        assert (got if whole else got[: len(want)]) == want
        assert page.total == wider.total - within.total and page.radius_km == outer
        if whole and not women:  # the brute force knows no publics
            beyond = {lieu for lieu, _ in reference(docs, replace(asked, radius_km=inner), inner)}
            assert [x for x in reference(docs, asked, outer) if x[0] not in beyond] == expected

    try:
        check()
    finally:
        close()


def _in_turn_reference(lists: list[list[tuple[int, int]]], shown: set[int]) -> list[tuple[int, int]]:
    """Needs' lists (lieu_id, metres) without the places `shown`, merged as a person reads them: the
    first of each need, in the order named, then the second of each…, each place once."""
    kept = [[item for item in items if item[0] not in shown] for items in lists]
    turns = sorted((rank, need, item) for need, items in enumerate(kept) for rank, item in enumerate(items))
    merged, seen = [], set()
    for _rank, _need, (lieu, metres) in turns:
        if lieu not in seen:
            seen.add(lieu)
            merged.append((lieu, metres))
    return merged


@pytest.mark.usefixtures("index_kind")
def test_several_needs_take_turns_on_the_page(random_db: tuple[str, list[dict[str, Any]]]) -> None:
    """ "manger et médecin": each need's own list (the brute force's), merged turn by turn, at the
    widest radius a need widens to alone; a list's next part leaves out the places within its first
    radius; the total counts the places of any need."""
    url, docs = random_db
    search, close = _searcher(url)

    @_SIXTY
    @given(
        dlat=_DLAT,
        dlon=_DLON,
        needs=st.lists(st.sampled_from(CATEGORIES + ("food",)), min_size=2, max_size=3, unique=True),
        radius=st.sampled_from((1.0, 3.0, 10.0, 30.0, None)),
        inner=st.sampled_from((None, 0.5, 2.0)),
        hours=_HOURS,
        limit=st.sampled_from((1, 3, 10)),
        offset=st.sampled_from((0, 0, 2, 7)),
    )
    def check(
        dlat: float,
        dlon: float,
        needs: list[str],
        radius: float | None,
        inner: float | None,
        hours: int,
        limit: int,
        offset: int,
    ) -> None:
        beyond = inner if radius is not None and inner is not None and inner < radius else None
        query = Query(
            point=Point(CENTER.lat + dlat, CENTER.lon + dlon),
            at=datetime(2026, 11, 16, tzinfo=PARIS) + timedelta(hours=hours, minutes=7),
            categories=tuple(needs),
            groups=tuple((need,) for need in needs),
            radius_km=radius,
            limit=limit,
            offset=offset,
            beyond_km=beyond,
        )
        page = search(query)
        alone = [replace(query, categories=(need,), groups=(), beyond_km=None) for need in needs]
        if radius is None:
            widest = max(search(replace(q, offset=0, limit=offset + limit)).radius_km for q in alone)
            assert page.radius_km == widest
        else:
            assert page.radius_km == radius
        outer = page.radius_km
        lists = [[(lieu, metres) for _tier, lieu, metres in ranked_reference(docs, q, outer)] for q in alone]
        union = replace(query, groups=())
        shown = {lieu for lieu, _ in reference(docs, union, beyond)} if beyond else set()
        expected = _in_turn_reference(lists, shown)
        got = [(r.lieu_id, round(r.distance_m)) for r in page.results]
        assert got == expected[offset : offset + limit]
        assert page.total == len(expected)

    try:
        check()
    finally:
        close()


def test_an_index_built_in_a_child_process_is_the_one_built_in_the_worker(
    random_db: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = random_db
    build = partial(PointIndex, tax=taxonomy())

    async def built() -> PointIndex:
        async_engine = make_async_engine(url)
        try:
            return await SqlIndex(async_engine).built(build)
        finally:
            await async_engine.dispose()

    here = asyncio.run(built())
    monkeypatch.setattr(db.sql.index, "IN_PROCESS", 0)  # a large directory: read in a child process
    there = asyncio.run(built())
    version, xyz, columns, codes, masks, values, fields, hours_of, mask_of, spans = here.__getstate__()
    assert (version, values, spans) == (there.version, there._values, there._spans)
    assert [here.timing(n) for n in range(len(hours_of))] == [there.timing(n) for n in range(len(hours_of))]
    mine_theirs = (
        (xyz, there._xyz),
        (columns, there._columns),
        (masks, there._words),
        (codes, there._codes),
        (fields, there._fields),
        (hours_of, there._hours_of),
        (mask_of, there._mask_of),
    )
    for mine, theirs in mine_theirs:
        assert np.array_equal(mine, theirs) and mine.dtype == theirs.dtype
    for need in ((), taxonomy().code_ranges(["food"]), taxonomy().code_ranges(["shower", "wifi"])):
        for count in (10, None):
            a = here.near(CENTER.lat, CENTER.lon, need, 30_000, 10, (1, 0, 0), count)
            b = there.near(CENTER.lat, CENTER.lon, need, 30_000, 10, (1, 0, 0), count)
            assert a.reach == b.reach and len(a.distance) > 0
            assert np.array_equal(a.distance, b.distance) and np.array_equal(a.columns, b.columns)
            assert np.array_equal(a.code, b.code) and np.array_equal(a.now, b.now)


@pytest.fixture
def crowded_db(engine: Engine, database_url: str) -> tuple[str, list[dict[str, Any]]]:
    """Many places near the centre (most closed at night), fewer far away: where widening used to
    stop at 60 places with open places farther out."""
    docs = random_places(23, 700)
    rng = random.Random(23)
    for doc in docs[:450]:
        lon, lat = doc["position"]["location"]["coordinates"]
        doc["position"]["location"]["coordinates"] = [
            CENTER.lon + (lon - CENTER.lon) * 0.08,
            CENTER.lat + (lat - CENTER.lat) * 0.08,
        ]
        doc["newhours"] = _hours(rng.choice(PATTERNS[:2]))  # office hours or evenings
    report = import_documents(engine, docs, source="random")
    assert report.rejected == ()
    return database_url, docs


@pytest.mark.usefixtures("index_kind")
def test_the_page_never_shows_fewer_open_places_than_exist_within_the_largest_radius(
    crowded_db: tuple[str, list[dict[str, Any]]],
) -> None:
    """Issue 12: whatever radius widening stops at, the open places of the page are those of the
    page over the largest radius, brute force, on SQLite and PostgreSQL."""
    url, docs = crowded_db
    search, close = _searcher(url)

    @_SIXTY
    @given(
        dlat=_DLAT,
        dlon=_DLON,
        categories=_NEEDS,
        hours=_HOURS,
        limit=st.sampled_from((3, 10, 20)),
        offset=st.sampled_from((0, 0, 5)),
    )
    def check(dlat: float, dlon: float, categories: list[str], hours: int, limit: int, offset: int) -> None:
        at = datetime(2026, 11, 16, tzinfo=PARIS) + timedelta(hours=hours, minutes=7)
        query = Query(
            point=Point(CENTER.lat + dlat * 0.1, CENTER.lon + dlon * 0.1),
            at=at,
            categories=tuple(categories),
            limit=limit,
            offset=offset,
        )
        page = search(query)
        shown = [
            (r.lieu_id, round(r.distance_m))
            for r in page.results
            if r.state.openness is Openness.OPEN and not r.state.holiday_unsure
        ]
        everywhere = [
            (lieu, dist) for tier, lieu, dist in ranked_reference(docs, query, RADII_KM[-1]) if not tier
        ]
        assert shown == everywhere[offset : offset + limit]
        assert page.results[: len(shown)] == tuple(
            r for r in page.results if (r.lieu_id, round(r.distance_m)) in shown
        )

    try:
        check()
    finally:
        close()


async def test_radius_widens_until_a_page_is_filled(engine: Engine, async_engine: Any) -> None:
    docs = random_places(11, 60)
    import_documents(engine, docs, source="random")
    directory = Directory(SqlIndex(async_engine))
    far = Point(CENTER.lat + 0.29, CENTER.lon + 0.44)
    page = await directory.search(
        Query(point=far, at=datetime(2026, 11, 17, 12, tzinfo=PARIS), categories=("food",), limit=3)
    )
    assert page.radius_km in RADII_KM
    assert len(page.results) <= 3
    smaller = [r for r in RADII_KM if r < page.radius_km]
    if smaller:
        narrow = await directory.search(
            Query(
                point=far,
                at=datetime(2026, 11, 17, 12, tzinfo=PARIS),
                categories=("food",),
                radius_km=smaller[-1],
                limit=100,
            )
        )
        assert (
            sum(1 for r in narrow.results if r.state.openness is not Openness.CLOSED or r.state.opens_at) < 3
        )


async def test_soliguide_fixture_edge_cases(engine: Engine, async_engine: Any) -> None:
    import_file(engine, fixtures_path(), source="soliguide")
    directory = Directory(SqlIndex(async_engine))
    at = datetime(2026, 11, 16, 10, tzinfo=PARIS)  # a Monday, 10:00
    page: SearchPage = await directory.search(
        Query(
            point=Point(48.8634914, 2.3525585),
            at=at,
            categories=("accomodation_and_housing",),
            radius_km=1,
            limit=100,
        )
    )
    by_name = {r.place_name: r for r in page.results}
    assert "LIEU_BROUILLON" not in by_name  # drafts are never shown
    assert "LIEU_HORS_LIGNE" not in by_name and "LIEU_FERME_DEFINITIVEMENT" not in by_name
    assert "LIEU_RESERVE_AUX_PROS" not in by_name  # visibility PRO
    closed = by_name["LIEU_INFOS_TEMP_ACTIVE"]
    assert closed.state.openness is Openness.CLOSED and closed.state.reason == "temporary_closure"
    assert closed.temp_message and "actuellement en cours" in closed.temp_message
    service_closed = by_name["LIEU_SERVICE_INFOS_TEMP_ACTIVE"]
    assert service_closed.state.openness is Openness.CLOSED
    assert by_name["LIEU_INFOS_TEMP_INACTIVE"].state.openness is Openness.OPEN
    ranks = [r.state.openness for r in page.results]
    assert ranks.index(Openness.OPEN) < ranks.index(Openness.CLOSED)
    assert [r.distance_m for r in page.results if r.state.openness is Openness.OPEN] == sorted(
        r.distance_m for r in page.results if r.state.openness is Openness.OPEN
    )

    # an itinerary: every stop is searchable with its own hours; the stop a person can reach open wins
    stop2 = Point(
        44.8353218, -0.5724102
    )  # runs Thursday 19:00-20:00; the first stop, 500 m away, 18:00-19:00
    at_1830 = datetime(2026, 11, 19, 18, 30, tzinfo=PARIS)
    page = await directory.search(Query(point=stop2, at=at_1830, categories=("food",), radius_km=1))
    mobile = next(r for r in page.results if r.place_name == "PARCOURS_MOBILE_EN_LIGNE")
    assert mobile.itinerary and 400 < mobile.distance_m < 600
    assert mobile.state.openness is Openness.OPEN
    assert mobile.state.closes_at == datetime(2026, 11, 19, 19, tzinfo=PARIS)
    at_1930 = datetime(2026, 11, 19, 19, 30, tzinfo=PARIS)
    page = await directory.search(Query(point=stop2, at=at_1930, categories=("food",), radius_km=1))
    mobile = next(r for r in page.results if r.place_name == "PARCOURS_MOBILE_EN_LIGNE")
    assert mobile.distance_m < 50 and mobile.state.openness is Openness.OPEN
    at_1730 = datetime(2026, 11, 19, 17, 30, tzinfo=PARIS)
    page = await directory.search(Query(point=stop2, at=at_1730, categories=("food",), radius_km=1))
    mobile = next(r for r in page.results if r.place_name == "PARCOURS_MOBILE_EN_LIGNE")
    assert mobile.distance_m < 50 and mobile.state.opens_at == datetime(2026, 11, 19, 19, tzinfo=PARIS)


async def test_exclusive_publics_and_modalities_filter(engine: Engine, async_engine: Any) -> None:
    import_file(engine, fixtures_path(), source="soliguide")
    directory = Directory(SqlIndex(async_engine))
    at = datetime(2026, 11, 16, 10, tzinfo=PARIS)
    base = Query(
        point=Point(48.8634914, 2.3525585),
        at=at,
        categories=("emergency_accommodation",),
        radius_km=1,
        limit=100,
    )
    everyone = {r.place_name for r in (await directory.search(base)).results}
    assert "LIEU_PUBLIC_EXCLUSIF" in everyone  # no filter: shown (the details say who it is for)
    men = replace(base, filters=Filters(gender="men"))
    names = {r.place_name for r in (await directory.search(men)).results}
    assert "LIEU_PUBLIC_EXCLUSIF" not in names  # women only, exclusive
    assert "LIEU_PUBLIC_PREFERENTIEL" in names  # preferential admits everyone
    couple = replace(base, filters=Filters(family="couple"))
    names = {r.place_name for r in (await directory.search(couple)).results}
    assert "LIEU_PUBLIC_EXCLUSIF" not in names  # women only: not for a couple, though it lists couples
    no_referral = replace(base, filters=Filters(no_appointment=True))
    names = {r.place_name for r in (await directory.search(no_referral)).results}
    assert "LIEU_RDV_INSCRIPTION" not in names


async def test_enough_picks_a_radius_for_the_pages_to_come(engine: Engine, async_engine: Any) -> None:
    import_documents(engine, random_places(11, 300), source="random")
    directory = Directory(SqlIndex(async_engine))
    at = datetime(2026, 11, 17, 12, tzinfo=PARIS)
    small = await directory.search(Query(point=CENTER, at=at, categories=("food",), limit=2))
    ahead = await directory.search(Query(point=CENTER, at=at, categories=("food",), limit=2, enough=10))
    assert ahead.results == small.results[:2] or ahead.radius_km > small.radius_km
    assert ahead.radius_km >= small.radius_km
    assert sum(1 for _ in ahead.results) == 2 and ahead.total >= min(10, ahead.total)
    wide = await directory.search(
        Query(point=CENTER, at=at, categories=("food",), radius_km=ahead.radius_km, limit=100)
    )
    useful = [r for r in wide.results if r.state.openness is not Openness.CLOSED or r.state.opens_at]
    assert len(useful) >= 10 or ahead.radius_km == RADII_KM[-1]


def test_query_refuses_naive_instants_and_bad_limits() -> None:
    with pytest.raises(ValueError):
        Query(point=CENTER, at=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError):
        Query(point=CENTER, at=datetime(2026, 1, 1, tzinfo=PARIS), limit=0)
    with pytest.raises(ValueError):
        Point(91, 0)


@settings(max_examples=300, deadline=None)
@given(
    week=st.lists(
        st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 1440)), max_size=3), min_size=7, max_size=7
    ),
    minutes=st.integers(0, 400 * 24 * 60),
)
def test_hour_mask_never_hides_an_open_or_soon_open_service(
    week: list[list[tuple[int, int]]], minutes: int
) -> None:
    from db.schedule import Slot, Week, hour_mask
    from search.engine import _hours_mask

    days = tuple(tuple(sorted({Slot(min(a, b - 1), b) for a, b in d}, key=lambda s: s.start)) for d in week)
    merged = Week(tuple(_merged(d) for d in days))
    at = datetime(2026, 1, 1, tzinfo=PARIS) + timedelta(minutes=minutes)
    state = state_at(Timing(tz="Europe/Paris", week=merged if not merged.is_empty() else None), at)
    useful = state.openness is not Openness.CLOSED or (
        state.opens_at is not None and state.opens_at - at <= SOON
    )
    if useful:
        assert hour_mask([merged if not merged.is_empty() else None]) & _hours_mask(at)


def _merged(day: tuple[Any, ...]) -> tuple[Any, ...]:
    from db.schedule import Slot

    out: list[Slot] = []
    for slot in day:
        if out and slot.start <= out[-1].end:
            out[-1] = Slot(out[-1].start, max(out[-1].end, slot.end))
        else:
            out.append(slot)
    return tuple(out)


@pytest.mark.parametrize("listed", [0, 10_000])
def test_a_pages_places_find_their_other_points_either_way(
    monkeypatch: pytest.MonkeyPatch, listed: int
) -> None:
    """The codes of the points of the places shown, among those read and counted: in Python up to
    LISTED points, else over the arrays; both as a plain reading of every point."""
    monkeypatch.setattr(search.engine, "LISTED", listed)
    rng = np.random.default_rng(7)
    for size in (1, 30, 400):
        near = _random_near(rng, size, places=25, codes=9)
        columns, code = near.columns, near.code
        counted = rng.random(size) < 0.7
        shown = sorted(set(columns[:, 0].tolist()))[:10]
        end = size * 3 // 4
        expected: dict[int, set[int]] = {place: set() for place in shown}
        for at in range(end):
            if counted[at] and int(columns[at, 0]) in expected:
                expected[int(columns[at, 0])].add(int(code[at]))
        assert search.engine._categories(near, shown, counted, end) == expected


@pytest.mark.parametrize("at_once", [1, 3, 64])
def test_each_place_by_its_nearest_point_counted(monkeypatch: pytest.MonkeyPatch, at_once: int) -> None:
    """The places that open later rank by their nearest point counted, read a few points at a time:
    as a sort of every point read would give them."""
    monkeypatch.setattr(search.engine, "AT_ONCE", at_once)
    rng = np.random.default_rng(11)
    for size in (0, 1, 30, 500):
        near = _random_near(rng, size, places=40, codes=1)
        counted = rng.random(size) < 0.6
        _, first = np.unique(near.place[counted], return_index=True)
        positions = np.flatnonzero(counted)[np.sort(first)]
        expected = list(zip(positions.tolist(), near.place[positions].tolist(), strict=True))
        assert list(search.engine._nearest_of_each(near, counted, size)) == expected


def _random_near(rng: np.random.Generator, size: int, *, places: int, codes: int) -> Nearby:
    """`size` points nearest first, of `places` places (ids and hours' numbers alike) and `codes` codes."""
    return Nearby(
        reach=1.0,
        distance=np.sort(rng.random(size)),
        columns=rng.integers(0, places, (size, 4)).astype(np.int32),
        code=rng.integers(0, codes, size).astype(np.int16),
        now=np.zeros(size, dtype=bool),
        soon=np.zeros(size, dtype=bool),
    )


def test_a_place_shown_in_no_part_before_is_in_the_next() -> None:
    """A place whose only point within the first part's radius is not counted (who is asking) was
    not shown there: the next part shows it by its farther point (a review found it in neither)."""
    from search.engine import _beyond  # noqa: PLC0415

    columns = np.array([[1, 10, 100, 0], [2, 20, 200, 0], [1, 11, 101, 0]], dtype=np.int32)
    near = Nearby(
        reach=5000.0,
        distance=np.array([100.0, 200.0, 3000.0]),
        columns=columns,
        code=np.zeros(3, dtype=np.int16),
        now=np.ones(3, dtype=bool),
        soon=np.ones(3, dtype=bool),
    )
    counted = np.array([False, True, True])
    assert _beyond(near, 0.5, counted).tolist() == [True, False, True]
    assert _beyond(near, 0.5, np.ones(3, dtype=bool)).tolist() == [False, False, False]
