"""The directory's storage: SQLite or PostgreSQL engines, Alembic migrations, importers, the SQL index."""

from db.sql.bootstrap import FIXTURE_SOURCE, SAMPLE_SOURCE, fixtures_path, load_sample, place_count, prepare
from db.sql.engine import Runner, is_sqlite, make_async_engine, make_engine, migrate, ping
from db.sql.importer import (
    ImportFileError,
    ImportReport,
    Rejected,
    import_documents,
    import_file,
    read_documents,
    sync_categories,
)
from db.sql.index import SqlIndex

__all__ = [
    "FIXTURE_SOURCE",
    "SAMPLE_SOURCE",
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "Runner",
    "SqlIndex",
    "fixtures_path",
    "import_documents",
    "import_file",
    "is_sqlite",
    "load_sample",
    "make_async_engine",
    "make_engine",
    "migrate",
    "ping",
    "place_count",
    "prepare",
    "read_documents",
    "sync_categories",
]
