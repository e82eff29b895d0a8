"""JSON values read one at a time off a byte stream by the json module's C decoder, bounded in size and depth.

The elements of a national export (a 2.4 GB array) are decoded one by one, in C, without the array
ever being held: the reader keeps a window of text, decodes the next value from it, and reads more
when the value runs past the window. Building documents from ijson's events instead cost three times
as much as the decoding itself (a Python step per event), a minute of a 1,000,000-service import.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import IO, Any

from db.sql.extended_json import unwrap

READ = 1024 * 1024  # bytes read at a time: a value cut by the window's end is decoded again once
_NOT_SPACE = re.compile(r"[^ \t\n\r]")
_NUMBER_GOES_ON = re.compile(r"[0-9eE.+\-]*")
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'[]{}"')
_PARENTHESES = bytes.maketrans(b"[{]}", b"(())")


class JsonValueError(ValueError):
    """Why the next value cannot be read; the caller says where (which record, which line)."""


class TooDeep(JsonValueError):
    """A value nested deeper than the limit."""


def nesting_depth(text: bytes, limit: int) -> int:
    """How deep a valid JSON text nests (a scalar 0, `{}` 1), from its bytes, in C-speed passes:
    escapes and strings out, every bracket a parenthesis, then the innermost pairs removed a level a
    pass, stopping past `limit`. Walking the decoded value instead cost half as much as decoding it."""
    if b"\\" in text:
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = text.translate(None, _NOT_STRUCTURE).split(b'"')[::2]
    nesting = b"".join(outside_strings).translate(_PARENTHESES)
    depth = 0
    while nesting and depth <= limit:
        nesting = nesting.replace(b"()", b"")
        depth += 1
    return depth


class ValueReader:
    """The next character and the next value of a stream of JSON text, MongoDB Extended JSON made
    plain (db/sql/extended_json.py) once the stream has shown a `"$`."""

    def __init__(self, stream: IO[bytes], *, max_chars: int, max_depth: int) -> None:
        self._stream = stream
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._text = ""
        self._at = 0
        self._ended = False
        self._max_chars = max_chars
        self._max_depth = max_depth
        self._decode = json.JSONDecoder().raw_decode
        self._extended = False

    def _fill(self) -> bool:
        """More text after what is still unread; False when the stream had already ended.

        Raises:
            UnicodeDecodeError: the bytes are not UTF-8.
        """
        if self._ended:
            return False
        chunk = self._stream.read(READ)
        self._ended = not chunk
        self._text = self._text[self._at :] + self._utf8.decode(chunk, final=self._ended)
        self._at = 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace, left unread; "" at the end of the stream."""
        while True:
            found = _NOT_SPACE.search(self._text, self._at)
            if found is not None:
                self._at = found.start()
                return self._text[self._at]
            self._at = len(self._text)
            if not self._fill():
                return ""

    def take(self) -> None:
        """Past the character `peek` gave."""
        self._at += 1

    def _may_go_on(self, value: Any, end: int) -> bool:
        """Whether more text could make a longer value: a number with nothing but number characters
        after it up to the window's end ("-0.5e" of "-0.5e-3" decodes as -0.5), or a value ending
        the window (a closing bracket or quote ends a value whatever follows)."""
        if end >= len(self._text):
            return True
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and _NUMBER_GOES_ON.fullmatch(self._text, end) is not None

    def value(self) -> Any:
        """The next value, decoded whole.

        Raises:
            JsonValueError: not valid JSON (json's reason), or longer than `max_chars`.
            TooDeep: nested deeper than `max_depth`.
            UnicodeDecodeError: the bytes are not UTF-8.
        """
        if not self.peek():
            raise JsonValueError("the file ends here (cut short?)")
        start = self._at
        while True:
            try:
                value, end = self._decode(self._text, start)
            except json.JSONDecodeError as exc:
                if self._ended or len(self._text) - start > self._max_chars:
                    reason = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
                    cut = " (the file ends inside it: cut short?)" if self._ended else ""
                    if not self._ended:
                        reason += f" (or a value longer than {self._max_chars:,} characters)"
                    raise JsonValueError(reason + cut) from exc
            except RecursionError as exc:
                raise TooDeep(f"nested deeper than {self._max_depth} levels") from exc
            else:
                if self._ended or not self._may_go_on(value, end):
                    break
            self._fill()
            start = self._at
        text = self._text[start:end]
        if not self._extended and '"$' in text:
            self._extended = True  # from now on, every object goes through unwrap as it is built
            self._decode = json.JSONDecoder(object_hook=unwrap).raw_decode
            value, end = self._decode(self._text, start)
        if nesting_depth(text.encode(), self._max_depth) > self._max_depth:
            raise TooDeep(f"nested deeper than {self._max_depth} levels")
        self._at = end
        return value
