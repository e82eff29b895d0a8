"""Soliguide export files read as a stream of plain documents, whatever shape they arrive in.

Gzip is recognised by its magic bytes and its inflation bounded; a document is built only when the
parser reaches its end, and dropped once the importer has written it, so memory does not grow with
the file. The shape is told from the first bytes of the content, never the file's name (`_SHAPES`):
`[` a JSON array (Soliguide's export, `mongoexport --jsonArray`), `{"nbResults"` or `{"places"` a saved
partner-API answer, any other `{` one document a line (`mongoexport`'s default). Each document is
decoded whole by the json module (db/sql/json_values.py), and MongoDB Extended JSON (`{"$oid": …}`,
`{"$date": …}`, `{"$numberInt": …}`…) made plain as its objects are built, in every shape
(db/sql/extended_json.py), so validation sees the same values whichever way the file came.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from db.sql.errors import ImportFileError, one_line
from db.sql.extended_json import unwrap
from db.sql.json_values import JsonValueError, TooDeep, ValueReader, nesting_depth

# A gzip inflating past this is refused (solibot import --max-inflated-mb): 1,000,000 services written
# by mongoexport inflate to 2.4 GB (2.8 GB in canonical form), so the bound leaves room for a national
# file and still stops a bomb after a bounded time (whitespace is inflated and skipped at ~0.5 GB/s).
MAX_INFLATED_BYTES = 16 * 1024**3
MAX_DEPTH = 64  # Soliguide documents nest 7 levels; a file nested deeper is not an export
MAX_RECORD_BYTES = 16 * 1024**2  # one document (a line, an element); Soliguide's are a few kB
CHUNK = 64 * 1024
HEAD = 256  # bytes looked at to tell the shape of a file
GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
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


def _head(stream: io.BufferedReader) -> tuple[bytes, int]:
    """The first bytes after a UTF-8 byte order mark and leading whitespace (at least HEAD of them
    unless the file is shorter): what tells the shape; and the newlines that whitespace held."""
    newlines = 0
    text = b""
    first = True
    while not text:
        chunk = stream.read1(CHUNK)
        if not chunk:
            return b"", newlines
        if first and chunk.startswith(_BOM):
            chunk = chunk[len(_BOM) :]
        first = False
        text = chunk.lstrip(_WHITESPACE)
        newlines += chunk.count(b"\n", 0, len(chunk) - len(text))
    while len(text) < HEAD:
        more = stream.read(HEAD - len(text))
        if not more:
            break
        text += more
    return text, newlines


class _Rewound(io.RawIOBase):
    """The bytes already looked at to tell the shape, then the rest of the stream."""

    def __init__(self, head: bytes, rest: io.BufferedReader) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        return self._rest.readinto(buffer)

    def close(self) -> None:
        try:
            self._rest.close()
        finally:
            super().close()


def _separator_error(found: str, inside: str) -> JsonValueError:
    if not found:
        return JsonValueError(f"the file ends inside the {inside} (cut short?)")
    return JsonValueError("Expecting ',' delimiter")


def _values(reader: ValueReader, closing: str) -> Iterator[Any]:
    """The elements of the array whose `[` was just taken, up to its `closing` bracket."""
    if reader.peek() == closing:
        reader.take()
        return
    while True:
        yield reader.value()
        following = reader.peek()
        reader.take()
        if following == closing:
            return
        if following != ",":
            raise _separator_error(following, "array")


class _Array:
    """A reader of elements that counts them, so that an error names the record it stopped at."""

    def __init__(self, stream: io.BufferedReader) -> None:
        self.reader = ValueReader(stream, max_chars=MAX_RECORD_BYTES, max_depth=MAX_DEPTH)
        self.index = 0

    def elements(self) -> Iterator[Any]:
        for doc in _values(self.reader, "]"):
            yield doc
            self.index += 1

    def error(self, exc: Exception) -> ImportFileError:
        if isinstance(exc, TooDeep):
            return ImportFileError(f"record #{self.index} is nested deeper than {MAX_DEPTH} levels")
        if isinstance(exc, UnicodeDecodeError):
            return ImportFileError(f"not UTF-8 at record #{self.index}: {exc.reason}")
        return ImportFileError(f"not valid JSON at record #{self.index}: {exc}")


def _json_array(stream: io.BufferedReader, _newlines: int) -> Iterator[Any]:
    """`[{…}, {…}]`: Soliguide's export, `mongoexport --jsonArray`."""
    array = _Array(stream)
    try:
        array.reader.peek()
        array.reader.take()  # the `[` that chose this shape
        yield from array.elements()
        if array.reader.peek():
            raise JsonValueError("more data after the array")
    except (JsonValueError, UnicodeDecodeError) as exc:
        raise array.error(exc) from exc
    if array.index == 0:
        raise ImportFileError("no places in the file (an empty array)")


def _api_answer(stream: io.BufferedReader, _newlines: int) -> Iterator[Any]:
    """`{"nbResults": N, "places": […]}`: a saved answer of Soliguide's partner API (`POST /new-search`).

    `nbResults` counts every match and an answer holds one page of them, so it is not checked; the
    other keys' values are read and dropped (each bounded like a record).
    """
    array = _Array(stream)
    reader = array.reader
    found = False
    try:
        reader.peek()
        reader.take()  # the `{` that chose this shape
        following = reader.peek()
        if following == "}":
            reader.take()
        while following != "}":
            key = reader.value()
            if not isinstance(key, str) or reader.peek() != ":":
                raise JsonValueError("Expecting property name enclosed in double quotes")
            reader.take()
            if key != "places":
                reader.value()
            elif reader.peek() != "[":
                raise ImportFileError('"places" is not an array')
            else:
                reader.take()
                found = True
                yield from array.elements()
            following = reader.peek()
            reader.take()
            if following not in (",", "}"):
                raise _separator_error(following, "answer")
        if reader.peek():
            raise JsonValueError("more data after the answer")
    except (JsonValueError, UnicodeDecodeError) as exc:
        raise array.error(exc) from exc
    if not found:
        raise ImportFileError('a partner-API answer with no "places" array')
    if array.index == 0:
        raise ImportFileError("no places in the file (an empty places array)")


def _skip_blank(stream: io.BufferedReader) -> int:
    """Past a run of whitespace at once, counting its newlines: a gzip of blank lines inflating to
    gigabytes must not cost a loop turn per line."""
    newlines = 0
    while True:
        ahead = stream.peek(1)
        blank = len(ahead) - len(ahead.lstrip(_WHITESPACE))
        newlines += ahead.count(b"\n", 0, blank)
        stream.read(blank)
        if not ahead or blank < len(ahead):
            return newlines


def _json_lines(stream: io.BufferedReader, newlines: int) -> Iterator[Any]:
    """One document a line: `mongoexport`'s default output, usually in Extended JSON.

    Each line is decoded whole by the json module, in C; so a line is bounded in length, and its
    depth is read from its bytes.
    """
    number = newlines  # blank lines before the first document
    while True:
        line = stream.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            raise ImportFileError(f"line {number} is longer than {MAX_RECORD_BYTES:,} bytes")
        if line.isspace():
            number += _skip_blank(stream)
            continue
        cut = "" if line.endswith(b"\n") else " (the file ends inside it: cut short?)"
        try:
            text = line.decode("utf-8")
            doc = json.loads(text, object_hook=unwrap) if b'"$' in line else json.loads(text)
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"not UTF-8 at line {number}: {exc.reason}{cut}") from exc
        except json.JSONDecodeError as exc:
            where = f"line {number}, column {exc.colno}"
            reason = exc.msg.removesuffix(" at")  # "Unterminated string starting at": the column says where
            raise ImportFileError(f"not valid JSON at {where}: {reason}{cut}") from exc
        except RecursionError:
            too_deep = True  # deeper than the json module goes
        else:
            too_deep = nesting_depth(line, MAX_DEPTH) > MAX_DEPTH
        if too_deep:
            raise ImportFileError(f"line {number} is nested deeper than {MAX_DEPTH} levels")
        yield doc


@dataclass(frozen=True, slots=True)
class _Shape:
    """One way an export arrives: recognised by its first bytes, its documents read by `read` (given
    the stream and the newlines before its first byte, for line numbers)."""

    first_bytes: re.Pattern[bytes]
    read: Callable[[io.BufferedReader, int], Iterator[Any]]


_SHAPES = (
    _Shape(re.compile(rb"\["), _json_array),
    _Shape(re.compile(rb'\{\s*"(?:nbResults|places)"\s*:'), _api_answer),
    _Shape(re.compile(rb"\{"), _json_lines),
)
EXPECTED = 'a JSON array of places, one place a line, or {"nbResults": N, "places": […]}'


def stream_documents(
    path: Path, *, max_inflated_bytes: int = MAX_INFLATED_BYTES
) -> Generator[Any, None, None]:
    """The documents of an export file, one at a time, as plain JSON values; ImportFileError when
    the file is not one.

    The error may come after documents were already produced (a truncated file is known only at its
    end), which is why the importer writes a whole file in one transaction.
    """
    stream = _open(path, max_inflated_bytes)
    try:
        head, newlines = _head(stream)
        shape = next((s for s in _SHAPES if s.first_bytes.match(head)), None)
        if shape is None:
            found = "an empty file" if not head else f"{head[:1].decode('latin-1')!r}"
            raise ImportFileError(f"expected {EXPECTED}, found {found}")
        stream = io.BufferedReader(_Rewound(head, stream), CHUNK)
        yield from shape.read(stream, newlines)
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
