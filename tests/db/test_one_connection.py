"""One connection per turn (PostgreSQL): a turn's reads and writes share one pool checkout, reads in
autocommit, each write still its own transaction; outside the block, and in a task that outlives it,
the pool as before. SQLite is left as it is."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Connection, event, text

from db.sql import Runner, make_async_engine, one_connection


def _create(conn: Connection) -> None:
    conn.execute(text("CREATE TABLE IF NOT EXISTS held (k INTEGER PRIMARY KEY, v TEXT)"))


def _put(conn: Connection, k: int, v: str) -> None:
    conn.execute(text("INSERT INTO held (k, v) VALUES (:k, :v)"), {"k": k, "v": v})


def _put_then_fail(conn: Connection) -> None:
    _put(conn, 2, "half")
    _put(conn, 1, "duplicate key")  # fails: the first insert of this write must go too


def _all(conn: Connection) -> list[tuple[int, str]]:
    return [(k, v) for k, v in conn.execute(text("SELECT k, v FROM held ORDER BY k"))]


async def test_a_turn_uses_one_connection_and_each_write_stays_whole(database_url: str) -> None:
    engine = make_async_engine(database_url)
    checkouts: list[object] = []
    event.listen(engine.sync_engine, "checkout", lambda *args: checkouts.append(args))
    runner = Runner(engine)
    await runner.write(_create)
    before = len(checkouts)
    async with one_connection(engine):
        await runner.write(_put, 1, "kept")
        assert await runner.read(_all) == [(1, "kept")]
        with pytest.raises(Exception, match="duplicate|UNIQUE|unique"):
            await runner.write(_put_then_fail)
        assert await runner.read(_all) == [(1, "kept")], "a failed write leaves nothing behind"
        await runner.write(_put, 3, "after a failure")
        reader = asyncio.create_task(_after(runner, 0.1))
    if engine.dialect.name == "postgresql":
        assert len(checkouts) - before == 1, "load, search and save on one checkout"
    assert await reader == [(1, "kept"), (3, "after a failure")], "a task that outlives the block"
    await engine.dispose()


async def _after(runner: Runner, delay: float) -> list[tuple[int, str]]:
    await asyncio.sleep(delay)
    return await runner.read(_all)


def _slow(conn: Connection) -> None:
    conn.execute(text("SELECT pg_sleep(5)" if conn.dialect.name == "postgresql" else "SELECT 1"))


async def test_a_turn_cut_at_its_deadline_stops_and_others_keep_to_the_pool(database_url: str) -> None:
    """The deadline cancels a turn in the middle of a read: the cancellation goes up (the turn does
    not carry on with a broken connection), and a task started inside the block never shares it."""
    engine = make_async_engine(database_url)
    runner = Runner(engine)
    await runner.write(_create)

    async def turn() -> None:
        async with one_connection(engine):
            side = asyncio.create_task(runner.write(_put, 7, "from another task"))
            await runner.read(_slow)
            await side
            await runner.write(_put, 8, "never: the turn was cut")

    if engine.dialect.name == "postgresql":
        task = asyncio.create_task(turn())
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    else:
        await turn()
    rows = dict(await runner.read(_all))
    assert rows.get(7) == "from another task"
    assert (8 in rows) == (engine.dialect.name == "sqlite")
    await engine.dispose()
