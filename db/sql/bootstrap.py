"""First start: bring the schema up to date and, on an empty embedded database, load the sample."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import JSON, Engine, column, func, make_url, select, table

from db import generate_sample, taxonomy
from db.sql.engine import is_sqlite, make_engine, migrate, sync_url
from db.sql.importer import ImportReport, import_documents, import_file, sync_categories
from db.sql.models import PlaceRow

log = logging.getLogger(__name__)

FIXTURES = "data/soliguide_test_places.json.gz"
SAMPLE_SOURCE = "solibot-sample"
FIXTURE_SOURCE = "soliguide"


def fixtures_path() -> Path:
    return Path(str(resources.files("db").joinpath(FIXTURES)))


def load_sample(
    engine: Engine,
    *,
    now: datetime,
    seed: int = 2026,
    services: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """The generated directory goes through the same importer as a real export."""
    docs = generate_sample(seed=seed, services=services, now=now)
    return import_documents(engine, docs, source=SAMPLE_SOURCE, filename="solibot sample", progress=progress)


def place_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(PlaceRow)).scalar_one())


# The category table as Core sees it: a select of ORM attributes would set up the ORM first (40 ms).
_CATEGORY = table(
    "category", column("id"), column("parent"), column("level"), column("rank"), column("labels", JSON)
)


def categories_current(engine: Engine) -> bool:
    """Whether the category table already holds db/data/soliguide_categories.json: reading it costs
    less than writing it again (compiling the upsert of every category took 50 ms of each start)."""
    with engine.connect() as conn:
        stored = {row[0]: tuple(row[1:]) for row in conn.execute(select(*_CATEGORY.c))}
    return stored == {c.id: (c.parent, c.level, c.rank, c.labels) for c in taxonomy().by_id.values()}


@contextmanager
def _one_at_a_time(url: str) -> Iterator[None]:
    """An embedded database file is migrated and seeded by one process at a time (an exclusive lock
    on `<file>.lock`): four consoles started together on a new file crashed three times on "table
    category already exists", and one could list a directory whose sample was not yet in. SQLite's
    own locks cannot serve: closing any other handle on the database file drops them."""
    database = make_url(sync_url(url)).database if is_sqlite(url) else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl  # noqa: PLC0415 - POSIX; an embedded database is a Linux container's or a laptop's

    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare(url: str, *, now: datetime, seed_sample: bool = True) -> Engine:
    """Migrate; an empty SQLite database gets the taxonomy, Soliguide's fixtures and the Alsace sample."""
    with _one_at_a_time(url):
        migrate(url)
        engine = make_engine(url)
        if not categories_current(engine):
            sync_categories(engine)
        if seed_sample and is_sqlite(url) and place_count(engine) == 0:
            log.info("empty embedded database: seeding the Alsace sample and the Soliguide fixtures")
            import_file(engine, fixtures_path(), source=FIXTURE_SOURCE)
            load_sample(engine, now=now)
    return engine
