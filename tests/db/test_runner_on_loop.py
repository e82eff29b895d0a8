"""A Runner with `on_loop` (the conversation and de-duplication stores): on SQLite its work runs on the
event loop, on the driver, and reads what SQLAlchemy would read; a write lock held elsewhere sends the
work to a thread instead of blocking the loop; checkpoints of the write-ahead log and purges are made
in a thread. On PostgreSQL nothing changes."""

from __future__ import annotations

import asyncio
import os
import resource
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, MultipleResultsFound, NoResultFound

import db.sql.engine
from db.sql import Runner, make_async_engine
from db.sql.engine import Statements

_CREATE = text("CREATE TABLE IF NOT EXISTS kept (k INTEGER PRIMARY KEY, v TEXT, n REAL)")
_PUT = text("INSERT INTO kept (k, v, n) VALUES (:k, :v, :n) ON CONFLICT (k) DO NOTHING")
_PUT_STRICT = text("INSERT INTO kept (k, v, n) VALUES (:k, :v, :n)")
_SET = text("UPDATE kept SET v = :v WHERE k >= :k")
_ONE = text("SELECT k, v, n, NULL AS missing FROM kept WHERE k = :k")
_FROM = text("SELECT k, v FROM kept WHERE k >= :k ORDER BY k")


def _create(conn: Statements) -> None:
    conn.execute(_CREATE, {})


def _put(conn: Statements, k: int, v: str) -> int:
    return conn.execute(_PUT, {"k": k, "v": v, "n": k / 2, "unused": "ignored"}).rowcount


def _put_then_fail(conn: Statements) -> None:
    conn.execute(_PUT_STRICT, {"k": 20, "v": "half", "n": 0.0})
    conn.execute(_PUT_STRICT, {"k": 1, "v": "duplicate key", "n": 0.0})


def _read(conn: Statements) -> dict[str, Any]:
    row = conn.execute(_ONE, {"k": 1}).one()
    first = conn.execute(_FROM, {"k": 2}).first()
    none = conn.execute(_FROM, {"k": 99}).first()
    return {
        "named": (row.k, row.v, row.n, row.missing),
        "indexed": tuple(row[i] for i in range(4)),
        "first": (first.k, first.v, first[1]),
        "none": none,
    }


def _set(conn: Statements) -> int:
    return conn.execute(_SET, {"v": "same", "k": 2}).rowcount


def _one_of_none(conn: Statements) -> object:
    return conn.execute(_ONE, {"k": 99}).one()


def _one_of_many(conn: Statements) -> object:
    return conn.execute(_FROM, {"k": 1}).one()


def _thread(conn: Statements) -> int:
    return threading.get_ident()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runner.db'}"


async def test_on_the_loop_the_driver_reads_what_sqlalchemy_reads(database_url: str) -> None:
    engine = make_async_engine(database_url)
    on_loop, in_thread = Runner(engine, on_loop=True), Runner(engine)
    await in_thread.write(_create)
    assert [await on_loop.write(_put, k, f"v{k}") for k in (1, 2, 3)] == [1, 1, 1]
    assert await on_loop.write(_put, 1, "again") == 0, "ON CONFLICT DO NOTHING: rowcount 0"
    found = await on_loop.read(_read)
    assert found == await in_thread.read(_read)
    assert found == {
        "named": (1, "v1", 0.5, None),
        "indexed": (1, "v1", 0.5, None),
        "first": (2, "v2", "v2"),
        "none": None,
    }
    assert await on_loop.write(_set) == 2
    for work, error in ((_one_of_none, NoResultFound), (_one_of_many, MultipleResultsFound)):
        for runner in (on_loop, in_thread):
            with pytest.raises(error):
                await runner.read(work)
    await engine.dispose()


async def test_a_failed_write_on_the_loop_raises_as_sqlalchemy_and_leaves_nothing(database_url: str) -> None:
    engine = make_async_engine(database_url)
    runner = Runner(engine, on_loop=True)
    await runner.write(_create)
    await runner.write(_put, 1, "kept")
    with pytest.raises(IntegrityError):
        await runner.write(_put_then_fail)
    assert await runner.write(_put, 2, "after the failure") == 1, "the runner still writes"
    assert (await runner.read(_read))["first"] == (2, "after the failure", "after the failure")
    assert await Runner(engine).read(_half_left) == 0, "the half of the failed write is gone"
    await engine.dispose()


def _half_left(conn: Statements) -> int:
    return int(conn.execute(text("SELECT count(*) AS n FROM kept WHERE k = 20"), {}).one().n)


async def test_sqlite_work_runs_on_the_loop_and_purges_in_a_thread(sqlite_url: str) -> None:
    engine = make_async_engine(sqlite_url)
    runner = Runner(engine, on_loop=True)
    await runner.write(_create)
    loop_thread = threading.get_ident()
    assert await runner.read(_thread) == loop_thread
    assert await runner.write(_thread) == loop_thread
    assert await runner.bulk_write(_thread) != loop_thread
    assert await runner.bulk_read(_thread) != loop_thread
    assert await Runner(engine).write(_thread) != loop_thread, "without on_loop: a thread as before"
    await engine.dispose()


async def test_a_write_lock_held_elsewhere_is_waited_for_in_a_thread(sqlite_url: str) -> None:
    engine = make_async_engine(sqlite_url)
    runner = Runner(engine, on_loop=True)
    await runner.write(_create)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's import, say: the write lock for a while
    holder.execute("INSERT INTO kept (k, v, n) VALUES (7, 'holder', 0)")

    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(tick())
    asyncio.get_running_loop().call_later(0.3, holder.execute, "COMMIT")
    written = await runner.write(_put, 1, "after the lock")
    ticking.cancel()
    holder.close()
    assert written == 1
    assert ticks >= 10, "the loop kept running while the write waited for the lock"
    assert (await runner.read(_read))["named"] == (1, "after the lock", 0.5, None)
    await engine.dispose()


async def test_the_write_ahead_log_is_checkpointed_in_a_thread(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db.sql.engine, "CHECKPOINT_EVERY", 3)
    checkpoints: list[int] = []
    checkpoint = db.sql.engine._OnLoop._checkpoint_wal

    def spied(self: db.sql.engine._OnLoop) -> None:
        checkpoints.append(threading.get_ident())
        checkpoint(self)

    monkeypatch.setattr(db.sql.engine._OnLoop, "_checkpoint_wal", spied)
    engine = make_async_engine(sqlite_url)
    runner = Runner(engine, on_loop=True)
    await runner.write(_create)
    assert await runner.read(_autocheckpoint) == 0, "SQLite's own checkpoints would fsync on the loop"
    for k in range(1, 6):  # with the table's, commits 1 to 6: a checkpoint after the 3rd and the 6th
        await runner.write(_put, k, "v")
        await asyncio.sleep(0.05)
    assert len(checkpoints) == 2
    assert threading.get_ident() not in checkpoints
    await engine.dispose()


def _autocheckpoint(conn: Statements) -> int:
    return int(conn.execute(text("PRAGMA wal_autocheckpoint"), {}).one()[0])


async def test_a_lock_met_while_opening_the_loops_connection_is_waited_for_in_a_thread(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The connection's PRAGMAs meet a lock held elsewhere (here an exclusive one; in service, a
    write-ahead log being recovered): sqlite3 raises it from SQLAlchemy's connect event, unwrapped.
    The work waits in a thread, and does not answer "unavailable"."""
    engine = make_async_engine(sqlite_url)
    runner = Runner(engine, on_loop=True)
    await runner.write(_create)
    on_loop = runner._on_loop
    assert on_loop is not None
    assert on_loop._conn is not None
    on_loop._conn.close()
    on_loop._conn = None  # the next work opens a connection, and none is open meanwhile:
    on_loop._engine.dispose()
    assert runner._sync is not None
    runner._sync.dispose()
    holder = sqlite3.connect(tmp_path / "runner.db", isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO kept (k, v, n) VALUES (100, 'held', 0)")
    asyncio.get_running_loop().call_later(0.3, holder.close)  # commits nothing: rolled back
    try:
        assert await runner.write(_thread) != threading.get_ident()  # not "unavailable": in a thread
        assert await runner.write(_put, 7, "kept") == 1
    finally:
        holder.close()
        await engine.dispose()


def _many(conn: Statements) -> None:
    conn.execute(
        text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 24000) "
            "INSERT INTO kept (k, v, n) SELECT i, printf('%.500c', 'x'), 0 FROM n"
        ),
        {},
    )


def _scan_then_thread(conn: Statements) -> int:
    conn.execute(text("SELECT count(*) AS n, max(length(v)) AS m FROM kept"), {}).one()
    return threading.get_ident()


def _evict(path: Path) -> bool:
    """Drops the file's pages from the system's cache; whether the next read of it is counted as
    blocks read from the disk (not on a file system kept in memory)."""
    os.sync()
    for name in (path, Path(f"{path}-wal")):
        if name.exists():
            fd = os.open(name, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_inblock
    with open(path, "rb") as probe:
        probe.read(4096)
    return resource.getrusage(resource.RUSAGE_THREAD).ru_inblock != before


@pytest.mark.skipif(not hasattr(resource, "RUSAGE_THREAD"), reason="a thread's blocks read: Linux")
async def test_work_that_reads_from_the_disk_often_sends_the_next_to_a_thread_for_a_while(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages not in the system's cache (a large directory after a restart) would make the loop wait
    on the disk. A read now and then stays on the loop (~1 ms, less than the thread hops to avoid it);
    past a burst of DISK_READS_AT_ONCE more than DISK_READS_PER_SECOND, the work waits in a thread
    for AWAY_SECONDS. Computing (or waiting for the GIL) does not count."""
    monkeypatch.setattr(db.sql.engine, "DISK_READS_AT_ONCE", 2)
    monkeypatch.setattr(db.sql.engine, "DISK_READS_PER_SECOND", 1.0)
    monkeypatch.setattr(db.sql.engine, "AWAY_SECONDS", 0.3)
    engine = make_async_engine(sqlite_url)
    runner = Runner(engine, on_loop=True)
    await runner.write(_create)
    await runner.write(_many)
    loop_thread = threading.get_ident()
    assert await runner.read(_scan_then_thread) == loop_thread, "in the cache: on the loop"
    database = tmp_path / "runner.db"
    if not _evict(database):
        pytest.skip("this file system counts no blocks read (kept in memory)")
    # Only the scans right after an eviction read the file; the rest reads nothing from it.
    for _ in range(2):
        _evict(database)
        assert await runner.read(_scan_then_thread) == loop_thread, "now and then: on the loop"
        await asyncio.sleep(1.1)  # the bucket drains one a second
    burst = []
    for _ in range(5):
        _evict(database)
        burst.append(await runner.read(_scan_then_thread) == loop_thread)
        if not burst[-1]:
            break
    # Past two at once, then in a thread (a third read from a slow disk may leave the bucket at 2).
    assert burst[:2] == [True, True] and burst[-1] is False and len(burst) in (4, 5), burst
    assert await runner.read(_thread) != loop_thread, "in a thread, still"
    assert await runner.write(_put, 50000, "away") == 1
    assert await runner.write(_thread) != loop_thread
    await asyncio.sleep(0.35)
    assert await runner.read(_thread) == loop_thread, "back on the loop"
    await engine.dispose()
