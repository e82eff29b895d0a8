"""Database URLs and engines: SQLite by default, PostgreSQL (psycopg 3) in production, schema by Alembic."""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import sqlite3
import time
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import Connection, Dialect, Engine, TextClause, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolProxiedConnection

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sync_url(url: str) -> str:
    """The URL for the synchronous engine used by the CLI and migrations."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


def async_url(url: str) -> str:
    """The same database through an asyncio driver, for the request path (aiosqlite, psycopg async)."""
    parsed = make_url(sync_url(url))
    driver = "sqlite+aiosqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


# SQLite's page cache per connection: 64 MiB for the command line's scans and reports (imports set
# their own, db.sql.importer). A web worker reads the page's cards and the conversation by primary
# key (search keeps its points in memory, and the child process that reads them reads each page
# once): 8 MiB, searches as fast, and a worker's connections no longer grow to 64 MiB each over a
# national directory. No memory-mapped reads: the mapped pages of the file count in each process's
# memory (they were 256 MiB of a worker's peak with a directory of 1,000,000 services).
CACHE_MIB = 64
SERVING_CACHE_MIB = 8


def _sqlite_pragmas(
    cache_mib: int, wal_autocheckpoint: int | None = None
) -> Callable[[object, object], None]:
    def pragmas(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size={-1024 * cache_mib}")  # negative: in KiB
        if wal_autocheckpoint is not None:
            cursor.execute(f"PRAGMA wal_autocheckpoint={wal_autocheckpoint}")
        cursor.close()

    return pragmas


def make_engine(url: str, *, sqlite_busy_timeout: float = 30, sqlite_cache_mib: int = CACHE_MIB) -> Engine:
    """Every engine hides SQL parameters from its errors: they hold conversations, positions, records."""
    url = sync_url(url)
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas(sqlite_cache_mib))
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


# The request path gives up early so that a turn still answers within its deadline (bot/wiring.py): a
# hung or slow database costs a few seconds and the unavailable notice, never Twilio's 15 s timeout.
CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 5000
POOL_TIMEOUT_SECONDS = 5
SQLITE_BUSY_TIMEOUT_SECONDS = 5


def make_async_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """The request path's engine: bounded waits for a connection, a connection attempt and a statement."""
    url = async_url(url)
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, hide_parameters=True
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(SERVING_CACHE_MIB))
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        pool_pre_ping=True,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        hide_parameters=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        },
    )


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("db.sql").joinpath("migrations")))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the schema to the newest revision; safe to call at every start. A database already at
    the newest revision is told by one query, without Alembic (importing it and reading its scripts
    cost a third of a second at every start of `solibot chat` and of each web worker)."""
    if is_sqlite(url):
        _ensure_sqlite_folder(sync_url(url))
    if at_head(url):
        return
    from alembic import command

    command.upgrade(alembic_config(url), "head")


_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]\s*$", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(?:['\"]([^'\"]+)['\"]|None)\s*$", re.M)


@cache
def head_revision() -> str | None:
    """The newest migration, read from the text of db/sql/migrations/versions/*.py; None when the
    files are not one line of revisions (a merge, a form this reader does not know): Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    folder = resources.files("db.sql").joinpath("migrations/versions")
    for file in folder.iterdir():
        if not file.name.endswith(".py") or file.name.startswith("__"):
            continue
        source = file.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None or revision.group(1) in revisions:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def at_head(url: str) -> bool:
    """Whether the database's alembic_version holds exactly the newest migration."""
    head = head_revision()
    if head is None:
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            versions = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    except SQLAlchemyError:  # no table yet (a new database), or no database: Alembic says which
        return False
    finally:
        engine.dispose()
    return versions == [head]


async def ping(engine: AsyncEngine) -> None:
    """A round trip to the database; raises when it does not answer."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class Runner:
    """Runs synchronous database work off the event loop, in as few thread hops as possible.

    SQLite: the whole function runs in one worker thread on plain sqlite3 (aiosqlite would hop
    threads for every cursor call, tens of times a search). With `on_loop`, for work of a few keyed
    statements written against Statements (a conversation, a webhook's claim, a page of cards), it
    runs on the event loop itself, on the driver (_OnLoop), and in the thread only when it would wait
    for a lock or for the disk.
    PostgreSQL: the same function runs through `run_sync` on the async psycopg driver.
    """

    def __init__(self, engine: AsyncEngine, *, on_loop: bool = False) -> None:
        self._engine = engine
        self._sync = (
            make_engine(
                engine.url.render_as_string(hide_password=False),
                sqlite_busy_timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
                sqlite_cache_mib=SERVING_CACHE_MIB,
            )
            if engine.dialect.name == "sqlite"
            else None
        )
        self._on_loop = _OnLoop(self._sync) if on_loop and self._sync is not None else None

    async def read(self, work: Callable[..., T], *args: Any) -> T:
        if self._sync is not None:
            if self._on_loop is not None:
                with suppress(_Busy):
                    return self._on_loop.run(False, work, *args)
            return await asyncio.to_thread(self._in_thread, False, work, *args)
        if (held := _held(self._engine)) is not None:  # in autocommit: no BEGIN, no ROLLBACK
            try:
                found = await held.run_sync(work, *args)
            except BaseException:
                # A cancelled or failed read leaves the connection needing a rollback: done quietly,
                # so that the cancellation itself (the turn's deadline) or the real error goes up.
                with suppress(Exception):
                    await held.rollback()
                raise
            await held.commit()  # ends SQLAlchemy's own autobegun transaction; sends nothing
            return found
        async with self._engine.connect() as conn:
            return await conn.run_sync(work, *args)

    async def write(self, work: Callable[..., T], *args: Any) -> T:
        """As `read`, in a transaction committed when `work` returns."""
        if self._sync is not None:
            if self._on_loop is not None:
                with suppress(_Busy):
                    return self._on_loop.run(True, work, *args)
            return await asyncio.to_thread(self._in_thread, True, work, *args)
        if (held := _held(self._engine)) is not None:
            level = self._engine.dialect.default_isolation_level or "READ COMMITTED"
            await held.execution_options(isolation_level=level)  # local to the driver: no round trip
            try:
                async with held.begin():
                    return await held.run_sync(work, *args)
            finally:
                with suppress(Exception):  # a connection lost meanwhile: the error above goes up
                    await held.execution_options(isolation_level="AUTOCOMMIT")
        async with self._engine.begin() as conn:
            return await conn.run_sync(work, *args)

    async def bulk_read(self, work: Callable[..., T], *args: Any) -> T:
        """As `read`, never on the loop: for work of any number of rows (a search filtered on who is
        asking reads the publics of every point it ranks, thousands a statement)."""
        if self._sync is not None:
            return await asyncio.to_thread(self._in_thread, False, work, *args)
        return await self.read(work, *args)

    async def bulk_write(self, work: Callable[..., T], *args: Any) -> T:
        """As `write`, never on the loop: for work of any number of rows (a retention purge)."""
        if self._sync is not None:
            return await asyncio.to_thread(self._in_thread, True, work, *args)
        return await self.write(work, *args)

    def _in_thread(self, transaction: bool, work: Callable[..., T], *args: Any) -> T:
        assert self._sync is not None
        with self._sync.begin() if transaction else self._sync.connect() as conn:
            return work(conn, *args)


# Commits on the loop's connection between two checkpoints of the write-ahead log, made in a thread.
# SQLite's own (at 1,000 pages) would copy pages and fsync on the loop, every hundred SMS or so.
CHECKPOINT_EVERY = 200


# Work on the loop may read from the disk now and then: a page the system's cache dropped costs ~1 ms
# (a page of cards at 1,000,000 services: 1.7 ms from the disk, 0.14 ms cached), less than the thread
# hops it would take to avoid. When it does so more than DISK_READS_PER_SECOND on average, after a
# burst of DISK_READS_AT_ONCE (a directory larger than the cache, or a cold one just after a restart),
# the connection's work goes to threads for AWAY_SECONDS. Told by the thread's count of blocks read
# (getrusage, 0.5 µs), not by time: a wait for the GIL is no reason to leave the loop.
DISK_READS_PER_SECOND = 1.0
DISK_READS_AT_ONCE = 3
AWAY_SECONDS = 10.0
_THREAD: int | None = getattr(resource, "RUSAGE_THREAD", None)  # Linux's; elsewhere no guard (see README)


class _Busy(Exception):
    """The work goes to a thread, to wait there: another connection holds the write lock, or work on
    the loop read from the disk too often lately."""


class _OnLoop:
    """One SQLite connection used on the event loop, for work of a few keyed statements (a
    conversation, a webhook's claim, a page of cards), run on the driver (_Driver) rather than
    through SQLAlchemy's execution: each statement then costs a few microseconds, against tens through
    SQLAlchemy and a few hundred for a thread hop (two thread switches, and the waits for the GIL). It
    never waits: busy timeout 0, so a write lock held elsewhere raises _Busy at once (the transaction
    rolled back) and the caller runs the same work in a thread with the usual timeout; and it leaves
    the write-ahead log's checkpoints (page copies and fsyncs) to a thread. Nor does it read from the
    disk often: work that does sends the next work to threads for a while (DISK_READS_PER_SECOND)."""

    def __init__(self, sync: Engine) -> None:
        self._engine = create_engine(sync.url, connect_args={"timeout": 0}, hide_parameters=True)
        event.listen(self._engine, "connect", _sqlite_pragmas(SERVING_CACHE_MIB, wal_autocheckpoint=0))
        self._sync = sync
        self._conn: PoolProxiedConnection | None = None
        self._commits = 0
        self._checkpoint: asyncio.Future[None] | None = None
        self._disk_reads = 0.0  # work that read from the disk lately (see _read_from_disk)
        self._disk_read_at = 0.0
        self._away_until = 0.0

    def run(self, transaction: bool, work: Callable[..., T], *args: Any) -> T:
        if self._away_until and time.monotonic() < self._away_until:
            raise _Busy
        if _THREAD is None:
            return self._run(transaction, work, *args)
        before = resource.getrusage(_THREAD).ru_inblock
        try:
            return self._run(transaction, work, *args)
        finally:
            if resource.getrusage(_THREAD).ru_inblock != before:
                self._read_from_disk()

    def _read_from_disk(self) -> None:
        """A leaky bucket of the work that read from the disk: past DISK_READS_AT_ONCE more than the
        DISK_READS_PER_SECOND it drains, threads for AWAY_SECONDS."""
        now = time.monotonic()
        self._disk_reads = max(0.0, self._disk_reads - (now - self._disk_read_at) * DISK_READS_PER_SECOND) + 1
        self._disk_read_at = now
        if self._disk_reads > DISK_READS_AT_ONCE:
            self._disk_reads, self._away_until = 0.0, now + AWAY_SECONDS
            log.info("work on the loop read from the disk too often: in threads for %.0f s", AWAY_SECONDS)

    def _run(self, transaction: bool, work: Callable[..., T], *args: Any) -> T:
        try:
            conn = self._conn if self._conn is not None else self._engine.raw_connection()
        except sqlite3.OperationalError as exc:  # opening it (its PRAGMAs) met a lock: a thread waits
            if _busy(exc):  # (raised by SQLAlchemy's connect event as sqlite3 raised it)
                raise _Busy from exc
            raise
        self._conn = None  # taken: a work that fails for another reason than a lock leaves it closed
        driver = conn.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        try:
            try:
                found = work(_Driver(driver, self._engine.dialect), *args)
                if transaction:
                    driver.commit()
            finally:
                if driver.in_transaction:
                    driver.rollback()
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                self._conn = conn
                raise _Busy from exc
            conn.invalidate()
            raise DBAPIError.instance(None, None, exc, sqlite3.Error, hide_parameters=True) from exc
        except BaseException:
            conn.invalidate()
            raise
        self._conn = conn
        if transaction:
            self._committed()
        return found

    def _committed(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or (self._checkpoint is not None and not self._checkpoint.done()):
            return
        self._commits = 0
        self._checkpoint = asyncio.get_running_loop().run_in_executor(None, self._checkpoint_wal)

    def _checkpoint_wal(self) -> None:
        try:
            with self._sync.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except SQLAlchemyError as exc:  # the next one, or any other connection's, does it
            log.warning("write-ahead log checkpoint failed: %s", exc.__class__.__name__)


class Rows(Protocol):
    """What work run by a Runner reads of a statement's result (SQLAlchemy's CursorResult, or _Rows)."""

    @property
    def rowcount(self) -> int: ...
    def one(self) -> Any: ...
    def first(self) -> Any: ...


class Statements(Protocol):
    """What work run by a Runner with `on_loop` may use of its connection: `execute` of a text()
    statement. A SQLAlchemy Connection is one; so is _Driver, on the loop."""

    def execute(self, statement: TextClause, parameters: Mapping[str, Any]) -> Rows: ...


class _Driver:
    """text()'s SQL straight to sqlite3, whose own parameter style is text()'s `:name`."""

    __slots__ = ("_conn", "dialect")

    def __init__(self, conn: sqlite3.Connection, dialect: Dialect) -> None:
        self._conn, self.dialect = conn, dialect

    def execute(self, statement: TextClause, parameters: Mapping[str, Any]) -> _Rows:
        cursor = self._conn.cursor()
        cursor.row_factory = _named
        cursor.execute(statement.text, parameters)
        return _Rows(cursor)


class _Rows:
    """CursorResult's rowcount, one() and first(), with rows read by column name as SQLAlchemy's are."""

    __slots__ = ("_cursor", "rowcount")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor, self.rowcount = cursor, cursor.rowcount

    def one(self) -> Any:
        rows = self._cursor.fetchmany(2)
        self._cursor.close()
        if not rows:
            raise NoResultFound("No row was found when one was required")
        if len(rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return rows[0]

    def first(self) -> Any:
        row = self._cursor.fetchone()
        self._cursor.close()
        return row


def driver_of(conn: Connection | Statements) -> tuple[Any, Dialect]:
    """The DB-API connection under the connection a Runner gives its work (SQLAlchemy's, or sqlite3's
    on the loop) and its dialect: for work that runs its statements on the driver's own cursor."""
    if isinstance(conn, _Driver):
        return conn._conn, conn.dialect
    assert isinstance(conn, Connection)
    return conn.connection.dbapi_connection, conn.dialect


def _named(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> tuple[Any, ...]:
    return _row_type(cursor.description)(*values)


@lru_cache(maxsize=64)
def _row_type(description: tuple[tuple[Any, ...], ...]) -> type[tuple[Any, ...]]:
    return namedtuple("Row", [column[0] for column in description], rename=True)  # noqa: PYI024


def _busy(error: sqlite3.OperationalError) -> bool:
    return error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@dataclass
class _Holding:
    engine: AsyncEngine
    conn: AsyncConnection | None
    task: asyncio.Task[Any] | None  # the one task that may use it: a connection is not shared


_HOLDING: ContextVar[_Holding | None] = ContextVar("solibot_turn_connection", default=None)


def _held(engine: AsyncEngine) -> AsyncConnection | None:
    holding = _HOLDING.get()
    if holding is None or holding.engine is not engine or holding.task is not asyncio.current_task():
        return None
    return holding.conn


@asynccontextmanager
async def one_connection(engine: AsyncEngine) -> AsyncIterator[None]:
    """Every Runner on `engine` inside this block (in this task) uses one PostgreSQL connection: one
    pool checkout and one ping for a turn's load, search and save, instead of one each. Reads run in
    autocommit (no BEGIN, no ROLLBACK: each is one statement or reads what cannot change under it);
    each write is still its own transaction. SQLite (no network) is left as it is.

    Only the task that opened the block uses the connection: a task started inside it (which sees
    the same context) goes to the pool, during the block and after it."""
    if engine.dialect.name == "sqlite" or _held(engine) is not None:
        yield
        return
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        holding = _Holding(engine, conn, asyncio.current_task())
        token = _HOLDING.set(holding)
        try:
            yield
        finally:
            holding.conn = None
            _HOLDING.reset(token)
