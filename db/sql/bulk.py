"""Rows of a whole batch written per table in one go: ids allocated up front, COPY on PostgreSQL.

The importer used to insert with RETURNING to learn each row's id. SQLAlchemy cannot rely on the
order of SQLite's RETURNING rows, so it inserted those one statement per row (75,000 statements for
50,000 services), and PostgreSQL paid a round trip per chunk. Knowing the ids first turns a table's
rows into one executemany (SQLite) or one COPY (PostgreSQL).

Values go through each column type's own bind processor, as SQLAlchemy would send them (a JSON
column's None is the JSON `null`, a date the SQLite text format), and a key a row lacks takes the
column's default: rows of one table need not carry the same keys (an itinerary's stops have a
holiday policy, a fixed place's stop has none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

# Migration 0002's trigger: its VALUES list, written for `new`, is the fill's SELECT list for `p`.
_RTREE_TRIGGER = re.compile(
    r"CREATE TRIGGER search_rtree_insert AFTER INSERT ON search_point BEGIN "
    r"INSERT INTO search_rtree VALUES \((.*)\); END",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    default: Any
    process: Callable[[Any], Any] | None


def _json_null_first(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A JSON column's None is the JSON `null` (SQLAlchemy's `none_as_null=False`), answered without
    the serializer: most services have no publics, modalities or closure of their own."""

    def fast(value: Any) -> Any:
        return "null" if value is None else process(value)

    return fast


class BulkWriter:
    """Inserts on one connection, inside its transaction; a failure is SQLAlchemy's DBAPIError."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"
        self._columns: dict[str, list[_Column]] = {}
        self._sequences: dict[str, str] = {}
        self._lowest: dict[str, int] = {}  # the lowest id given out, per table
        self._rtree: tuple[str, str] | None = None  # SQLite: (trigger, fill), while the R*Tree waits

    def _table_columns(self, model: type[SQLModel]) -> list[_Column]:
        table: Any = model.__table__  # type: ignore[attr-defined]
        columns = self._columns.get(table.name)
        if columns is None:
            dialect = self._conn.dialect
            columns = []
            for column in table.columns:
                scalar = column.default is not None and column.default.is_scalar
                default = column.default.arg if scalar else None
                process = column.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None and isinstance(column.type, JSON):
                    process = _json_null_first(process)
                columns.append(_Column(column.name, default, process))
            self._columns[table.name] = columns
        return columns

    def ids(self, model: type[SQLModel], count: int) -> list[int]:
        """`count` new ids for rows of `model`, in the order they are to be used.

        PostgreSQL draws them from the table's sequence (safe beside any other writer). SQLite gives a
        new row max(id) + 1 itself; asking for it inside the import's transaction is as safe, since
        SQLite has one writer at a time: once this transaction has written, no one else inserts until
        it commits, and before that a write from a stale snapshot fails instead of reusing an id.
        """
        if count == 0:
            return []
        table = model.__tablename__
        if self._postgres:
            sequence = self._sequences.get(str(table))
            if sequence is None:
                found = self._conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')")
                sequence = self._sequences[str(table)] = str(found.scalar_one())
            drawn = self._conn.exec_driver_sql(
                "SELECT nextval(%(sequence)s) FROM generate_series(1, %(count)s)",
                {"sequence": sequence, "count": count},
            )
            return [int(row_id) for row_id in drawn.scalars()]
        first = int(self._conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").scalar_one())  # noqa: S608
        self._lowest[str(table)] = min(first, self._lowest.get(str(table), first))
        return list(range(first, first + count))

    def insert(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        """The rows, with every column of the table (`id` only when the rows carry one)."""
        if not rows:
            return
        columns = [c for c in self._table_columns(model) if c.name != "id" or "id" in rows[0]]
        keys = [(c.name, c.default) for c in columns]
        processed = [(i, c.process) for i, c in enumerate(columns) if c.process is not None]
        values = []
        for row in rows:
            value = [row.get(name, default) for name, default in keys]
            for i, process in processed:
                value[i] = process(value[i])
            values.append(tuple(value))
        names = ", ".join(c.name for c in columns)
        table = model.__tablename__
        if self._postgres:
            self._copy(f"COPY {table} ({names}) FROM STDIN", values)
        else:
            marks = ", ".join("?" for _ in columns)
            self._conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608

    def _copy(self, statement: str, values: list[tuple[Any, ...]]) -> None:
        """COPY FROM STDIN through psycopg, its errors raised as SQLAlchemy's like every other statement's
        (a lost connection also invalidates it, so the pool does not hand it out again)."""
        import psycopg  # only PostgreSQL gets here

        connection: Any = self._conn.connection.driver_connection
        try:
            with connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        except psycopg.Error as exc:
            error: Any = exc
            lost = self._conn.dialect.is_disconnect(error, self._conn.connection.dbapi_connection, None)
            if lost:
                self._conn.invalidate(exc)
            raise DBAPIError.instance(
                statement, None, exc, psycopg.Error, hide_parameters=True, connection_invalidated=lost
            ) from exc

    def defer_search_index(self) -> None:
        """SQLite: stop filling the R*Tree row by row (its trigger on search_point) until `finish`.

        Each insert through the trigger costs about twice what one INSERT … SELECT of all the file's
        search points into the R*Tree costs at the end. The trigger is dropped and re-created inside
        the import's transaction, so a failed file gets it back with its rollback, and searches (on
        their own snapshot) never see it missing. Python's sqlite3 runs DDL outside a transaction
        when none is open, so this waits until the file has written something; it does nothing on
        PostgreSQL, or when the trigger is not the one migration 0002 wrote.
        """
        driver: Any = self._conn.connection.driver_connection
        if self._postgres or self._rtree is not None or not getattr(driver, "in_transaction", False):
            return
        found = self._conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_rtree_insert'"
        ).scalar()
        match = _RTREE_TRIGGER.fullmatch(str(found or "").strip())
        if match is None:
            return
        values = match.group(1).replace("new.", "p.")
        fill = (
            f"INSERT INTO search_rtree SELECT {values} FROM search_point AS p WHERE p.id >= ? "  # noqa: S608
            "AND NOT EXISTS (SELECT 1 FROM search_rtree AS r WHERE r.id = p.id)"
        )
        self._conn.exec_driver_sql("DROP TRIGGER search_rtree_insert")
        self._rtree = (str(found), fill)

    def finish(self) -> None:
        """The search points written since `defer_search_index` into the R*Tree, and its trigger back.

        Every point of this file has an id from `ids`, so at or above the lowest it gave; a point
        below the ones it gave was there before and is in the R*Tree already (NOT EXISTS)."""
        if self._rtree is None:
            return
        trigger, fill = self._rtree
        self._rtree = None
        self._conn.exec_driver_sql(fill, (self._lowest.get("search_point", 0),))
        self._conn.exec_driver_sql(trigger)
