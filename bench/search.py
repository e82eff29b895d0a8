"""Search latency: a 10-result nearby query on SQLite and PostgreSQL, Alsace sample and 200,000 services.

Figures, not a test. For each data set and back-end: p50/p99 latency and queries/s of
`Directory.search` from random points near where people live (communes drawn by population),
random needs, random instants; RSS; and an in-memory brute-force scan of the same points as the
reference cost. The last line: `search p99_ms=… qps=… services=… backend=…` (the largest run on SQLite).

    .venv/bin/python -m bench.search [--services 200000] [--queries 2000] [--skip-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import resource
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg
from sqlalchemy import func, select, text

from db import PARIS, communes
from db.sql import SqlIndex, load_sample, make_async_engine, make_engine, migrate, sync_categories
from db.sql.models import ServiceRow
from search import Directory, Point, Query, distance_m

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
NEEDS = ("food", "accomodation_and_housing", "shower", "clothing", "health", "counseling", "wifi", "toilets")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def query_points(n: int, depts: tuple[str, ...] | None, seed: int = 1) -> list[Query]:
    rng = random.Random(seed)
    towns = [c for c in communes().values() if (depts is None or c.dept in depts) and c.population > 0]
    weights = [c.population for c in towns]
    out = []
    for town in rng.choices(towns, weights=weights, k=n):
        point = Point(town.lat + rng.uniform(-0.01, 0.01), town.lon + rng.uniform(-0.01, 0.01))
        need = rng.choice(NEEDS)
        at = NOW + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
        out.append(Query(point=point, at=at, categories=(need,) if need else (), limit=10))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def run_queries(url: str, queries: list[Query]) -> list[float]:
    engine = make_async_engine(url)
    directory = Directory(SqlIndex(engine))
    for query in queries[:50]:  # warm caches and the pool
        await directory.search(query)
    timings = []
    for query in queries:
        start = time.perf_counter()
        await directory.search(query)
        timings.append((time.perf_counter() - start) * 1000)
    await engine.dispose()
    return timings


def brute_force(url: str, queries: list[Query]) -> list[float]:
    """Every stop in memory, a full scan per query: the cost search would have without an index."""
    engine = make_engine(url)
    with engine.connect() as conn:
        stops = conn.execute(
            text("SELECT s.lat, s.lon, sv.category FROM stop s JOIN service sv ON sv.place_id = s.place_id")
        ).all()
    engine.dispose()
    timings = []
    for query in queries:
        start = time.perf_counter()
        wanted = set(query.categories)
        hits = [
            (distance_m(query.point, Point(lat, lon)), cat)
            for lat, lon, cat in stops
            if not wanted or cat in wanted
        ]
        hits.sort()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def report(label: str, timings: list[float], services: int, backend: str) -> str:
    total_s = sum(timings) / 1000
    qps = len(timings) / total_s if total_s else float("inf")
    line = (
        f"{label:<28} backend={backend:<10} services={services:>7} p50_ms={statistics.median(timings):.2f} "
        f"p99_ms={percentile(timings, 0.99):.2f} qps={qps:.0f} rss_mb={rss_mb():.0f}"
    )
    print(line, flush=True)
    return (
        f"search p99_ms={percentile(timings, 0.99):.2f} qps={qps:.0f} services={services} backend={backend}"
    )


def prepare(url: str, services: int | None) -> int:
    migrate(url)
    engine = make_engine(url)
    sync_categories(engine)
    load_sample(engine, now=NOW, services=services)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(ServiceRow)).scalar_one())
    engine.dispose()
    return count


def pg_database(name: str) -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    last = ""
    with TemporaryDirectory() as tmp:
        for label, services, depts in (
            ("alsace sample", None, ("67", "68")),
            ("national", args.services, None),
        ):
            queries = query_points(args.queries, depts)
            slug = label.replace(" ", "_")
            backends = [("sqlite", f"sqlite:///{Path(tmp) / (slug + '.db')}")]
            if not args.skip_pg:
                pg = pg_database(f"solibot_bench_{slug}")
                if pg:
                    backends.append(("postgresql", pg))
            sqlite_line = ""
            for backend, url in backends:
                start = time.perf_counter()
                count = prepare(url, services)
                print(
                    f"{label}: loaded {count} services into {backend} in {time.perf_counter() - start:.1f} s"
                )
                line = report(label, asyncio.run(run_queries(url, queries)), count, backend)
                if backend == "sqlite":
                    sqlite_line = line
                    report(label + " (brute force)", brute_force(url, queries), count, "memory")
            last = sqlite_line or last
    print(last)


if __name__ == "__main__":
    main()
