"""Peak memory of `solibot import`: a small and a ten times larger export, and a gzip bomb.

Figures, not a test. Each import is the real command line in a child process, into a fresh SQLite
database; its peak RSS is the child's own (os.wait4), so runs do not mask each other. Streaming
should make the large file's peak about the small one's; the bomb (600 MB of whitespace in a
0.6 MB gzip) must be refused on one line with a peak far below what it inflates to.

    .venv/bin/python -m bench.import_memory [--small-mb 10] [--large-mb 100] [--bomb-mb 600]
                                            [--repo PATH]   # another checkout, e.g. a git worktree

`--repo` runs `python -m bot` from that folder, to measure an older version with the same script
(its CLI may lack `--max-inflated-mb`: that run is then reported as an error line).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from db import PARIS, generate_sample

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
BYTES_PER_SERVICE = 2_000  # a little under what the sample writes: enough services to reach the size


@dataclass(frozen=True, slots=True)
class Run:
    label: str
    size_mb: float
    peak_mb: float
    seconds: float
    status: int
    last_line: str


def write_export(path: Path, megabytes: int) -> int:
    """A JSON array of generated places, written as they come, stopped once the size is reached."""
    target = megabytes * 1_000_000
    written = places = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        written = 2
        for doc in generate_sample(seed=7, services=target // BYTES_PER_SERVICE, now=NOW):
            line = (",\n" if places else "") + json.dumps(doc, ensure_ascii=False)
            out.write(line)
            written += len(line.encode())
            places += 1
            if written >= target:
                break
        out.write("\n]\n")
    return places


def write_bomb(path: Path, megabytes: int) -> None:
    """Whitespace inside an array: valid JSON, a thousandfold compression."""
    chunk = b" " * 1_000_000
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"[")
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b"]")


def run_import(label: str, path: Path, repo: Path, work: Path, *extra: str) -> Run:
    database = work / f"{label.replace(' ', '_')}.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SEED_SAMPLE": "false"}
    log = work / "out.txt"
    started = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "bot", "import", str(path), *extra],
            cwd=repo,
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    lines = log.read_text().strip().splitlines()
    return Run(
        label,
        path.stat().st_size / 1e6,
        usage.ru_maxrss / 1024,  # KiB on Linux
        seconds,
        child.returncode,
        lines[-1] if lines else "",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small-mb", type=int, default=10)
    parser.add_argument("--large-mb", type=int, default=100)
    parser.add_argument("--bomb-mb", type=int, default=600)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    with TemporaryDirectory(prefix="solibot-import-bench-") as tmp:
        work = Path(tmp)
        small, large, bomb = work / "small.json", work / "large.json", work / "bomb.json.gz"
        counts = {
            name: write_export(path, mb)
            for name, path, mb in (("small", small, args.small_mb), ("large", large, args.large_mb))
        }
        write_bomb(bomb, args.bomb_mb)
        print(
            f"files: small {counts['small']} places, large {counts['large']} places, "
            f"bomb {bomb.stat().st_size / 1e6:.2f} MB inflating to {args.bomb_mb} MB"
        )
        runs = [
            run_import("small", small, args.repo, work),
            run_import("large", large, args.repo, work),
            run_import("bomb", bomb, args.repo, work),
            run_import("bomb limit 100 MB", bomb, args.repo, work, "--max-inflated-mb", "100"),
        ]
    print(f"{'run':<18} {'file MB':>8} {'peak RSS MB':>12} {'seconds':>8} {'exit':>5}  output")
    for run in runs:
        print(
            f"{run.label:<18} {run.size_mb:>8.2f} {run.peak_mb:>12.0f} {run.seconds:>8.1f} "
            f"{run.status:>5}  {run.last_line[:90]}"
        )
    ratio = runs[1].peak_mb / runs[0].peak_mb
    print(
        f"import_memory small_mb={runs[0].peak_mb:.0f} large_mb={runs[1].peak_mb:.0f} ratio={ratio:.2f} "
        f"bomb_mb={runs[2].peak_mb:.0f} bomb_limited_mb={runs[3].peak_mb:.0f}"
    )


if __name__ == "__main__":
    main()
