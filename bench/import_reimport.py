"""First import against re-import, with and without migration 0004's indexes on search_point.

Figures, not a test. A re-import deletes each place's services and stops; every deleted row makes
the database look for the search points that reference it (ON DELETE CASCADE), a scan of the whole
table per row when search_point.stop_id / service_id have no index. For each back-end, a fresh
database is migrated (then, for the "without" run, the two indexes are dropped) and the same
generated export is imported three times: the first import, then two re-imports.

    .venv/bin/python -m bench.import_reimport [--services 20000] [--skip-sqlite] [--skip-pg]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg
from sqlalchemy import text

from db import PARIS, generate_sample
from db.sql import import_file, make_engine, migrate, sync_categories

NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
INDEXES = ("ix_search_point_stop", "ix_search_point_service")


def write_export(path: Path, services: int) -> int:
    places = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for doc in generate_sample(seed=2026, services=services, now=NOW):
            out.write((",\n" if places else "") + json.dumps(doc, ensure_ascii=False))
            places += 1
        out.write("\n]\n")
    return places


def timed_imports(url: str, export: Path, *, with_indexes: bool, runs: int = 3) -> list[float]:
    migrate(url)
    engine = make_engine(url)
    sync_categories(engine)
    if not with_indexes:
        with engine.begin() as conn:
            for name in INDEXES:
                conn.execute(text(f"DROP INDEX {name}"))
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        import_file(engine, export, source="bench")
        seconds.append(time.perf_counter() - started)
    engine.dispose()
    return seconds


def pg_database() -> tuple[str, str]:
    name = f"solibot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=20_000)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    rows = []
    with TemporaryDirectory(prefix="solibot-reimport-bench-") as tmp:
        export = Path(tmp) / "export.json"
        places = write_export(export, args.services)
        print(f"export: {places} places, {args.services} services, {export.stat().st_size / 1e6:.0f} MB")
        for with_indexes in (False, True):
            label = "with 0004" if with_indexes else "without 0004"
            if not args.skip_sqlite:
                url = f"sqlite:///{Path(tmp) / f'{uuid.uuid4().hex}.db'}"
                rows.append(("sqlite", label, timed_imports(url, export, with_indexes=with_indexes)))
            if not args.skip_pg:
                name, url = pg_database()
                try:
                    rows.append(("postgresql", label, timed_imports(url, export, with_indexes=with_indexes)))
                finally:
                    drop_pg_database(name)
    print(
        f"{'backend':<11} {'indexes':<13} {'first s':>8} {'re-import s':>12} {'again s':>8} {'re/first':>9}"
    )
    for backend, label, (first, again, third) in rows:
        ratio = min(again, third) / first
        print(f"{backend:<11} {label:<13} {first:>8.1f} {again:>12.1f} {third:>8.1f} {ratio:>9.2f}")


if __name__ == "__main__":
    main()
