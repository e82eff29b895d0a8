"""Soliguide export files read as a stream of documents: gzip by magic bytes, inflation and depth bounded.

A document is built only when the parser reaches its end, and dropped once the importer has written
it, so memory does not grow with the file. The shape of the file (today a JSON array of `lieux`) is
recognised from its first byte; another shape (JSON lines, MongoDB Extended JSON, an object holding
`places`) is one more entry in `_SHAPES` reading the same bounded byte stream.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from db.sql.errors import ImportFileError, one_line

MAX_INFLATED_BYTES = 2 * 1024**3  # a gzip inflating past this is refused (solibot import --max-inflated-mb)
MAX_DEPTH = 64  # Soliguide documents nest 7 levels; a file nested deeper is not an export
CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_WHITESPACE = b" \t\r\n"


class _Inflated(io.RawIOBase):
    """The bytes a gzip inflates to, counted: past the limit the file is refused mid-stream."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._packed = gzip.GzipFile(fileobj=raw, mode="rb")  # does not close what it is given
        self._limit = limit
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._packed.readinto(buffer)
        self._total += count
        if self._total > self._limit:
            raise ImportFileError(f"inflates past the limit of {self._limit:,} bytes (a gzip bomb?)")
        return count

    def close(self) -> None:
        try:
            self._packed.close()
        finally:
            self._raw.close()
            super().close()


def _open(path: Path, max_inflated_bytes: int) -> io.BufferedReader:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportFileError(exc.strerror or str(exc)) from exc
    if raw.peek(2)[:2] != GZIP_MAGIC:
        return raw
    return io.BufferedReader(_Inflated(raw, max_inflated_bytes), CHUNK)


def _first_byte(stream: io.BufferedReader) -> bytes:
    """The first byte that is not whitespace, left unread: what tells the shape of the file."""
    while True:
        ahead = stream.peek(1)
        if not ahead:
            return b""
        blank = len(ahead) - len(ahead.lstrip(_WHITESPACE))
        if blank < len(ahead):
            stream.read(blank)
            return ahead[blank : blank + 1]
        stream.read(blank)


def _json_array(stream: IO[bytes]) -> Iterator[Any]:
    """Each element of a top-level JSON array, built from the parser's events with a bounded depth.

    ijson's `items()` would build them in C, but it tracks a textual path of every level, which a
    file of 100,000 nested brackets turns into gigabytes; the events alone carry no path.
    """
    events = ijson.basic_parse(stream, use_float=True, buf_size=CHUNK)
    stack: list[Any] = []  # the open containers of the current element, outermost first
    keys: list[Any] = []
    key: Any = None
    index = 0
    try:
        event, _ = next(events)
        if event != "start_array":
            raise ImportFileError("expected a JSON array of places")
        for event, value in events:
            if event == "map_key":
                key = value
            elif event == "start_map" or event == "start_array":
                if len(stack) >= MAX_DEPTH:
                    raise ImportFileError(f"record #{index} is nested deeper than {MAX_DEPTH} levels")
                new: Any = {} if event == "start_map" else []
                if stack:
                    parent = stack[-1]
                    if type(parent) is list:
                        parent.append(new)
                    else:
                        parent[key] = new
                keys.append(key)
                stack.append(new)
            elif event == "end_map" or event == "end_array":
                if not stack:  # the top-level array closes
                    break
                done = stack.pop()
                key = keys.pop()
                if not stack:
                    yield done
                    index += 1
            elif not stack:
                yield value
                index += 1
            elif type(stack[-1]) is list:
                stack[-1].append(value)
            else:
                stack[-1][key] = value
        for _ in events:  # only whitespace may follow; the parser says so otherwise
            pass
    except ijson.JSONError as exc:
        raise ImportFileError(f"not valid JSON at record #{index}: {_first_line(exc)}") from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"not UTF-8 at record #{index}: {exc.reason}") from exc
    if index == 0:
        raise ImportFileError("no places in the file (an empty array)")


_SHAPES: dict[bytes, Callable[[IO[bytes]], Iterator[Any]]] = {b"[": _json_array}


def stream_documents(
    path: Path, *, max_inflated_bytes: int = MAX_INFLATED_BYTES
) -> Generator[Any, None, None]:
    """The documents of an export file, one at a time; ImportFileError when the file is not one.

    The error may come after documents were already produced (a truncated file is known only at its
    end), which is why the importer writes a whole file in one transaction.
    """
    stream = _open(path, max_inflated_bytes)
    try:
        first = _first_byte(stream)
        shape = _SHAPES.get(first)
        if shape is None:
            found = "an empty file" if not first else f"{first.decode('latin-1')!r}"
            raise ImportFileError(f"expected a JSON array of places, found {found}")
        yield from shape(stream)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ImportFileError(f"not a valid gzip file: {one_line(str(exc))}") from exc
    except ImportFileError:
        raise
    except OSError as exc:  # read errors of a failing disk
        raise ImportFileError(one_line(exc.strerror or str(exc))) from exc
    finally:
        stream.close()


def read_documents(path: Path, *, max_inflated_bytes: int = MAX_INFLATED_BYTES) -> list[Any]:
    """Every document of a (small) export at once: for tests and tools, not for imports."""
    return list(stream_documents(path, max_inflated_bytes=max_inflated_bytes))


def _first_line(exc: Exception) -> str:
    """yajl's message, without the lines after it that quote the file around the error."""
    message = exc.args[0] if exc.args else ""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    lines = text.strip().splitlines()
    return one_line(lines[0]) if lines else type(exc).__name__
