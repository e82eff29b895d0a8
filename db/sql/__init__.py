"""The directory's storage: SQLite or PostgreSQL engines, Alembic migrations, importers, the SQL index.

The data·inclusion importer is loaded at first use (`__getattr__`): a web worker never imports it
(4 MB of its memory: data·inclusion's models)."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from db.sql.bootstrap import FIXTURE_SOURCE, SAMPLE_SOURCE, fixtures_path, load_sample, place_count, prepare
from db.sql.engine import Runner, is_sqlite, make_async_engine, make_engine, migrate, one_connection, ping
from db.sql.errors import ImportDatabaseError, ImportFailure, ImportFileError, describe_failure
from db.sql.exports import MAX_INFLATED_BYTES, read_documents, stream_documents
from db.sql.importer import ImportReport, Rejected, import_documents, import_file, sync_categories
from db.sql.index import SqlIndex
from db.sql.operators import (
    DuplicateIdentityError,
    Operator,
    active_operator,
    add_code_failure,
    by_login,
    by_user_key,
    code_failures,
    insert_invitation,
    insert_operator,
    list_operators,
    redeem_invitation,
    remove_operator,
)
from db.sql.quality import PlaceFacts, Priority, QualityIndex, Scores, ServiceFacts, read_places
from db.sql.quality import index as quality_index
from db.sql.reports import (
    SEND_FAILED,
    SendRecord,
    StoredReport,
    begin_send,
    count_report,
    finish_send,
    insert_report,
    open_reports,
    purge_report_counts,
    read_reports,
    sends_since,
)
from db.sql.stats import StatCell, fold_events, insert_events, read_cells
from db.sql.sync import (
    SYNC_SOURCE,
    SyncLock,
    SyncReport,
    last_sync_started,
    record_failed_sync,
    sync_label,
    write_sync,
)

if TYPE_CHECKING:
    from db.sql.datainclusion import DATA_INCLUSION_SOURCE, DataInclusionReport, import_data_inclusion

__all__ = [
    "DuplicateIdentityError",
    "Operator",
    "add_code_failure",
    "by_login",
    "active_operator",
    "by_user_key",
    "code_failures",
    "insert_invitation",
    "insert_operator",
    "list_operators",
    "redeem_invitation",
    "remove_operator",
    "DATA_INCLUSION_SOURCE",
    "DataInclusionReport",
    "FIXTURE_SOURCE",
    "MAX_INFLATED_BYTES",
    "SAMPLE_SOURCE",
    "SEND_FAILED",
    "SendRecord",
    "StoredReport",
    "begin_send",
    "count_report",
    "finish_send",
    "insert_report",
    "open_reports",
    "purge_report_counts",
    "read_reports",
    "sends_since",
    "SYNC_SOURCE",
    "ImportDatabaseError",
    "ImportFailure",
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "Runner",
    "one_connection",
    "PlaceFacts",
    "Priority",
    "QualityIndex",
    "Scores",
    "ServiceFacts",
    "SqlIndex",
    "StatCell",
    "SyncLock",
    "SyncReport",
    "describe_failure",
    "fold_events",
    "fixtures_path",
    "import_data_inclusion",
    "import_documents",
    "import_file",
    "insert_events",
    "is_sqlite",
    "last_sync_started",
    "load_sample",
    "make_async_engine",
    "make_engine",
    "migrate",
    "ping",
    "place_count",
    "prepare",
    "quality_index",
    "read_cells",
    "read_places",
    "read_documents",
    "record_failed_sync",
    "stream_documents",
    "sync_categories",
    "sync_label",
    "write_sync",
]

_AT_FIRST_USE = {
    "DATA_INCLUSION_SOURCE": "db.sql.datainclusion",
    "DataInclusionReport": "db.sql.datainclusion",
    "import_data_inclusion": "db.sql.datainclusion",
}


def __getattr__(name: str) -> Any:
    module = _AT_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
