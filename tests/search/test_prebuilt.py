"""Indexes kept between processes (search/prebuilt.py): read back equal to what was built, rebuilt
when the file is damaged or built from other files, and never a reason to fail."""

from __future__ import annotations

import logging
import marshal
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from handlers.safety import _build_books, read_alerts
from handlers.terms import PhraseBook
from search import gazetteer as gazetteer_module
from search import lexicon as lexicon_module
from search import prebuilt


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    prebuilt.use_directory(tmp_path / "cache")
    yield tmp_path / "cache"
    prebuilt.use_directory(None)


def _same(value: Any) -> Any:
    return value


def _through_marshal(plain: Any) -> Any:
    return marshal.loads(marshal.dumps(plain))


def test_the_gazetteer_reads_back_equal() -> None:
    built = gazetteer_module._build(("67", "68"))
    assert gazetteer_module._from_plain(_through_marshal(gazetteer_module._plain(built))) == built


def test_the_lexicon_reads_back_equal() -> None:
    built = lexicon_module._build()
    assert lexicon_module._from_plain(_through_marshal(lexicon_module._plain(built))) == built


def test_the_crisis_phrase_books_read_back_alike() -> None:
    phrases, words = _build_books()
    for book in (phrases, words):
        again = PhraseBook.from_plain(_through_marshal(book.plain()))
        assert again.plain() == book.plain()
        message = "je veux mourir, je dors dehors à Mulhouse"
        assert again.read(message) == book.read(message)
        for index in (book._exact, again._exact):  # one set object for each distinct set of lists
            assert len({id(names) for names in index.values()}) == len(set(index.values()))
    assert read_alerts("je veux mourir").suicide


def test_built_once_then_read(folder: Path) -> None:
    calls: list[int] = []

    def build() -> dict[str, tuple[int, ...]]:
        calls.append(1)
        return {"a": (1, 2)}

    assert prebuilt.load_or_build("probe", build, _same, _same) == {"a": (1, 2)}
    assert prebuilt.load_or_build("probe", build, _same, _same) == {"a": (1, 2)}
    assert len(calls) == 1
    assert [p.name for p in folder.iterdir()] == [
        f"probe-{prebuilt._CHECKOUT}-{prebuilt.fingerprint()}.marshal"
    ]


def test_a_damaged_file_is_built_again(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    prebuilt.load_or_build("probe", lambda: (1,), _same, _same)
    (path,) = folder.iterdir()
    path.write_bytes(b"\x00not marshal")
    with caplog.at_level(logging.WARNING):
        assert prebuilt.load_or_build("probe", lambda: (2,), _same, _same) == (2,)
    assert "unreadable" in caplog.text
    assert marshal.loads(path.read_bytes()) == (2,)


def test_a_file_built_from_other_sources_is_replaced(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prebuilt.load_or_build("probe", lambda: (1,), _same, _same)
    monkeypatch.setattr(prebuilt, "fingerprint", lambda: "0" * 24)
    assert prebuilt.load_or_build("probe", lambda: (2,), _same, _same) == (2,)
    assert [p.name for p in folder.iterdir()] == [f"probe-{prebuilt._CHECKOUT}-{'0' * 24}.marshal"]


def test_another_checkouts_file_is_kept(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clone beside the working copy (CI) shares the folder: each start must not delete the other's."""
    prebuilt.load_or_build("probe", lambda: (1,), _same, _same)
    monkeypatch.setattr(prebuilt, "_CHECKOUT", "elsewhere")
    monkeypatch.setattr(prebuilt, "fingerprint", lambda: "0" * 24)
    assert prebuilt.load_or_build("probe", lambda: (2,), _same, _same) == (2,)
    assert len(list(folder.iterdir())) == 2


def test_a_folder_that_cannot_be_written_only_costs_the_build(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder would be")
    prebuilt.use_directory(blocker / "cache")
    try:
        assert prebuilt.load_or_build("probe", lambda: (3,), _same, _same) == (3,)
    finally:
        prebuilt.use_directory(None)


def test_no_folder_no_file(tmp_path: Path) -> None:
    assert prebuilt.load_or_build("probe", lambda: (4,), _same, _same) == (4,)
    assert not list(tmp_path.iterdir())


def test_the_commune_grid_reads_back_equal(folder: Path) -> None:
    from search import territory

    built = territory._build_grid()
    parts = (territory._build_grid, territory._plain, territory._from_plain)
    made = prebuilt.load_or_build_parts("grid_probe", *parts)  # built, and written
    again = prebuilt.load_or_build_parts("grid_probe", _not_built, territory._plain, territory._from_plain)
    assert len(again.data) == len(built)
    for cell, found in built.items():
        assert made.get(cell, ()) == found
        assert again.get(cell, ()) == found
    assert again.get((9999, 9999), ()) == ()


def _not_built() -> dict[tuple[int, int], tuple[Any, ...]]:
    raise AssertionError("read back, not built again")


def test_a_web_worker_has_the_readers_indexes_made_in_a_child_once(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers import readers  # noqa: PLC0415

    readers.prebuilt_in_child(folder)
    names = {path.name.split("-")[0] for path in folder.iterdir()}
    assert {"safety", "filters", "operators", "lexicon", "town_words", "territory", "readers_made"} <= names
    assert any(name.startswith("gazetteer_") for name in names)
    assert {name for name in names if name.startswith("holidays_")} >= {
        f"holidays_{version('holidays')}_FR_{subdiv}_{datetime.now(UTC).year}"
        for subdiv in ("", "6AE", "971")
    }

    def no_second_child(*_: Any, **__: Any) -> None:
        raise AssertionError("made again")

    monkeypatch.setattr(readers, "ProcessPoolExecutor", no_second_child)
    readers.prebuilt_in_child(folder)  # made once for this code: read back, no child
