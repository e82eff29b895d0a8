"""What the readers of a message make at their first use, made at once."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from handlers import filters, operators, safety
from search import (
    Point,
    commune_at,
    load_or_build,
    prepare_holidays,
    town_words,
    unchanged,
    understand,
    use_index_directory,
)

# A message that reads every index a turn reads back: a need, a town, a time (search/prebuilt.py).
_EVERY_INDEX = "manger ce soir à Strasbourg"


def prepare_readers() -> None:
    """The crisis phrases, who is asking and the operators' jargon, their expressions compiled: the web
    app's warm-up calls it before its health check says ready, so that no person's first message pays
    for them (a command that answers one message makes only what it reads)."""
    safety.prepare()
    filters.prepare()
    operators.prepare()


def prebuild(folder: Path) -> None:
    """Every index the readers keep in `folder` (search.prebuilt), made if this code has not made them
    yet: a web worker runs it in a short-lived child process at start, so that it only ever reads them
    back (making them in the worker left it 30 MB more for its life at 1,000,000 services)."""
    use_index_directory(folder)
    prepare_readers()
    now = datetime.now(UTC)
    understand(_EVERY_INDEX, now)
    prepare_holidays(now.year)
    town_words()
    commune_at(Point(48.5839, 7.7455))


def prebuilt_in_child(folder: Path) -> None:
    """`prebuild` in a short-lived child process, once for this code (a small index of its own says it
    ran): a new deployment's first web worker would otherwise make the indexes itself, and keep what
    that left for its life (30 MB at 1,000,000 services, bench.worker_memory)."""

    def made() -> bool:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        try:
            pool.submit(prebuild, folder).result()
        finally:
            pool.shutdown()
        return True

    load_or_build("readers_made", made, unchanged, unchanged)
