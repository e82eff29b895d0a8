"""Crisis reading speed: p50/p99 per message and start-up, against the message reader in the same run.

Figures, not a test. Every message of the crisis corpora (tests/handlers/crisis*.jsonl) and of the
understanding corpora is read by `handlers.safety.read_alerts`, then by `search.reading.understand`
as the reference measured on the same machine in the same run (the ratio is what to compare across
runs). Start-up is measured in fresh subprocesses: importing the crisis lists and a first reading.
The last line: `safety p50_ms=… p99_ms=… ratio_to_understand=… startup_s=…`.

    .venv/bin/python -m bench.safety
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from datetime import datetime

from bench import ROOT, startup_s

NOW = datetime.fromisoformat("2026-11-17T23:00:00+01:00")
STARTUP = (
    "import time; t = time.perf_counter(); from handlers.safety import read_alerts; "
    "read_alerts('je veux en finir, je dors dehors a colmar'); print(time.perf_counter() - t)"
)


def messages() -> list[str]:
    files = [
        *sorted((ROOT / "tests" / "handlers").glob("crisis*.jsonl")),
        ROOT / "tests" / "search" / "heldout.jsonl",
    ]
    return [
        json.loads(line)["text"]
        for path in files
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


def timed(read: Callable[[str], object], texts: list[str]) -> list[float]:
    for text in texts:  # warm-up: expressions compiled on first sight are a one-time cost
        read(text)
    out = []
    for text in texts:
        start = time.perf_counter()
        read(text)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    from handlers.safety import read_alerts
    from search.reading import understand

    texts = messages()
    alerts = timed(read_alerts, texts)
    reading = timed(lambda text: understand(text, NOW), texts)
    p50, p99 = statistics.median(alerts), statistics.quantiles(alerts, n=100)[98]
    ratio = statistics.median(alerts) / statistics.median(reading)
    start = startup_s(STARTUP)
    print(f"messages {len(texts)}; read_alerts p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(alerts):.1f} ms")  # noqa: T201
    print(f"understand p50 {statistics.median(reading):.2f} ms (reference)")  # noqa: T201
    print(f"safety p50_ms={p50:.2f} p99_ms={p99:.2f} ratio_to_understand={ratio:.2f} startup_s={start:.2f}")  # noqa: T201


if __name__ == "__main__":
    main()
