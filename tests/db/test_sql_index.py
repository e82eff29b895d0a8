"""db.sql.index: a large directory's search index, built in a child process, read back by the worker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import db.sql.index
from db.sql.index import _built_apart, _received


def _build(monkeypatch: pytest.MonkeyPatch, built: Any, path: Path) -> list[int]:
    monkeypatch.setattr(db.sql.index, "_built", lambda url, build: build(url))
    return _built_apart("sqlite://", lambda _url: built, str(path))


def _owner(array: np.ndarray[Any, Any]) -> object:
    """What holds an array's bytes: past its views, the buffer it was made from."""
    base: Any = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base.obj if isinstance(base, memoryview) else base


def test_the_build_comes_back_whole_its_arrays_in_buffers_of_their_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: dict[str, Any] = {
        "xyz": np.arange(30, dtype=np.float64).reshape(10, 3),
        "rows": np.arange(40, dtype=np.int32).reshape(10, 4),
        "values": ["a", (1, 2), None],
    }
    path = tmp_path / "index"
    path.write_bytes(b"older and longer than the build" * 100)
    sizes = _build(monkeypatch, built, path)
    assert len(sizes) == 3 and path.stat().st_size == sum(sizes)
    back = _received(str(path), sizes)
    assert back["values"] == built["values"]
    for name in ("xyz", "rows"):
        assert np.array_equal(back[name], built[name]) and back[name].dtype == built[name].dtype
        assert isinstance(_owner(back[name]), bytearray) and back[name].flags.c_contiguous  # not copied


def test_a_short_file_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "index"
    path.touch()
    sizes = _build(monkeypatch, {"xyz": np.zeros((100, 3))}, path)
    os.truncate(path, sum(sizes) - 8)
    with pytest.raises(EOFError):
        _received(str(path), sizes)


def test_a_child_the_worker_no_longer_waits_for_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The worker removes the file whatever happens; a child finishing later does not make it again."""
    with pytest.raises(FileNotFoundError):
        _build(monkeypatch, {"xyz": np.zeros((100, 3))}, tmp_path / "removed")
    assert not (tmp_path / "removed").exists()


async def test_without_a_temporary_folder_the_build_comes_through_the_pipe(
    monkeypatch: pytest.MonkeyPatch, sample_database_url: str
) -> None:
    from functools import partial  # noqa: PLC0415

    from db import taxonomy  # noqa: PLC0415
    from db.sql import make_async_engine  # noqa: PLC0415
    from search.points import PointIndex  # noqa: PLC0415

    def no_folder() -> str:
        raise PermissionError("read-only")

    engine = make_async_engine(sample_database_url)
    build = partial(PointIndex, tax=taxonomy())
    try:
        here = await db.sql.index.SqlIndex(engine).built(build)
        monkeypatch.setattr(db.sql.index, "IN_PROCESS", 0)  # a large directory: a child builds it
        monkeypatch.setattr(db.sql.index, "_index_file", no_folder)
        there = await db.sql.index.SqlIndex(engine).built(build)
    finally:
        await engine.dispose()
    assert (len(there), there.version) == (len(here), here.version)
    assert np.array_equal(there._columns, here._columns)


async def test_a_searchs_reads_run_on_the_loop_and_read_what_sqlalchemys_connection_reads(
    sample_database_url: str,
) -> None:
    """On SQLite a search reads its cards on the event loop (a thread hop cost more than the read:
    docs/benchmarks.md, "Search — fifth pass"), on the driver, as the thread's connection reads them."""
    import sqlite3  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from db.sql import make_async_engine, make_engine  # noqa: PLC0415
    from db.sql.index import _Reader  # noqa: PLC0415

    with sqlite3.connect(sample_database_url.removeprefix("sqlite:///")) as raw:
        keys = raw.execute("SELECT stop_id, service_id FROM search_point ORDER BY id LIMIT 12").fetchall()
    keys += [(10**9, 10**9)]  # gone: left out

    def reads(reader: Any) -> tuple[int, Any, Any, Any]:
        return threading.get_ident(), reader.version(), reader.cards(keys), reader.facts(keys)

    engine = make_async_engine(sample_database_url)
    try:
        where, *on_loop = await db.sql.index.SqlIndex(engine).read(reads)
    finally:
        await engine.dispose()
    sync = make_engine(sample_database_url)
    try:
        with sync.connect() as conn:
            _, *through_sqlalchemy = reads(_Reader(conn))
    finally:
        sync.dispose()
    assert where == threading.get_ident()
    assert on_loop == through_sqlalchemy
    version, cards, facts = on_loop
    assert version[0] > 0 and version[1] > 0
    assert len(cards) == len(facts) == 12 and (10**9, 10**9) not in cards


@pytest.mark.parametrize("statement", ["_CARDS", "_HOURS_AND_AUDIENCE"])
def test_a_page_finds_each_row_by_its_key(sample_database_url: str, statement: str) -> None:
    """Stop, service and place each found by its primary key, one descent a row: SQLite went
    through ix_stop_place for the stop and then read its row, 10 % of a page's read."""
    import sqlite3  # noqa: PLC0415

    from sqlalchemy.dialects import sqlite  # noqa: PLC0415

    text = db.sql.index._template(getattr(db.sql.index, statement), sqlite.dialect(paramstyle="qmark"), 10)
    with sqlite3.connect(sample_database_url.removeprefix("sqlite:///")) as raw:
        plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {text}", [1] * 20)]
    searched = sorted(step for step in plan if step.startswith("SEARCH"))
    assert searched == [
        f"SEARCH {table} USING INTEGER PRIMARY KEY (rowid=?)" for table in ("place", "service", "stop")
    ], plan
