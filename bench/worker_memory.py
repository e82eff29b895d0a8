"""One web worker's memory, on the Alsace sample or on a directory of any size (issue 12: <= 250 MB RSS
at 1,000,000 services).

Figures, not a test. Starts `solibot serve` (one worker, SQLite), waits until /healthz says ready (the
search's points and the word indexes are built then), reads the worker's RSS, sends signed SMS
(searches, pages, details in several towns) and reads it again, with the peak (VmHWM). The last line:
`worker_memory services=… rss_ready_mb=… rss_after_mb=… peak_mb=…`. A directory of more than
db.sql.index.IN_PROCESS points is read and indexed in a child process that ends once the worker has
its index: its peak is not the worker's (530 MB at 1,000,000 services, 844 MB with memory-mapped
reads). The first start of a checkout, or of changed code, builds the prebuilt word and town indexes
(search/prebuilt.py) instead of reading them back, and its worker holds 25-35 MB more: compare runs
after one start of each revision. The worker writes to its database (sessions, events): give each
run a copy of a large one.

    .venv/bin/python -m bench.worker_memory [--database sqlite:////tmp/work/bench1m/bench.db] [--requests 400]

Without `--database`, the Alsace sample in a temporary folder. A database made by `bench.search --work DIR`
holds the generated services (`DIR/search-<n>.db`).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from bench.webhook import Tally, free_port, sender, start_server, wait_ready
from db import PARIS
from db.sql import make_engine, prepare

# Places where both the sample and the generated directories have services.
SCRIPT = ("manger Strasbourg", "PLUS", "1", "douche Paris", "2", "dormir Lyon", "PLUS", "soigner Marseille")


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def count_services(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM service")).scalar_one())
    finally:
        engine.dispose()


async def measure(database_url: str, requests: int) -> tuple[float, float, float, Tally]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(database_url, port, 1, None)
    try:
        await wait_ready(base, within=1800)
        ready = status_mb(server.pid, "VmRSS")
        tally = Tally()
        budget = [requests]
        deadline = time.monotonic() + 600
        await asyncio.gather(
            *(sender(f"+3361{i:07d}", base, budget, deadline, tally, SCRIPT) for i in range(8))
        )
        return ready, status_mb(server.pid, "VmRSS"), status_mb(server.pid, "VmHWM"), tally
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", help="a database URL (default: the Alsace sample, prepared anew)")
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    database_url = args.database
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="solibot-memory-"))
        database_url = f"sqlite:///{folder / 'bench.db'}"
        prepare(database_url, now=datetime.now(PARIS)).dispose()
    services = count_services(database_url)
    ready, after, peak, tally = asyncio.run(measure(database_url, args.requests))
    print(f"requests={tally.sent} errors={tally.errors} lost={tally.lost}")
    figures = f"rss_ready_mb={ready:.0f} rss_after_mb={after:.0f} peak_mb={peak:.0f}"
    print(f"worker_memory services={services} {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
