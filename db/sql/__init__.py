"""The directory's storage: SQLite or PostgreSQL engines, Alembic migrations, importers, the SQL index."""

from db.sql.bootstrap import FIXTURE_SOURCE, SAMPLE_SOURCE, fixtures_path, load_sample, place_count, prepare
from db.sql.engine import Runner, is_sqlite, make_async_engine, make_engine, migrate, ping
from db.sql.errors import ImportDatabaseError, ImportFailure, ImportFileError, describe_failure
from db.sql.exports import MAX_INFLATED_BYTES, read_documents, stream_documents
from db.sql.importer import ImportReport, Rejected, import_documents, import_file, sync_categories
from db.sql.index import SqlIndex
from db.sql.stats import StatCell, fold_events, insert_events, read_cells

__all__ = [
    "FIXTURE_SOURCE",
    "MAX_INFLATED_BYTES",
    "SAMPLE_SOURCE",
    "ImportDatabaseError",
    "ImportFailure",
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "Runner",
    "SqlIndex",
    "StatCell",
    "describe_failure",
    "fold_events",
    "fixtures_path",
    "import_documents",
    "import_file",
    "insert_events",
    "is_sqlite",
    "load_sample",
    "make_async_engine",
    "make_engine",
    "migrate",
    "ping",
    "place_count",
    "prepare",
    "read_cells",
    "read_documents",
    "stream_documents",
    "sync_categories",
]
