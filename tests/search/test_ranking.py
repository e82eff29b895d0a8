"""Ranking over the index seam, without a database: an in-memory index against brute force."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from search import Directory, Filters, Openness, Point, Query
from search.engine import RADII_KM
from tests.search.memory_index import MemoryIndex
from tests.search.test_engine import CATEGORIES, CENTER, PARIS, random_places, reference

DOCS = random_places(7, 400)
INDEX = MemoryIndex(DOCS)
DIRECTORY = Directory(INDEX)


@settings(max_examples=300, deadline=None)
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
def test_ranking_matches_brute_force(
    dlat: float, dlon: float, categories: list[str], radius: float | None, hours: int, limit: int, offset: int
) -> None:
    """Open first, then unknown, then opening within 3 hours, nearest first in each; one line per place;
    the page exact at the radius it reports."""
    query = Query(
        point=Point(CENTER.lat + dlat, CENTER.lon + dlon),
        at=datetime(2026, 11, 16, tzinfo=PARIS) + timedelta(hours=hours, minutes=7),
        categories=tuple(categories),
        radius_km=radius,
        limit=limit,
        offset=offset,
    )
    page = asyncio.run(DIRECTORY.search(query))
    expected = reference(DOCS, query, page.radius_km)
    assert [(r.lieu_id, round(r.distance_m)) for r in page.results] == expected[offset : offset + limit]
    assert page.total == len(expected)
    assert page.radius_km == (radius or page.radius_km) and page.radius_km in (*RADII_KM, radius)


def test_open_places_come_first_then_nearest() -> None:
    at = datetime(2026, 11, 17, 10, 30, tzinfo=PARIS)  # a Tuesday morning
    page = asyncio.run(DIRECTORY.search(Query(point=CENTER, at=at, categories=("food",), limit=20)))
    tiers = [
        0 if r.state.openness is Openness.OPEN else 1 if r.state.openness is Openness.UNKNOWN else 2
        for r in page.results
    ]
    assert tiers == sorted(tiers) and tiers[0] == 0
    for tier in set(tiers):
        distances = [r.distance_m for r, t in zip(page.results, tiers, strict=True) if t == tier]
        assert distances == sorted(distances)
    assert len({r.lieu_id for r in page.results}) == len(page.results)  # one line per place


def test_a_filter_turns_away_only_exclusive_places() -> None:
    women_only = {
        **DOCS[0],
        "lieu_id": 99_999,
        "name": "Abri femmes",
        "publics": {"accueil": 2, "gender": ["women"]},
        "position": {
            **DOCS[0]["position"],
            "location": {"type": "Point", "coordinates": [CENTER.lon, CENTER.lat]},
        },
        "status": "ONLINE",
        "visibility": "ALL",
        "services_all": [{"category": "emergency_accommodation", "differentHours": False}],
    }
    directory = Directory(MemoryIndex([women_only, *DOCS]))
    at = datetime(2026, 11, 17, 10, 30, tzinfo=PARIS)
    base = Query(point=CENTER, at=at, categories=("emergency_accommodation",), limit=50)
    everyone = {r.place_name for r in asyncio.run(directory.search(base)).results}
    men = replace(base, filters=Filters(gender="men"))
    names = {r.place_name for r in asyncio.run(directory.search(men)).results}
    assert "Abri femmes" in everyone and "Abri femmes" not in names


def test_widening_reads_the_index_once_per_radius_at_most() -> None:
    index = MemoryIndex(DOCS)
    far = Point(CENTER.lat + 0.29, CENTER.lon + 0.44)
    asyncio.run(
        Directory(index).search(Query(point=far, at=datetime(2026, 11, 17, 3, tzinfo=PARIS), limit=10))
    )
    assert 1 <= index.reads <= len(RADII_KM)
