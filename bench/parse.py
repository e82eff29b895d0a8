"""Message understanding speed: messages/s and p99 per message on one core, start-up time, RSS.

Figures, not a test. The messages are the dev corpus and the held-out corpus repeated up to
`--messages` (5,000 by default), read one at a time by `search.reading.understand` in this
process after a warm-up pass over each distinct message (its p99 is printed too: word corrections
are cached, so a repeat costs less than a first sight). Start-up is measured in a fresh
subprocess: importing the readers and the first `understand()` call, which loads the gazetteer and
the lexicons. The last line: `parse p99_ms=… msgs_per_s=… startup_s=… rss_mb=…`.

    .venv/bin/python -m bench.parse [--messages 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from datetime import datetime

from bench import ROOT, startup_s

CORPORA = (ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "tests" / "search" / "heldout.jsonl")
NOW = "2026-11-17T10:15:00+01:00"
STARTUP = (
    "import time; t = time.perf_counter(); from datetime import datetime; "
    "from search.reading import understand; "
    f"understand('manger ce soir a selestat', datetime.fromisoformat('{NOW}')); "
    "print(time.perf_counter() - t)"
)


def messages(count: int) -> list[str]:
    texts = [
        json.loads(line)["text"]
        for corpus in CORPORA
        if corpus.is_file()
        for line in corpus.read_text("utf-8").splitlines()
        if line.strip()
    ]
    if not texts:
        raise SystemExit("no corpus found")
    return [texts[i % len(texts)] for i in range(max(count, len(texts)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=5000)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    from search.reading import understand

    now = datetime.fromisoformat(NOW)
    texts = messages(args.messages)
    understand(texts[0], now)  # indexes built
    first_seen = []
    for text in dict.fromkeys(texts):  # warm-up over each distinct message: word caches filled
        t = time.perf_counter()
        understand(text, now)
        first_seen.append(time.perf_counter() - t)
    first_seen.sort()
    first_p99 = first_seen[min(len(first_seen) - 1, int(0.99 * len(first_seen)))] * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    durations = []
    start = time.perf_counter()
    for text in texts:
        t = time.perf_counter()
        understand(text, now)
        durations.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    durations.sort()
    p50 = statistics.median(durations) * 1000
    p99 = durations[min(len(durations) - 1, int(0.99 * len(durations)))] * 1000
    worst = durations[-1] * 1000
    rate = len(texts) / total
    boot = startup_s(STARTUP)
    print(f"messages={len(texts)} p50_ms={p50:.3f} p99_ms={p99:.3f} max_ms={worst:.3f} msgs_per_s={rate:.0f}")
    print(f"first sight of each of {len(first_seen)} distinct messages: p99_ms={first_p99:.3f}")
    print(
        f"startup_s={boot:.3f} (fresh process: import + first understand())  rss_mb={rss:.1f} (after warm-up)"
    )
    print(f"parse p99_ms={p99:.2f} msgs_per_s={rate:.0f} startup_s={boot:.2f} rss_mb={rss:.0f}")


if __name__ == "__main__":
    main()
