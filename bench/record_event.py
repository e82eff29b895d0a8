"""What recording a search event costs a turn (issue 14: at most 0.2 ms added), against the turn itself.

Figures, not a test. On a copy of the Alsace sample (SQLite): a search turn end to end through
`Resources.converse` (the reference), then what the recording adds on that path: building the
SearchEvent in the conversation (`handlers.stats.search_event`: the commune of the point and the
value) and `Resources._record` (a put on the recorder's queue). Then, off the reply path, what the
writer task spends per event (the 30 km open-places measure and the batched insert).

    .venv/bin/python -m bench.record_event [--turns 300] [--calls 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from bot.surfaces import SMS
from bot.wiring import Resources
from db import PARIS
from db.sql import prepare
from handlers import Channel, EventKind, Incoming
from handlers.stats import search_event
from search import Filters
from tests.e2e.support import make_settings

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
TEXTS = ("manger mulhouse", "douche colmar", "dormir strasbourg", "médecin haguenau", "vêtements saint-louis")


def _per_call_us(fn: object, calls: int) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


async def main(turns: int, calls: int) -> None:
    with TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        prepare(url, now=NOW).dispose()
        async with Resources.open(make_settings(url), lambda: NOW) as resources:
            assert resources.events is not None
            times = []
            for i in range(turns):
                msg = Incoming(Channel.SMS, f"{i:064d}", TEXTS[i % len(TEXTS)], received_at=NOW, surface=SMS)
                start = time.perf_counter()
                turn = await resources.converse(msg)
                times.append(time.perf_counter() - start)
                assert turn.event is not None
            turn_ms = statistics.median(times) * 1000
            written_before = resources.events.written
            start = time.perf_counter()
            await resources.events.flush()
            drained = time.perf_counter() - start

            # The writer, alone: measure + insert per event, on events offered all at once.
            event = turn.event
            assert event is not None
            start = time.perf_counter()
            for _ in range(200):
                resources.events.offer(event)
            await resources.events.flush()
            writer_ms = (time.perf_counter() - start) / 200 * 1000

            # What the turn path pays, call by call.
            place = (47.7512, 7.3391, "Mulhouse")
            build_us = _per_call_us(
                lambda: search_event(
                    EventKind.SEARCH, ("food",), ("food",), place, NOW, NOW, "fr", Filters()
                ),
                calls,
            )
            offer_us = _per_call_us(lambda: resources._record(turn), min(calls, 1500))
            await resources.events.flush()
    added_ms = (build_us + offer_us) / 1000
    print(f"turn (search, end to end) median: {turn_ms:.2f} ms over {turns} turns")
    print(f"added on the reply path: build {build_us:.1f} us + offer {offer_us:.1f} us = {added_ms:.4f} ms")
    verdict = "met" if added_ms <= 0.2 else "MISSED"
    print(f"  = {100 * added_ms / turn_ms:.2f} % of a turn; target <= 0.2 ms: {verdict}")
    print(f"writer, off the reply path: {writer_ms:.2f} ms per event (30 km measure + batched insert)")
    print(f"  {written_before} events of the turns drained {drained * 1000:.0f} ms after the last reply")
    print(f"record_event added_ms={added_ms:.4f} turn_ms={turn_ms:.2f} writer_ms={writer_ms:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.calls))
