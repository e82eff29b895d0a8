"""Search latency against an in-memory floor, in the same run and process (issue 12).

Figures, not a test. For each back-end, the same queries (points near where people live, communes drawn
by population; a random need; a random instant of the week) go to `Directory.search` (limit 10) and to
a floor: a `scipy.spatial.cKDTree` per category over the same searchable points, each with its hours
already read into solibot's `Timing`, asked for the 10 nearest places open at that instant within the
same maximum radius (30 km) with solibot's own hours function (`state_at`), nearest first. The two run
one after the other on each query, so that a busy machine slows both alike; the ratio is what counts.
`agree` counts the queries whose open places on the page are the floor's (places and distances).

The floor holds everything in memory and shows nothing but ids: what search would cost with no
database, no page to build and no widening steps. So that both start from memory, a SQLite file is
read once before the queries (into the system's cache: solibot reads its cards on the event loop
while they are there, in a thread when they are not). The floor reads the database with its own SQL,
so that it can also measure an older solibot (run this file from another checkout: `--repo`-free,
copy it there).

The last line: `search p50_ms=… p99_ms=… floor_p50_ms=… floor_p99_ms=… ratio_p50=… ratio_p99=…
agree=…/… services=… backend=sqlite` (the SQLite run; PostgreSQL's line is printed before it).

    .venv/bin/python -m bench.search [--services 200000] [--queries 2000] [--skip-pg] [--work DIR]
        [--limit 10]

`--limit` sets the places a page asks for: 10 is the target's; the conversation asks for a page of
what it shows (3 by SMS, 5 on Telegram and the console), and the line then ends with `limit=…`.

`--trace-memory` adds the index's own bytes (tracemalloc, a slower build). `--work DIR` keeps the
generated databases there (SQLite file, PostgreSQL database solibot_bench_<services>) and reuses
them when they already hold that many services.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import math
import os
import random
import resource
import time
import tracemalloc
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
import psycopg
from scipy.spatial import cKDTree
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from db import PARIS, HoursFacts, communes, taxonomy
from db.geo import EARTH_RADIUS_M
from db.sql import (
    SqlIndex,
    load_sample,
    make_async_engine,
    make_engine,
    migrate,
    one_connection,
    sync_categories,
)
from db.sql.models import ServiceRow
from search import Directory, Openness, OpenState, Point, Query, Timing, state_at
from search.facts import timing_of

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
NEEDS = ("food", "accomodation_and_housing", "shower", "clothing", "health", "counseling", "wifi", "toilets")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
MAX_RADIUS_M = 30_000.0
PAGE = 10


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def query_points(n: int, seed: int = 1, limit: int = PAGE) -> list[Query]:
    rng = random.Random(seed)
    towns = [c for c in communes().values() if c.population > 0]
    weights = [c.population for c in towns]
    out = []
    for town in rng.choices(towns, weights=weights, k=n):
        point = Point(town.lat + rng.uniform(-0.01, 0.01), town.lon + rng.uniform(-0.01, 0.01))
        at = NOW + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
        out.append(Query(point=point, at=at, categories=(rng.choice(NEEDS),), limit=limit))
    return out


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


@dataclass
class _Tree:
    tree: Any
    lat: np.ndarray
    lon: np.ndarray
    place: np.ndarray
    service: np.ndarray
    masks: list[int]
    timings: list[Timing]


class Floor:
    """The 10 nearest open places within 30 km: a cKDTree per need, k-nearest (k doubling), the hour
    mask, then state_at (one state per set of hours)."""

    def __init__(self, engine: Engine) -> None:
        tax = taxonomy()
        with engine.connect() as conn:
            places = {
                r[0]: r[1:]
                for r in conn.execute(
                    text(
                        "SELECT id, lieu_id, timezone, department_code, CAST(hours AS TEXT), "
                        "closed_holidays, CAST(temp_closure AS TEXT), CAST(temp_hours AS TEXT) FROM place"
                    )
                )
            }
            stops = {
                r[0]: r[1:]
                for r in conn.execute(
                    text("SELECT id, CAST(hours AS TEXT), closed_holidays FROM stop WHERE hours IS NOT NULL")
                )
            }
            services = {
                r[0]: r[1:]
                for r in conn.execute(
                    text(
                        "SELECT id, category, different_hours, CAST(hours AS TEXT), closed_holidays, "
                        "CAST(closure AS TEXT) FROM service"
                    )
                )
            }
            rows = conn.execute(
                text(
                    "SELECT place_id, stop_id, service_id, lat, lon, category_code, hour_mask "
                    "FROM search_point"
                )
            ).all()
        self.lieu = {pid: p[0] for pid, p in places.items()}
        timings: dict[tuple[int, int, int], Timing] = {}
        by_code: dict[int, list[tuple[Any, ...]]] = {}
        for place_id, stop_id, service_id, lat, lon, category_code, mask in rows:
            place, stop, service = places[place_id], stops.get(stop_id), services[service_id]
            key = (place_id, stop_id if stop and stop[0] and stop[0] != "null" else 0, service_id)
            timing = timings.get(key)
            if timing is None:
                facts = HoursFacts(
                    lieu_id=place[0],
                    category=service[0],
                    lat=lat,
                    lon=lon,
                    timezone=place[1],
                    department_code=place[2],
                    stop_hours=stop[0] if stop else None,
                    stop_holidays=stop[1] if stop else None,
                    place_hours=place[3],
                    place_holidays=place[4],
                    temp_closure=place[5],
                    temp_hours=place[6],
                    different_hours=bool(service[1]),
                    service_hours=service[2],
                    service_holidays=service[3],
                    service_closure=service[4],
                )
                timing = timings[key] = timing_of(facts)
            by_code.setdefault(category_code, []).append(
                (lat, lon, place_id, service_id, int(mask, 16), timing)
            )
        self.trees: dict[str, _Tree] = {}  # one per need: a query asks one tree
        for need in NEEDS:
            ranges = tax.code_ranges((need,))
            points = [p for c, ps in by_code.items() if any(lo <= c <= hi for lo, hi in ranges) for p in ps]
            lat = np.array([p[0] for p in points])
            lon = np.array([p[1] for p in points])
            self.trees[need] = _Tree(
                cKDTree(_xyz(lat, lon)),
                lat,
                lon,
                np.array([p[2] for p in points]),
                np.array([p[3] for p in points]),
                [p[4] for p in points],
                [p[5] for p in points],
            )

    def search(self, query: Query) -> list[tuple[int, int]]:
        """(lieu_id, rounded metres) of the nearest open places, nearest first."""
        trees = [self.trees[need] for need in query.categories]
        x = _xyz(np.array([query.point.lat]), np.array([query.point.lon]))[0]
        bound = 2 * math.sin(MAX_RADIUS_M / EARTH_RADIUS_M / 2) * (1 + 1e-9)
        local = query.at.astimezone(PARIS)
        hour_bit = 1 << (local.weekday() * 24 + local.hour)
        k, done = 16, 0
        found: dict[int, float] = {}
        states: dict[int, OpenState] = {}  # by Timing: points sharing their hours share one state
        while True:
            merged: list[tuple[float, int, int, int]] = []  # (chord, service, tree, index)
            complete = bound
            for t, tree in enumerate(trees):
                kk = min(k, tree.tree.n)
                dist, idx = tree.tree.query(x, k=kk, distance_upper_bound=bound)
                dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
                finite = idx < tree.tree.n
                if finite.all() and kk < tree.tree.n:
                    complete = min(complete, float(dist[-1]))
                merged.extend(
                    (float(d), int(tree.service[i]), t, int(i))
                    for d, i in zip(dist[finite], idx[finite], strict=True)
                )
            merged.sort()
            for chord, _service, t, i in merged[done:]:
                if chord > complete or chord == complete < bound:
                    break  # a tie with the k-th may have a twin the tree left out: read it next round
                done += 1
                tree = trees[t]
                if not tree.masks[i] & hour_bit:
                    continue
                timing = tree.timings[i]
                state = states.get(id(timing)) or states.setdefault(id(timing), state_at(timing, query.at))
                if state.openness is Openness.OPEN and not state.holiday_unsure:
                    place = int(tree.place[i])
                    if place not in found:
                        metres = 2 * EARTH_RADIUS_M * math.asin(min(1.0, chord / 2))
                        found[place] = metres
                        if len(found) == query.limit:
                            return self._named(found)
            if complete >= bound:
                return self._named(found)
            k *= 2

    def _named(self, found: dict[int, float]) -> list[tuple[int, int]]:
        return [(self.lieu[p], round(d)) for p, d in found.items()]


async def run(url: str, engine: Engine, queries: list[Query], trace: bool) -> dict[str, Any]:
    async_engine = make_async_engine(url)
    directory = Directory(SqlIndex(async_engine))
    with suppress(ImportError):  # the modules the index loads are not the index (an older solibot has none)
        import search.points  # noqa: F401, PLC0415
    gc.collect()
    if trace:  # the index's own bytes; tracemalloc makes the build several times slower
        tracemalloc.start()
    before_rss, start = rss_mb(), time.perf_counter()
    prepare = getattr(directory, "prepare", None)
    if prepare is not None:
        await prepare()
    prepared_s = time.perf_counter() - start
    gc.collect()
    index_mb = tracemalloc.get_traced_memory()[0] / 2**20 if trace else float("nan")
    tracemalloc.stop()
    index_rss = rss_mb() - before_rss
    floor = Floor(engine)
    cached = _cache_file(url)
    async with one_connection(async_engine):
        # As a turn runs its search: on the turn's PostgreSQL connection, checked out and pinged once
        # for the turn's session load, search and save (bot/wiring.py); SQLite is left as it is.
        result = await _measure(directory, floor, queries)
    await async_engine.dispose()
    return {
        **result,
        "prepare_s": prepared_s,
        "index_mb": index_mb,
        "index_rss_mb": index_rss,
        "cached": cached,
    }


def _cache_file(url: str) -> str:
    """Reads a SQLite database's file once, so that both sides start from memory: the floor holds
    everything in memory, and solibot reads its cards on the event loop only while the file's pages
    are in the system's cache (a worker whose reads meet the disk often reads in threads: a cold
    cache is another question). This machine's cache is small (~1.4 GB), so that a larger file read
    before may have pushed this one out."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return "no file to read"
    size = 0
    with open(path, "rb") as database:
        while chunk := database.read(1 << 20):
            size += len(chunk)
    return f"{size / 2**20:.0f} MB file read into the system's cache"


class _Away(logging.Handler):
    """Counts the times the search's connection left the event loop for threads (db.sql.engine: its
    reads met the disk too often), which would measure thread hops rather than the search."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.times += "read from the disk" in record.getMessage()


async def _measure(directory: Directory, floor: Floor, queries: list[Query]) -> dict[str, Any]:
    for query in queries[:50]:  # warm caches and the pool
        await directory.search(query)
        floor.search(query)
    ours, theirs, agree, short = [], [], 0, 0
    away, engine_log = _Away(), logging.getLogger("db.sql.engine")
    level = engine_log.level
    engine_log.addHandler(away)
    engine_log.setLevel(logging.INFO)
    try:
        for query in queries:
            begin = time.perf_counter()
            page = await directory.search(query)
            middle = time.perf_counter()
            expected = floor.search(query)
            end = time.perf_counter()
            ours.append((middle - begin) * 1000)
            theirs.append((end - middle) * 1000)
            shown = [
                (r.lieu_id, round(r.distance_m))
                for r in page.results
                if r.state.openness is Openness.OPEN and not r.state.holiday_unsure
            ]
            agree += shown == expected
            short += len(shown) < len(expected)
    finally:
        engine_log.removeHandler(away)
        engine_log.setLevel(level)
    return {"ours": ours, "floor": theirs, "agree": agree, "short": short, "away": away.times}


def load(url: str, services: int) -> int:
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(ServiceRow)).scalar_one())
    if count != services:
        sync_categories(engine)
        load_sample(engine, now=NOW, services=services)
        with engine.connect() as conn:
            count = int(conn.execute(select(func.count()).select_from(ServiceRow)).scalar_one())
    engine.dispose()
    return count


def pg_database(name: str, keep: bool) -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists and not keep:
                conn.execute(f'DROP DATABASE "{name}"')
            if not exists or not keep:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def line(backend: str, services: int, found: dict[str, Any], queries: int, limit: int = PAGE) -> str:
    ours, floor = found["ours"], found["floor"]
    p50, p99 = percentile(ours, 0.5), percentile(ours, 0.99)
    f50, f99 = percentile(floor, 0.5), percentile(floor, 0.99)
    return (
        f"search p50_ms={p50:.2f} p99_ms={p99:.2f} floor_p50_ms={f50:.2f} floor_p99_ms={f99:.2f} "
        f"ratio_p50={p50 / f50:.2f} ratio_p99={p99 / f99:.2f} agree={found['agree']}/{queries} "
        f"services={services} backend={backend}" + (f" limit={limit}" if limit != PAGE else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument(
        "--limit", type=int, default=PAGE, help="places a page asks for (the target's: 10; SMS pages: 3)"
    )
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--work", type=Path, help="keep and reuse the generated databases here")
    parser.add_argument("--trace-memory", action="store_true", help="the index's bytes by tracemalloc")
    args = parser.parse_args()
    queries = query_points(args.queries, limit=args.limit)
    with TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        backends = []
        if not args.skip_pg:
            pg = pg_database(f"solibot_bench_{args.services}", keep=args.work is not None)
            if pg:
                backends.append(("postgresql", pg))
        if not args.skip_sqlite:
            backends.append(("sqlite", f"sqlite:///{work / f'search_{args.services}.db'}"))
        for backend, url in backends:
            start = time.perf_counter()
            count = load(url, args.services)
            print(f"{backend}: {count} services ready in {time.perf_counter() - start:.1f} s", flush=True)
            engine = make_engine(url)
            found = asyncio.run(run(url, engine, queries, args.trace_memory))
            engine.dispose()
            print(
                f"{backend}: prepare {found['prepare_s']:.2f} s, index {found['index_mb']:.1f} MB traced "
                f"(RSS +{found['index_rss_mb']:.0f} MB), {found['short']} pages with fewer open places "
                f"than the floor, peak RSS {peak_mb():.0f} MB; {found['cached']}; reads sent to threads "
                f"for a while {found['away']} times",
                flush=True,
            )
            print(line(backend, count, found, len(queries), args.limit), flush=True)


if __name__ == "__main__":
    main()
