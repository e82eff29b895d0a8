"""The searchable points in memory (search.points) and how a Directory keeps them in step."""

from __future__ import annotations

import asyncio
import dataclasses
import pickle
import subprocess
import sys
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import search.engine
import search.points
from db import haversine_m, taxonomy
from search import Directory, Point, Query
from search.engine import _hour_of_week, _hours_mask
from search.facts import timings
from search.points import PointIndex, words
from tests.search.memory_index import MemoryIndex
from tests.search.test_engine import CENTER, PARIS, random_places

DOCS = random_places(31, 300)
INDEX = MemoryIndex(DOCS)
AT = datetime(2026, 11, 17, 10, 30, tzinfo=PARIS)


def _points() -> PointIndex:
    return PointIndex(asyncio.run(INDEX.points()), taxonomy())


def _planted() -> PointIndex:
    """The same points in k-d trees, as a directory larger than search.points.SCANNED has them."""
    scanned, search.points.SCANNED = search.points.SCANNED, 0
    try:
        return _points()
    finally:
        search.points.SCANNED = scanned


POINTS = _points()  # scanned whole: 300 places
PLANTED = _planted()
SENT = pickle.loads(pickle.dumps(PLANTED))  # as a child process sends it to the worker
BY_KEY = {(p[1], p[2]): p for p in INDEX._points}
HOURS = dict(zip(BY_KEY, timings(list(INDEX._facts(list(BY_KEY)).values())), strict=True))


@settings(max_examples=200, deadline=None)
@given(
    dlat=st.floats(-0.35, 0.35),
    dlon=st.floats(-0.5, 0.5),
    radius_km=st.sampled_from((0.5, 1.0, 3.0, 10.0, 30.0)),
    need=st.sampled_from(("food", "shower", "emergency_accommodation", "hygiene_and_wellness", "")),
    count=st.sampled_from((1, 3, 10, 40, 10_000, None)),
)
def test_near_is_every_point_within_its_reach_nearest_first(
    dlat: float, dlon: float, radius_km: float, need: str, count: int | None
) -> None:
    """All of them without a count (a ball), else the `count` nearest and all up to the farthest."""
    for points in (POINTS, PLANTED, SENT):
        _check_near(points, CENTER.lat + dlat, CENTER.lon + dlon, radius_km, need, count)


def _check_near(
    points: PointIndex, lat: float, lon: float, radius_km: float, need: str, count: int | None
) -> None:
    ranges = taxonomy().code_ranges((need,) if need else ())
    near = points.near(
        lat, lon, ranges, radius_km * 1000, _hour_of_week(AT), words(_hours_mask(AT)), count=count
    )
    expected = sorted(
        (haversine_m(lat, lon, p[3], p[4]), p[2], p[1])
        for p in INDEX._points
        if haversine_m(lat, lon, p[3], p[4]) <= radius_km * 1000
        and (not ranges or any(low <= p[5] <= high for low, high in ranges))
    )
    held = [(d, s, t) for d, s, t in expected if d < near.reach - 1e-3]  # every point nearer than reach
    if count is not None and count <= len(expected):  # at least the `count` nearest
        assert near.reach >= expected[count - 1][0] - 1e-3
    assert [(int(s), int(t)) for s, t in zip(near.service, near.stop, strict=True)][: len(held)] == [
        (s, t) for _d, s, t in held
    ]
    assert near.distance.tolist()[: len(held)] == pytest.approx([d for d, _s, _t in held], abs=1e-6)
    assert all(d <= near.reach <= radius_km * 1000 for d in near.distance.tolist())
    if count is None or count > len(expected) or points is POINTS:  # all of them (scanned: always)
        assert near.reach == radius_km * 1000 and len(near.distance) == len(expected)
    _check_columns(points, near)


def _check_columns(points: PointIndex, near: search.points.Nearby) -> None:
    """Each point's place, code, hours and hour mask are its own."""
    hour, soon = _hour_of_week(AT), words(_hours_mask(AT))
    for at, key in enumerate(zip(near.stop.tolist(), near.service.tolist(), strict=True)):
        place, _stop, _service, _lat, _lon, code, mask = BY_KEY[key]
        assert (int(near.place[at]), int(near.code[at])) == (place, code)
        assert bool(near.now[at]) == bool(mask >> hour & 1)
        assert bool(near.soon[at]) == any(w & s for w, s in zip(words(mask), soon, strict=True))
        assert points.timing(int(near.timing[at])) == HOURS[key]


@pytest.mark.parametrize("scanned", [True, False])
def test_points_sharing_their_hours_keep_each_its_hour_mask(scanned: bool) -> None:
    """An hours' number stands for the hours and the mask: points reading the same hours with other
    masks (written at other times) keep theirs, in the worker as in the child that built them."""
    points = asyncio.run(INDEX.points())
    shared = dataclasses.replace(points, timing=np.zeros_like(points.timing))  # all read hours[0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search.points, "SCANNED", search.points.SCANNED if scanned else 0)
        index = pickle.loads(pickle.dumps(PointIndex(shared, taxonomy())))
    near = index.near(CENTER.lat, CENTER.lon, (), 100_000, _hour_of_week(AT), words(_hours_mask(AT)))
    assert len(near.distance) == len(points.place_id) and len(set(near.timing.tolist())) > 1
    first = timings([INDEX._facts([(int(points.stop_id[0]), int(points.service_id[0]))]).popitem()[1]])[0]
    for at, key in enumerate(zip(near.stop.tolist(), near.service.tolist(), strict=True)):
        assert index.timing(int(near.timing[at])) == first
        assert bool(near.now[at]) == bool(BY_KEY[key][6] >> _hour_of_week(AT) & 1)


def test_a_small_index_plants_no_tree_and_a_large_one_does() -> None:
    assert all(c.tree is None for c in POINTS._trees.values())
    assert POINTS._trees and all(c.tree is not None for c in PLANTED._trees.values())


def test_prepare_builds_once_and_first_searches_share_the_build() -> None:
    index = MemoryIndex(DOCS)
    directory = Directory(index)

    async def start() -> None:
        await asyncio.gather(directory.prepare(), directory.prepare(), directory.search(Query(CENTER, AT)))
        await directory.prepare()

    asyncio.run(start())
    assert index.builds == 1


def test_a_moved_data_stamp_rebuilds_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search.engine, "CHECK_SECONDS", 0.0)
    index = MemoryIndex(DOCS)
    directory = Directory(index)

    async def run() -> None:
        await directory.search(Query(CENTER, AT, categories=("food",)))
        await directory.search(Query(CENTER, AT, categories=("food",)))
        assert index.builds == 1  # the stamp has not moved
        index.stamp = 2  # another process imported
        page = await directory.search(Query(CENTER, AT, categories=("food",)))
        assert page.results  # answered from the index it had
        building = directory._building
        assert building is not None
        await building
        assert index.builds == 2

    asyncio.run(run())


def test_a_place_gone_since_the_points_were_read_is_left_out() -> None:
    index = MemoryIndex(DOCS)
    directory = Directory(index)
    query = Query(CENTER, AT, categories=("food",), limit=5)
    before = asyncio.run(directory.search(query))
    gone = before.results[0]
    for key in [k for k, (place, _stop, _service) in index._rows.items() if place["lieu_id"] == gone.lieu_id]:
        del index._rows[key]
    after = asyncio.run(directory.search(query))
    assert gone.lieu_id not in {r.lieu_id for r in after.results}
    assert [r.lieu_id for r in after.results] == [r.lieu_id for r in before.results[1:]]


def test_an_empty_directory_answers_an_empty_page() -> None:
    directory = Directory(MemoryIndex([]))
    page = asyncio.run(directory.search(Query(CENTER, AT, categories=("food",))))
    assert page.results == () and page.total == 0


@settings(max_examples=60, deadline=None)
@given(
    dlat=st.floats(-0.3, 0.3),
    dlon=st.floats(-0.45, 0.45),
    need=st.sampled_from(("food", "shower", "emergency_accommodation", "hygiene_and_wellness")),
    hours=st.integers(0, 24 * 7 - 1),
    limit=st.sampled_from((3, 10, 30)),
)
def test_how_far_a_search_reads_at_once_never_changes_its_page(
    dlat: float, dlon: float, need: str, hours: int, limit: int
) -> None:
    """Past the first read, a sparse area is read whole to the largest radius and a dense one
    step by step (search.engine.WHOLE_READ): the pages are the same."""
    query = Query(
        point=Point(CENTER.lat + dlat, CENTER.lon + dlon),
        at=datetime(2026, 11, 16, tzinfo=PARIS) + timedelta(hours=hours, minutes=7),
        categories=(need,),
        limit=limit,
    )
    whole = asyncio.run(Directory(INDEX).search(query))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search.engine, "WHOLE_READ", 0)
        stepwise = asyncio.run(Directory(INDEX).search(query))
    assert stepwise == whole


def test_the_trees_load_scipys_kd_tree_alone_and_share_it_with_scipy_spatial() -> None:
    """scipy.spatial's package would import scipy.linalg and scipy.special (15 MB of a worker)."""
    code = """
import sys
import tests.search.test_points as t
assert all(c.tree is not None for c in t.PLANTED._trees.values())
loaded = [m for m in ("scipy.spatial", "scipy.linalg", "scipy.special") if m in sys.modules]
import scipy.spatial
print(loaded, type(next(iter(t.PLANTED._trees.values())).tree) is scipy.spatial.cKDTree)
"""
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["[]", "True"]
