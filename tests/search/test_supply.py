"""`Directory.open_distances`: the open places of a search without their cards, as the statistics count
them around every search (handlers.stats.measure_supply), equal to what the page itself shows."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from db.sql.index import SqlIndex
from handlers.stats import SUPPLY_LIMIT, SUPPLY_RADII_KM
from search.audience import Filters
from search.engine import Directory, Query
from search.geo import Point
from tests.conftest import NOW
from tests.search.test_engine import CATEGORIES, CENTER, PARIS, random_places

TOWNS = (Point(48.5839, 7.7455), Point(47.7490, 7.3255), Point(48.0794, 7.3585), Point(48.8156, 7.7906))
SAMPLE_NEEDS = ("food", "shower", "accomodation_and_housing", "health", "hygiene_and_wellness", "no_such")
WHO = (
    Filters(),
    Filters(gender="women"),
    Filters(gender="men", age=45),
    Filters(age=16),
    Filters(family="family", free=True),
    Filters(no_referral=True, no_appointment=True),
    Filters(administrative="undocumented", animals=True),
)


async def _same_as_the_page(directory: Directory, query: Query) -> int:
    page = await directory.search(query)
    expected = tuple(r.distance_m for r in page.results if r.state.open)
    assert await directory.open_distances(query) == expected, query
    return len(expected)


async def test_open_distances_are_the_pages_open_places_on_random_data(
    engine: Any, async_engine: AsyncEngine
) -> None:
    from db.sql.importer import import_documents

    assert import_documents(engine, random_places(11, 400), source="random").rejected == ()
    directory = Directory(SqlIndex(async_engine))
    rng = random.Random(5)
    found = 0
    for _ in range(150):
        query = Query(
            point=Point(CENTER.lat + rng.uniform(-0.25, 0.25), CENTER.lon + rng.uniform(-0.35, 0.35)),
            at=datetime(2026, 11, 16, tzinfo=PARIS) + timedelta(hours=rng.randrange(24 * 7), minutes=7),
            categories=tuple(rng.sample(CATEGORIES, rng.randint(1, 2))),
            radius_km=rng.choice((SUPPLY_RADII_KM[-1], 3.0, None)),
            limit=rng.choice((3, 10, SUPPLY_LIMIT)),
        )
        found += await _same_as_the_page(directory, query)
    assert found > 500  # open places were there to count


async def test_open_distances_on_the_sample_with_who_is_asking(sample_database_url: str) -> None:
    from db.sql.engine import make_async_engine

    async_engine = make_async_engine(sample_database_url)
    try:
        directory = Directory(SqlIndex(async_engine))
        rng = random.Random(3)
        found = 0
        for _ in range(120):
            query = Query(
                point=rng.choice(TOWNS),
                at=NOW + timedelta(hours=rng.randrange(24 * 7)),
                categories=(rng.choice(SAMPLE_NEEDS),),
                radius_km=SUPPLY_RADII_KM[-1],
                filters=rng.choice(WHO),
                limit=SUPPLY_LIMIT,
            )
            found += await _same_as_the_page(directory, query)
        assert found > 200
    finally:
        await async_engine.dispose()


class _CountedIndex:
    """SqlIndex, counting the reads and telling the threads they ran in."""

    def __init__(self, index: SqlIndex) -> None:
        self.index, self.reads, self.threads = index, 0, list[tuple[str, int]]()

    async def read(self, work: Any) -> Any:
        self.reads += 1
        return await self.index.read(partial(self._seen, "read", work))

    async def read_many(self, work: Any) -> Any:
        self.reads += 1
        return await self.index.read_many(partial(self._seen, "read_many", work))

    def _seen(self, how: str, work: Any, reader: Any) -> Any:
        self.threads.append((how, threading.get_ident()))
        return work(reader)

    async def built(self, build: Any) -> Any:
        return await self.index.built(build)


async def test_the_measure_reads_nothing_unless_it_is_filtered_on_who_is_asking(
    sample_database_url: str,
) -> None:
    from db.sql.engine import make_async_engine

    async_engine = make_async_engine(sample_database_url)
    try:
        index = _CountedIndex(SqlIndex(async_engine))
        directory = Directory(index)
        await directory.prepare()
        query = Query(point=TOWNS[0], at=NOW, categories=("food",), radius_km=30.0, limit=SUPPLY_LIMIT)
        assert await directory.open_distances(query)
        assert index.reads == 0  # ranked in memory, on the loop: no thread hop
        await directory.open_distances(replace(query, filters=Filters(gender="women")))
        assert index.reads == 1  # the publics of the points ranked are read
    finally:
        await async_engine.dispose()


async def test_a_search_filtered_on_who_is_asking_reads_in_a_thread_the_others_on_the_loop(
    sample_database_url: str,
) -> None:
    """A page of cards by primary key is read on the loop (SQLite); the publics of every point a
    filtered search ranks (thousands of rows in a dense area, tens of milliseconds) in a thread."""
    from db.sql.engine import make_async_engine

    async_engine = make_async_engine(sample_database_url)
    try:
        index = _CountedIndex(SqlIndex(async_engine))
        directory = Directory(index)
        await directory.prepare()
        query = Query(point=TOWNS[0], at=NOW, categories=("food",), radius_km=30.0)
        assert (await directory.search(query)).results
        assert (await directory.search(replace(query, filters=Filters(gender="women")))).total
        await directory.open_distances(replace(query, filters=Filters(gender="women")))
    finally:
        await async_engine.dispose()
    loop = threading.get_ident()
    assert [(how, thread == loop) for how, thread in index.threads] == [
        ("read", True),
        ("read_many", False),
        ("read_many", False),
    ]
