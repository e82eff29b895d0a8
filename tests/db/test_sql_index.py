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
