"""Time and peak memory of a data·inclusion import: a synthetic pair of files, and one ten times larger.

Figures, not a test. The files are built from the records of tests/db/data_inclusion/ (each structure
with one to five services, hours drawn from readable and unreadable expressions), imported twice into
a fresh SQLite database in a child process (a first import, then a re-import); its peak RSS is the
child's own. Staging on disk should keep the larger pair's peak near the smaller one's.

    .venv/bin/python -m bench.import_data_inclusion [--structures 3000] [--factor 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

FILES = Path(__file__).resolve().parent.parent / "tests" / "db" / "data_inclusion"
HOURS = (
    "Mo-Fr 08:30-12:30; PH off",
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "24/7",
    "Mo,We 14:00-17:00",
    "Mo-Fr 09:00-12:00; Aug off",
    "lundi 9h-12h",
    None,
)
CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from db.sql import make_engine, migrate, sync_categories
from db.sql.datainclusion import import_data_inclusion
url, folder = sys.argv[1], Path(sys.argv[2])
migrate(url)
engine = make_engine(url)
sync_categories(engine)
for _ in range(2):
    started = time.perf_counter()
    report = import_data_inclusion(engine, folder / "s.json", folder / "v.json", today=date(2026, 11, 1))
    print(json.dumps({"seconds": time.perf_counter() - started, "places": report.imported}))
"""


def write_pair(folder: Path, structures: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    template = json.loads((FILES / "structures.json").read_text("utf-8"))[0]
    services = [
        s
        for s in json.loads((FILES / "services.json").read_text("utf-8"))
        if s["thematiques"] and not s["thematiques"][0].startswith("pas-")
    ]
    count = 0
    with (folder / "s.json").open("w", encoding="utf-8") as out, (folder / "v.json").open("w") as more:
        out.write("[")
        more.write("[")
        for i in range(structures):
            lat, lon = 43 + rng.random() * 6, -1 + rng.random() * 8
            hours = rng.choice(HOURS)
            structure = {**template, "id": f"dora--b{i}", "nom": f"Structure {i}", "latitude": lat}
            structure.update(longitude=lon, horaires_accueil=hours, description="x" * rng.randint(10, 800))
            out.write(("," if i else "") + json.dumps(structure, ensure_ascii=False))
            for j in range(rng.randint(1, 5)):
                service = {**rng.choice(services), "structure_id": structure["id"], "id": f"dora--b{i}-{j}"}
                service.update(source="dora", latitude=lat, longitude=lon, horaires_accueil=None)
                more.write(("," if count else "") + json.dumps(service, ensure_ascii=False))
                count += 1
        out.write("]")
        more.write("]")
    return count


def measure(structures: int) -> None:
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        services = write_pair(folder, structures)
        size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", CHILD, f"sqlite:///{folder / 'bench.db'}", str(folder)],
            stdout=subprocess.PIPE,
            text=True,
        )
        _, status, usage = os.wait4(child.pid, 0)
        assert child.stdout is not None
        runs = [json.loads(line) for line in child.stdout.read().splitlines()]
        first, again = runs if len(runs) == 2 else ({"seconds": 0, "places": 0},) * 2
        print(
            f"{structures:>7,} structures {services:>8,} services {size:7.1f} MB  "
            f"import {first['seconds']:6.1f} s ({first['places']:,} places)  "
            f"re-import {again['seconds']:6.1f} s  "
            f"peak {usage.ru_maxrss / 1024:6.0f} MB  status {status}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=3000)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    for structures in (args.structures, args.structures * args.factor):
        measure(structures)


if __name__ == "__main__":
    main()
