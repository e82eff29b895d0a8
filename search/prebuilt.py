"""Indexes built from the word lists and reference data, kept on disk between processes.

Folding 35,000 town names, 12 lexicons and 29,000 crisis phrases costs a second or more at every start
of `solibot chat` or a web worker; reading back what an earlier process built costs tens of
milliseconds. An index is kept as `marshal` data (builtins only: fast to read, and loading it runs no
code, unlike pickle) in one file per index, named after a fingerprint of everything it is built from:
the files under locales/ and db/data/ and the code of the readers. A change to any of them, or
another Python, makes a new name, so a stale index is never read. Files are written to a temporary
name and renamed, so workers starting together never read half a file.

No directory is used until the program names one (`use_directory`: the CLI and the web app do, from
CACHE_DIR); a directory that cannot be written to only means the index is built in memory each time.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import marshal
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Parts", "load_or_build", "load_or_build_parts", "parts", "unchanged", "use_directory"]

log = logging.getLogger(__name__)
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

_ROOT = Path(__file__).resolve().parent.parent
_CHECKOUT = hashlib.blake2b(str(_ROOT).encode(), digest_size=4).hexdigest()
# What the indexes are built from: every data file of these folders, and the code that reads them.
_DATA = ("locales", "db/data")
_CODE = ("search", "handlers", "db", "locales")

_lock = threading.Lock()
_directory: Path | None = None


def use_directory(folder: Path | None) -> None:
    """Where indexes are kept from now on; None: nowhere (each process builds its own)."""
    global _directory
    _directory = folder


@cache
def fingerprint() -> str:
    """A digest of the size and modification time of every file an index may be built from (about
    200 `stat` calls: a millisecond), and of the Python that reads the marshal format."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(sys.version.encode())
    found = [
        *(entry for folder in _DATA for entry in _files(_ROOT / folder, everything=True)),
        *(entry for folder in _CODE for entry in _files(_ROOT / folder, everything=False)),
    ]
    for entry in sorted(found, key=lambda entry: entry.path):  # os.scandir: pathlib cost 30 ms here
        stat = entry.stat()
        name = os.path.relpath(entry.path, _ROOT)
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _files(folder: Path, *, everything: bool) -> Iterator[os.DirEntry[str]]:
    """Every file under `folder` but byte code, or its own *.py files only."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                if everything and entry.name != "__pycache__":
                    yield from _files(Path(entry.path), everything=True)
            elif entry.is_file() and (everything or entry.name.endswith(".py")):
                yield entry


def unchanged(value: T) -> T:
    """For an index that is builtins already: as it is, both ways (`to_plain`, `from_plain`)."""
    return value


def load_or_build(
    name: str, build: Callable[[], T], to_plain: Callable[[T], Any], from_plain: Callable[[Any], T]
) -> T:
    """The index `name`: read from the directory when a process built it from the same files, else
    built (and kept there for the next process).

    Args:
        to_plain: the index as builtins marshal can write (dicts, tuples, lists, sets, str, numbers).
        from_plain: the inverse; anything it raises on a damaged file means the index is built again.
    """
    folder = _directory
    if folder is None:
        return build()
    # Hundreds of thousands of small objects at once: the cyclic collector would walk them again and
    # again while they are made (twice the time); none of them is garbage yet.
    collecting = gc.isenabled()
    gc.disable()
    try:
        index = _load_or_build(folder, name, build, to_plain, from_plain)
    finally:
        if collecting:
            gc.enable()
    # An index lives as long as the process: out of the collector's generations, no later collection
    # walks its objects again (each full collection of a worker or a chat walked them all: ~0.1 s).
    gc.freeze()
    return index


class Parts(Mapping[K, V]):
    """A mapping read part by part: each value kept as its own marshal data and made at first use."""

    def __init__(self, data: dict[K, bytes], from_plain: Callable[[Any], V]) -> None:
        self.data = data
        self._from_plain = from_plain
        self._made: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        if key in self._made:
            return self._made[key]
        made = self._made[key] = self._from_plain(marshal.loads(self.data[key]))  # noqa: S302 - as load_or_build
        return made

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __iter__(self) -> Iterator[K]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def parts(
    mapping: Mapping[K, V], to_plain: Callable[[V], Any], from_plain: Callable[[Any], V]
) -> Parts[K, V]:
    """A mapping as `Parts` (to keep it: `Parts.data` is what marshal writes)."""
    return Parts({key: marshal.dumps(to_plain(value)) for key, value in mapping.items()}, from_plain)


def load_or_build_parts(
    name: str,
    build: Callable[[], Mapping[K, V]],
    to_plain: Callable[[V], Any],
    from_plain: Callable[[Any], V],
) -> Parts[K, V]:
    """`load_or_build` for a large mapping of which a process reads a few values (the communes of a
    few cells of a grid): reading it back reads each value's bytes, not its objects.

    Args:
        build: the mapping; its keys as marshal can write them.
        to_plain, from_plain: one value as builtins marshal can write, and back.
    """
    return load_or_build(
        name,
        lambda: parts(build(), to_plain, from_plain),
        lambda built: built.data,
        lambda data: Parts(data, from_plain),
    )


def _load_or_build(
    folder: Path,
    name: str,
    build: Callable[[], T],
    to_plain: Callable[[T], Any],
    from_plain: Callable[[Any], T],
) -> T:
    # One file an index and a copy of the code: two checkouts (a clone beside the working copy, CI)
    # sharing the folder each keep their own instead of deleting each other's at every start.
    path = folder / f"{name}-{_CHECKOUT}-{fingerprint()}.marshal"
    try:
        data = path.read_bytes()
    except OSError:
        pass
    else:
        try:
            return from_plain(marshal.loads(data))  # noqa: S302 - our own file, in the user's own folder
        except Exception:  # noqa: BLE001 - a damaged or foreign file: built again and replaced
            log.warning("prebuilt index %s unreadable: building it again", name)
    built = build()
    with _lock:
        _write(folder, path, marshal.dumps(to_plain(built)))
    return built


def _write(folder: Path, path: Path, data: bytes) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=path.stem, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        stem = path.name.rsplit("-", 1)[0]
        for old in folder.glob(f"{stem}-*.marshal"):  # built from older files: never read again
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("prebuilt index not kept in %s: %s", folder, exc.__class__.__name__)
