"""Several processes starting together on a new embedded database: one migrates and seeds, the others
wait and find the whole sample (a trial's console once listed nothing within 200 km of Mulhouse)."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from db.sql.bootstrap import place_count, prepare
from db.sql.models import SearchPointRow
from tests.conftest import PARIS

STARTS = 4
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=PARIS)


def _start(url: str, barrier: Any, out: Any) -> None:
    barrier.wait()  # every process checks the new file at once
    try:
        engine = prepare(url, now=NOW)
        with engine.connect() as conn:
            points = int(conn.execute(select(func.count()).select_from(SearchPointRow)).scalar_one())
        out.put((place_count(engine), points))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        out.put(repr(error))


def test_processes_started_together_all_find_the_whole_sample(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    spawn = mp.get_context("spawn")
    barrier, out = spawn.Barrier(STARTS), spawn.Queue()
    starts = [spawn.Process(target=_start, args=(url, barrier, out)) for _ in range(STARTS)]
    for process in starts:
        process.start()
    seen = [out.get(timeout=300) for _ in starts]
    for process in starts:
        process.join(timeout=60)
    alone = prepare(f"sqlite:///{tmp_path / 'alone.db'}", now=NOW)
    with alone.connect() as conn:
        whole = (
            place_count(alone),
            int(conn.execute(select(func.count()).select_from(SearchPointRow)).scalar_one()),
        )
    assert whole[0] > 1000 and whole[1] > 1000
    assert seen == [whole] * STARTS, seen
