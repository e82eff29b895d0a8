"""What search reads of the directory database: every searchable point (search keeps them in memory,
search.points), a stamp of the data, and the rows of the few points a search ranks or shows.

The points come from `search_point` (written by the importers: one row per (stop, service) of an
online place visible to all). Its SQLite R*Tree and PostgreSQL GiST index (migration 0002) are no
longer read by search: an in-memory k-d tree per category answers in microseconds what they answered
in milliseconds, category included, which they could not (issue 12).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection, Dialect, Text, cast, column, func, literal_column, or_, select, table
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from db.index import CardFacts, HoursFacts, IndexReader, Key, SearchPoints
from db.sql.engine import SERVING_CACHE_MIB, Runner, Statements, driver_of, make_engine
from db.sql.models import ImportRunRow, PlaceRow, SearchPointRow, ServiceRow, StopRow

T = TypeVar("T")
_PART = 50_000  # points turned into arrays at a time: a million never sit in Python objects at once

_ID_COLUMNS: tuple[Any, ...] = (
    col(StopRow.id).label("stop_id"),
    col(ServiceRow.id).label("service_id"),
)
_HOURS_COLUMNS: tuple[Any, ...] = (
    PlaceRow.lieu_id,
    ServiceRow.category,
    StopRow.lat,
    StopRow.lon,
    PlaceRow.timezone,
    PlaceRow.department_code,
    cast(col(StopRow.hours), Text).label("stop_hours"),
    col(StopRow.closed_holidays).label("stop_holidays"),
    cast(col(PlaceRow.hours), Text).label("place_hours"),
    col(PlaceRow.closed_holidays).label("place_holidays"),
    cast(col(PlaceRow.temp_closure), Text).label("temp_closure"),
    cast(col(PlaceRow.temp_hours), Text).label("temp_hours"),
    ServiceRow.different_hours,
    cast(col(ServiceRow.hours), Text).label("service_hours"),
    col(ServiceRow.closed_holidays).label("service_holidays"),
    cast(col(ServiceRow.closure), Text).label("service_closure"),
)
_AUDIENCE_COLUMNS: tuple[Any, ...] = (
    cast(col(PlaceRow.publics), Text).label("place_publics"),
    cast(col(PlaceRow.modalities), Text).label("place_modalities"),
    cast(col(ServiceRow.publics), Text).label("service_publics"),
    cast(col(ServiceRow.modalities), Text).label("service_modalities"),
)
_CARD_COLUMNS: tuple[Any, ...] = (  # in CardFacts' order, its publics and modalities last but one
    PlaceRow.lieu_id,
    PlaceRow.source,
    col(PlaceRow.name).label("place_name"),
    col(PlaceRow.description).label("place_description"),
    PlaceRow.place_type,
    StopRow.lat,
    StopRow.lon,
    StopRow.address,
    StopRow.postal_code,
    StopRow.city,
    cast(col(PlaceRow.phones), Text).label("phones"),
    PlaceRow.email,
    PlaceRow.website,
    cast(col(PlaceRow.languages), Text).label("languages"),
    cast(col(PlaceRow.temp_message), Text).label("temp_message"),
    PlaceRow.updated_by_user_at,
    col(ServiceRow.name).label("service_name"),
    col(ServiceRow.description).label("service_description"),
    ServiceRow.saturation,
)
_UPDATED = [c.key for c in _CARD_COLUMNS].index("updated_by_user_at")


_KEYS = table("k", column("stop"), column("service"))  # the pairs asked, a VALUES list (see _rows)
_ZERO: Any = literal_column("0")  # in the text of the statement, not a parameter (see _joined)


def _joined(*columns: Any) -> Any:
    """Columns of (stop, service) pairs given by id, each row found by primary key (IN lists of
    stops and services made SQLite probe every stop of the list for every service). The place ids
    are compared plus 0, an expression no index holds: else SQLite found the stop through
    ix_stop_place (its place and id), then read its row: two descents where its key takes one."""
    return (
        select(*_ID_COLUMNS, *columns)
        .select_from(_KEYS)
        .join(StopRow, StopRow.id == _KEYS.c.stop)  # type: ignore[arg-type]
        .join(ServiceRow, ServiceRow.id == _KEYS.c.service)  # type: ignore[arg-type]
        .join(
            PlaceRow,
            (PlaceRow.id == StopRow.place_id + _ZERO) & (PlaceRow.id == ServiceRow.place_id + _ZERO),
        )
    )


_HOURS_AND_AUDIENCE = _joined(*_HOURS_COLUMNS, *_AUDIENCE_COLUMNS)
_CARDS = _joined(*_CARD_COLUMNS, *_AUDIENCE_COLUMNS, StopRow.address_note)


@cache
def _statement(statement: Any, dialect: Dialect) -> str:
    """The statement's text, compiled once per dialect (run on the driver's own cursor)."""
    return str(statement.compile(dialect=dialect))


@cache
def _template(statement: Any, dialect: Dialect, pairs: int) -> str:
    """The statement's text for this many pairs, compiled once per dialect and size."""
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    if dialect.name == "postgresql":  # else each row's ids would be typed by their size
        mark = f"CAST({mark} AS BIGINT)"
    keys = ", ".join([f"({mark}, {mark})"] * pairs)
    return f"WITH k(stop, service) AS (VALUES {keys}) {_statement(statement, dialect)}"


def _rows(dbapi: Any, dialect: Dialect, statement: Any, keys: Collection[Key]) -> list[Any]:
    """The statement's rows for these (stop, service) pairs, on the driver's own cursor (SQLAlchemy's
    parameters and result processing cost twice SQLite's own time for the ten rows of a page). Past
    16, the pairs are padded to a power of two by repeating the last: a few distinct texts of the
    statement, so that the driver prepares each once per connection (psycopg after 5 runs;
    PostgreSQL spends milliseconds planning this join) and SQLite finds it in its statement cache."""
    pairs = sorted(keys)
    size = len(pairs) if len(pairs) <= 16 else 1 << (len(pairs) - 1).bit_length()
    pairs += pairs[-1:] * (size - len(pairs))
    cursor = dbapi.cursor()
    try:
        cursor.execute(_template(statement, dialect, size), [i for pair in pairs for i in pair])
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _aware(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:  # SQLite keeps no offset: it was stored in UTC
        value = value.replace(tzinfo=UTC)
    return value


class _Reader:
    """One search's reads on one connection (see db.index.IndexReader), on the driver's own cursor."""

    def __init__(self, conn: Connection | Statements) -> None:
        self._conn = conn
        self._dbapi, self._dialect = driver_of(conn)

    def version(self) -> tuple[int, int]:
        return _version(self._conn)

    def facts(self, keys: Collection[Key]) -> dict[Key, HoursFacts]:
        if not keys:
            return {}
        return {
            (row[0], row[1]): HoursFacts(*row[2:])
            for row in _rows(self._dbapi, self._dialect, _HOURS_AND_AUDIENCE, keys)
        }

    def cards(self, keys: Collection[Key]) -> dict[Key, CardFacts]:
        if not keys:
            return {}
        found: dict[Key, CardFacts] = {}
        for row in _rows(self._dbapi, self._dialect, _CARDS, keys):
            values = list(row[2:])
            values[_UPDATED] = _aware(values[_UPDATED])
            found[(row[0], row[1])] = CardFacts(*values)
        return found


_VERSION = select(
    select(func.max(ImportRunRow.id)).scalar_subquery(),
    select(func.max(SearchPointRow.id)).scalar_subquery(),
)


def _version(conn: Connection | Statements) -> tuple[int, int]:
    """The last import run and the last search point. Every write of search points (the importers,
    the sync) inserts new points or deletes some, and records its run in the same transaction: a
    change moves one of the two. Two index look-ups, whatever the size of the directory."""
    dbapi, dialect = driver_of(conn)
    cursor = dbapi.cursor()
    try:
        cursor.execute(_statement(_VERSION, dialect))
        row = cursor.fetchone()
    finally:
        cursor.close()
    return (row[0] or 0, row[1] or 0)


def _text(value: str | None) -> str | None:
    """A JSON column's text, None for SQL NULL and for JSON null alike."""
    return None if value is None or value == "null" else value


def _stream(conn: Connection, statement: Any) -> Iterator[Any]:
    """The statement's rows, fetched _PART at a time (never the whole answer in memory at once)."""
    for part in conn.execution_options(yield_per=_PART).execute(statement).partitions():
        yield from part


def read_points(conn: Connection) -> SearchPoints:
    """Every searchable point and the hours it reads (see SearchPoints). Equal texts and tuples are
    kept once, and points whose hours come from the same columns share one HoursFacts: a point reads
    its place's hours unless its stop or its service has hours (or a closure) of its own."""
    version = _version(conn)
    shared: dict[Any, Any] = {}

    def once(value: Any) -> Any:
        return shared.setdefault(value, value)

    searchable = select(col(SearchPointRow.place_id))
    places: dict[Any, tuple[int, tuple[Any, ...]]] = {
        row[0]: (row[1], once((row[2], row[3], once(_text(row[4])), row[5], *map(once, row[6:]))))
        for row in _stream(
            conn,
            select(
                col(PlaceRow.id),
                col(PlaceRow.lieu_id),
                col(PlaceRow.timezone),
                col(PlaceRow.department_code),
                cast(col(PlaceRow.hours), Text),
                col(PlaceRow.closed_holidays),
                cast(col(PlaceRow.temp_closure), Text),
                cast(col(PlaceRow.temp_hours), Text),
            ).where(col(PlaceRow.id).in_(searchable)),
        )
    }
    stops: dict[Any, tuple[Any, ...]] = {
        row[0]: once((once(row[1]), row[2]))
        for row in _stream(
            conn,
            select(col(StopRow.id), cast(col(StopRow.hours), Text), col(StopRow.closed_holidays)).where(
                col(StopRow.hours).is_not(None), col(StopRow.place_id).in_(searchable)
            ),
        )
        if _text(row[1])
    }
    services: dict[Any, tuple[Any, ...]] = {
        row[0]: once((bool(row[1]), once(row[2]) if row[1] else None, once(_text(row[3]))))
        for row in _stream(
            conn,
            select(
                col(ServiceRow.id),
                col(ServiceRow.different_hours),
                cast(col(ServiceRow.hours), Text),
                cast(col(ServiceRow.closure), Text),
            ).where(
                or_(col(ServiceRow.different_hours), cast(col(ServiceRow.closure), Text) != "null"),
                col(ServiceRow.place_id).in_(searchable),
            ),
        )
    }
    plain = (False, None, None)
    hours: list[HoursFacts] = []
    entries: dict[tuple[int, int, int], int] = {}

    def entry(lieu_id: int, place: tuple[Any, ...], stop: Any, service: tuple[Any, ...]) -> int:
        key = (id(place), id(stop), id(service))  # kept once: the same object for equal values
        found = entries.get(key)
        if found is None:
            found = entries[key] = len(hours)
            tz, department, place_hours, holidays, temp_closure, temp_hours = place
            hours.append(
                HoursFacts(
                    lieu_id=lieu_id,
                    category="",
                    lat=0.0,
                    lon=0.0,
                    timezone=tz,
                    department_code=department,
                    stop_hours=stop[0] if stop else None,
                    stop_holidays=stop[1] if stop else None,
                    place_hours=place_hours,
                    place_holidays=holidays,
                    temp_closure=temp_closure,
                    temp_hours=temp_hours,
                    different_hours=service[0],
                    service_hours=service[1],
                    service_holidays=None,  # not read: a service keeps its place's holiday policy
                    service_closure=service[2],
                )
            )
        return found

    # Most points read their place's hours: one entry per place, looked up by array; the points
    # whose stop or service has hours (or a closure) of its own are looked up one by one.
    ids = np.array(sorted(places), dtype=np.int64)
    by_place = np.full(int(ids[-1]) + 1 if len(ids) else 1, -1, dtype=np.int64)
    by_place[ids] = [entry(*places[pid], None, plain) for pid in ids.tolist()]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(
        "SELECT place_id, stop_id, service_id, lat, lon, category_code, hour_mask "
        "FROM search_point ORDER BY id"
    )
    parts: list[list[Any]] = []
    mask_ids: dict[str, int] = {}  # hour masks as stored (hex), numbered as first met
    while rows := cursor.fetchmany(_PART):
        columns: list[Any] = list(zip(*rows, strict=True))
        columns[6] = [mask_ids.setdefault(text, len(mask_ids)) for text in columns[6]]
        parts.append([np.array(column) for column in columns])
    cursor.close()
    column = [np.concatenate([p[i] for p in parts]) if parts else np.zeros(0) for i in range(7)]
    place_id, stop_id, service_id = (c.astype(np.int64) for c in column[:3])
    timing = by_place[place_id] if len(place_id) else np.zeros(0, dtype=np.int64)
    own = np.isin(stop_id, np.array(list(stops), dtype=np.int64)) | np.isin(
        service_id, np.array(list(services), dtype=np.int64)
    )
    for at in np.flatnonzero(own).tolist():
        pid, sid, vid = int(place_id[at]), int(stop_id[at]), int(service_id[at])
        timing[at] = entry(*places[pid], stops.get(sid), services.get(vid, plain))
    return SearchPoints(
        version=version,
        place_id=place_id,
        stop_id=stop_id,
        service_id=service_id,
        lat=column[3].astype(np.float64),
        lon=column[4].astype(np.float64),
        category_code=column[5].astype(np.int64),
        mask=column[6].astype(np.int64),
        timing=timing,
        masks=[int(text, 16) for text in mask_ids],
        hours=hours,
    )


class SqlIndex:
    """The directory database as search reads it (db.index.Index). A search's reads (a page of cards
    by primary key) run on the event loop on SQLite, in a thread when a lock or the disk would make
    them wait (Runner's `on_loop`); a filtered search's (the publics of every point it ranks) run in a
    thread; the points are read whole off the event loop, on a connection of their own, in a child
    process when there are many."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._runner = Runner(engine, on_loop=True)
        self._url = engine.url.render_as_string(hide_password=False)

    async def read(self, work: Callable[[IndexReader], T]) -> T:
        return await self._runner.read(self._in_connection, work)

    async def read_many(self, work: Callable[[IndexReader], T]) -> T:
        return await self._runner.bulk_read(self._in_connection, work)

    def _in_connection(self, conn: Connection | Statements, work: Callable[[IndexReader], T]) -> T:
        return work(_Reader(conn))

    async def built(self, build: Callable[[SearchPoints], T]) -> T:
        if (await self._runner.read(_version))[1] < IN_PROCESS:
            return await asyncio.to_thread(_built, self._url, build)
        # A child process reads the rows and builds: the rows, texts and parsing of a million points
        # peak at hundreds of megabytes, which a worker's heap would keep (fragmented) for its life.
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        loop = asyncio.get_running_loop()
        try:
            path = _index_file()
        except OSError:  # no temporary folder to write in: the build comes through the pipe
            path = None
        try:
            if path is not None:
                with suppress(OSError):  # the file not written (a full folder): through the pipe
                    sizes = await loop.run_in_executor(pool, _built_apart, self._url, build, path)
                    return await asyncio.to_thread(_received, path, sizes)
            return await loop.run_in_executor(pool, _built, self._url, build)
        finally:
            pool.shutdown(wait=False)
            if path is not None:
                os.unlink(path)


# A directory whose points were numbered up to this many (never fewer than it holds) is read in the
# worker itself: a child's start costs about a second.
IN_PROCESS = 50_000


def _built(url: str, build: Callable[[SearchPoints], T]) -> T:
    # A sync engine of its own: PostgreSQL's async driver would turn a million rows into Python
    # objects on the event loop, between the turns it serves.
    engine = make_engine(url, sqlite_cache_mib=SERVING_CACHE_MIB)
    try:
        with engine.connect() as conn:
            return build(read_points(conn))
    finally:
        engine.dispose()


def _index_file() -> str:
    """An empty file of the temporary folder for a child's build (removed by SqlIndex.built)."""
    handle, path = tempfile.mkstemp(prefix="solibot-index-")
    os.close(handle)
    return path


def _built_apart(url: str, build: Callable[[SearchPoints], Any], path: str) -> list[int]:
    """In a child process: the build pickled into the worker's file, its arrays' bytes out of band
    after the rest (see _received); the length of each part. The file is not made again once the
    worker has removed it (a build it no longer waits for)."""
    parts: list[pickle.PickleBuffer] = []
    data = pickle.dumps(_built(url, build), protocol=5, buffer_callback=parts.append)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_TRUNC), "wb") as out:
        out.write(data)
        for part in parts:
            out.write(part.raw())
    return [len(data), *(part.raw().nbytes for part in parts)]


def _received(path: str, sizes: list[int]) -> Any:
    """The child's build read back from its file. Each array's bytes are read into one buffer of
    their size, which the array keeps: sent through the pipe, the whole pickle (45 MB at 1,000,000
    services) sat in the worker beside the arrays made from it, the peak of its RSS."""
    with open(path, "rb") as source:
        buffers = [bytearray(size) for size in sizes]
        for buffer in buffers:
            if source.readinto(buffer) != len(buffer):
                raise EOFError(f"{path}: shorter than written")
    return pickle.loads(buffers[0], buffers=buffers[1:])  # noqa: S301 - written by our own child
