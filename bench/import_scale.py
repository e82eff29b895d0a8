"""A national directory through `solibot import`: wall time and memory of the command, SQLite and PostgreSQL.

Figures, not a test. The export is generated (the sample's national recipe, ~4 services a place, itineraries
included) and written the way mongoexport writes it by default: one document a line, in relaxed MongoDB
Extended JSON (`{"$oid": …}`, `{"$date": …}`), gzipped. Each import is the real command line in a child
process into a fresh database (a scratch PostgreSQL database is created and dropped), timed from start to
exit (the migration at start-up and the statistics after the commit included). Its peak RSS is the child's
own (os.wait4); its RSS is also sampled every half second, to show it flat while the file streams.

    .venv/bin/python -m bench.import_scale [--services 1000000] [--shape jsonl|array|api]
                                           [--ejson relaxed|canonical|none] [--skip-sqlite] [--skip-pg]
                                           [--file PATH [--keep]] [--repo PATH] [--work DIR] [-- IMPORT ARGS]

`--file` keeps (with `--keep`) or reuses the generated export: writing 1,000,000 services takes two to
three minutes, 2.4 GB inflated (128 MB gzipped: generated text repeats itself more than real data).
`--repo` runs `python -m bot` from another checkout, to measure an older importer with the same input
(an older one reads JSON arrays only: `--shape array --ejson none`, and may need
`-- --max-inflated-mb 4096`, since such a file inflates past 2 GiB). Each run prints a reference
(the machine's speed at that moment): compare figures at a similar reference.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import create_engine, text

from bench.import_reimport import drop_pg_database, pg_database
from db import PARIS, generate_sample
from db.sql import fixtures_path

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
SEED = 2027
DATE_KEYS = frozenset({"createdAt", "updatedAt", "updatedByUserAt", "dateDebut", "dateFin"})
OID_KEYS = frozenset({"_id", "serviceObjectId"})
TABLES = ("place", "stop", "service", "search_point", "import_run")


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def extended(value: Any, canonical: bool, key: str | None = None) -> Any:
    """A plain document as mongoexport writes it: ObjectIds and dates wrapped, and in canonical mode
    every number too (mongoexport --jsonFormat=canonical)."""
    if isinstance(value, dict):
        return {k: extended(v, canonical, k) for k, v in value.items()}
    if isinstance(value, list):
        return [extended(v, canonical) for v in value]
    if key in OID_KEYS and isinstance(value, str):
        return {"$oid": value}
    if key in DATE_KEYS and isinstance(value, str):
        ms = _ms(value)
        if canonical:
            return {"$date": {"$numberLong": str(ms)}}
        return {
            "$date": datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{ms % 1000:03d}Z"
        }
    if canonical and isinstance(value, bool):
        return value
    if canonical and isinstance(value, int):
        return {"$numberInt" if -(2**31) <= value < 2**31 else "$numberLong": str(value)}
    if canonical and isinstance(value, float):
        return {"$numberDouble": repr(value)}
    return value


@dataclass(frozen=True, slots=True)
class Export:
    places: int
    services: int
    itineraries: int
    inflated_bytes: int
    seconds: float


def documents(services: int, ejson: str) -> Iterator[dict[str, Any]]:
    for doc in generate_sample(seed=SEED, services=services, now=NOW):
        yield doc if ejson == "none" else extended(doc, ejson == "canonical")


def write_export(path: Path, services: int, shape: str, ejson: str) -> Export:
    """One gzip stream, written as the documents come (the generator holds a plan, not the documents)."""
    started = time.perf_counter()
    places = served = itineraries = inflated = 0
    with gzip.open(path, "wb", compresslevel=6) as out:

        def put(chunk: str) -> None:
            nonlocal inflated
            data = chunk.encode()
            inflated += len(data)
            out.write(data)

        head, separator, tail = {
            "jsonl": ("", "\n", "\n"),
            "array": ("[\n", ",\n", "\n]\n"),
            "api": (f'{{"nbResults": {services // 4}, "places": [\n', ",\n", "\n]}\n"),
        }[shape]
        put(head)
        for doc in documents(services, ejson):
            put((separator if places and shape != "jsonl" else "") + json.dumps(doc, ensure_ascii=False))
            if shape == "jsonl":
                put("\n")
            places += 1
            served += len(doc["services_all"])
            itineraries += doc["placeType"] == "PARCOURS_MOBILE"
        put(tail if shape != "jsonl" else "")
    return Export(places, served, itineraries, inflated, time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class Run:
    backend: str
    seconds: float
    peak_mb: float
    rss_mb: tuple[float, ...]  # sampled RSS at 10 %, 25 %, 50 %, 75 %, 90 % of the run
    status: int
    last_line: str
    rows: dict[str, int]


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def reference_s() -> float:
    """The machine's speed now: seconds to parse Soliguide's fixtures 30 times and write them back, best
    of three. The 2-core machine is shared, so a figure is read against the reference of its run."""
    raw = gzip.decompress(fixtures_path().read_bytes())
    times = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(30):
            json.dumps(json.loads(raw))
        times.append(time.perf_counter() - started)
    return min(times)


def run_import(backend: str, url: str, export: Path, repo: Path, work: Path, extra: list[str]) -> Run:
    env = {**os.environ, "DATABASE_URL": url, "SEED_SAMPLE": "false"}
    out_path = work / f"{backend}.out"
    samples: list[tuple[float, int]] = []
    started = time.perf_counter()
    with out_path.open("w") as out:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "bot", "import", str(export), "--source", "bench", *extra],
            cwd=repo,
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                samples.append((time.perf_counter() - started, _rss_kib(child.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    lines = out_path.read_text().strip().splitlines()
    at = []
    for fraction in (0.1, 0.25, 0.5, 0.75, 0.9):
        near = [kib for t, kib in samples if t >= fraction * seconds and kib]
        at.append(near[0] / 1024 if near else 0.0)
    return Run(
        backend,
        seconds,
        usage.ru_maxrss / 1024,  # KiB on Linux
        tuple(at),
        child.returncode,
        lines[-1] if lines else "",
        row_counts(url),
    )


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}  # noqa: S608
    except Exception:  # noqa: BLE001 - a failed import may have left no schema: the figures say so
        return {}
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=1_000_000)
    parser.add_argument("--shape", choices=("jsonl", "array", "api"), default="jsonl")
    parser.add_argument("--ejson", choices=("relaxed", "canonical", "none"), default="relaxed")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--file", type=Path, help="the export: reused when it exists, else written there")
    parser.add_argument("--keep", action="store_true", help="keep the export written at --file")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--work", type=Path, default=Path("/tmp"), help="where the export and SQLite go")
    parser.add_argument("extra", nargs="*", help="more arguments for `solibot import`, after --")
    args = parser.parse_args()
    runs: list[Run] = []
    with TemporaryDirectory(prefix="solibot-scale-bench-", dir=args.work) as tmp:
        work = Path(tmp)
        export = args.file or work / f"export.{args.shape}.gz"
        reused = export.exists()
        if reused:
            print(f"export: {export} ({export.stat().st_size / 1e6:.0f} MB gzipped), reused")
        else:
            made = write_export(export, args.services, args.shape, args.ejson)
            print(
                f"export: {made.places:,} places ({made.itineraries:,} itineraries), {made.services:,} "
                f"services, {args.shape} {args.ejson}, {made.inflated_bytes / 1e6:,.0f} MB inflated, "
                f"{export.stat().st_size / 1e6:,.0f} MB gzipped, written in {made.seconds:.0f} s"
            )
        before = reference_s()
        print(f"reference: {before:.2f} s (fixtures parsed and written 30 times, best of 3)")
        try:
            if not args.skip_sqlite:
                url = f"sqlite:///{work / 'scale.db'}"
                runs.append(run_import("sqlite", url, export, args.repo, work, args.extra))
                (work / "scale.db").unlink(missing_ok=True)
            if not args.skip_pg:
                name, url = pg_database()
                try:
                    runs.append(run_import("postgresql", url, export, args.repo, work, args.extra))
                finally:
                    drop_pg_database(name)
        finally:
            if args.file and not reused and not args.keep:
                export.unlink(missing_ok=True)
    print(f"reference: {before:.2f} s before, {reference_s():.2f} s after")
    rss_header = "RSS MB at 10/25/50/75/90 %"
    print(f"{'backend':<11} {'seconds':>8} {'peak MB':>8}  {rss_header:<28} exit  rows / output")
    for run in runs:
        rss = "/".join(f"{mb:.0f}" for mb in run.rss_mb)
        rows = " ".join(f"{t}={n:,}" for t, n in run.rows.items())
        print(f"{run.backend:<11} {run.seconds:>8.1f} {run.peak_mb:>8.0f}  {rss:<28} {run.status:>4}  {rows}")
        print(f"{'':<11} {run.last_line[:110]}")
    print(
        "import_scale "
        + " ".join(f"{r.backend}_s={r.seconds:.1f} {r.backend}_peak_mb={r.peak_mb:.0f}" for r in runs)
    )


if __name__ == "__main__":
    main()
