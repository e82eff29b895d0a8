"""Why a file was not imported, in one line that holds no record content and no SQL parameters.

ImportFailure               one file not imported; nothing it wrote is kept (one transaction)
 ├── ImportFileError        the file: missing, not gzip, not JSON, nested too deep, inflating past
 │                          the limit, or no places in it
 └── ImportDatabaseError    the database refused the writes (read-only, disk full) or went away
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, SQLAlchemyError


class ImportFailure(Exception):
    """Its message is printed as is by `solibot import`: one line, safe to show an operator."""


class ImportFileError(ImportFailure):
    """The file itself cannot be read (missing, not gzip, not a JSON array…): nothing is written."""


class ImportDatabaseError(ImportFailure):
    """The database failed while the file was written: the transaction is rolled back."""


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def database_cause(exc: SQLAlchemyError) -> str:
    """The driver's own words, without the statement and parameters SQLAlchemy appends to them.

    SQLite's messages name tables and columns, never values. PostgreSQL's primary message is kept
    with its SQLSTATE, its DETAIL (which quotes the row) is not; a data exception (class 22) may
    quote the value in its primary message too, so only its SQLSTATE is shown.
    """
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    if orig is None:
        return type(exc).__name__
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if isinstance(sqlstate, str) and sqlstate:
        if sqlstate.startswith("22"):
            return f"invalid data for the database (SQLSTATE {sqlstate})"
        text = primary if isinstance(primary, str) and primary else str(orig).splitlines()[0]
        return one_line(f"{text} (SQLSTATE {sqlstate})")
    lines = str(orig).strip().splitlines()
    return one_line(lines[0] if lines else type(orig).__name__)


def describe_failure(exc: BaseException) -> str:
    """Any exception that stopped one file, as the line `solibot import` prints for it."""
    if isinstance(exc, ImportFileError):
        return f"cannot read: {one_line(str(exc))}"
    if isinstance(exc, ImportDatabaseError):
        return f"database error: {one_line(str(exc))}"
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {database_cause(exc)}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"failed: {one_line(exc.strerror)}"
    return f"failed: {type(exc).__name__} (run with -v for the traceback)"
