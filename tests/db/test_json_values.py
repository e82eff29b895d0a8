"""JSON values decoded one at a time off a byte stream: values cut by the reading window, numbers and
UTF-8 characters at its edge, Extended JSON, depth and size bounds."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from db.sql.bootstrap import fixtures_path
from db.sql.exports import read_documents
from db.sql.json_values import JsonValueError, TooDeep, ValueReader, nesting_depth


def values(text: str, **bounds: int) -> list[Any]:
    """Every value of a stream of comma-separated values (no brackets), as the array reader sees them."""
    reader = ValueReader(
        io.BytesIO(text.encode()),
        max_chars=bounds.get("max_chars", 1 << 20),
        max_depth=bounds.get("depth", 64),
    )
    found = []
    while reader.peek():
        found.append(reader.value())
        if reader.peek() == ",":
            reader.take()
    return found


@pytest.mark.parametrize("window", [1, 2, 3, 7, 64, 4096])
def test_a_small_window_reads_the_same_values(monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    """Every value is cut somewhere by a window of a few bytes: numbers (1234567 is not 12, -0.5e-3
    not -0.5), a character of two or three bytes, strings, objects, documents (wider windows: each
    read decodes the cut document again)."""
    monkeypatch.setattr("db.sql.json_values.READ", window)
    docs = read_documents(fixtures_path())[:5] if window >= 64 else [{"a": [1, {"b": "c"}]}]
    expected: list[Any] = [1234567, -0.5e-3, 2.5e10, "é€ 漢字", True, None, *docs, 89]
    text = ",  \n".join(json.dumps(v, ensure_ascii=False) for v in expected)
    assert values(text) == expected


def test_extended_json_is_made_plain_from_the_first_wrapper_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("db.sql.json_values.READ", 5)
    text = '{"a": 1}, {"_id": {"$oid": "ab"}, "n": {"$numberInt": "3"}}, '
    text += '{"d": {"$date": "2024-01-01T00:00:00Z"}}'
    assert values(text) == [{"a": 1}, {"_id": "ab", "n": 3}, {"d": "2024-01-01T00:00:00Z"}]


def test_bounds_and_bad_values() -> None:
    with pytest.raises(TooDeep):
        values('{"a": ' + "[" * 64 + "]" * 64 + "}")
    assert len(values("[" * 64 + "]" * 64)) == 1  # 64 levels are allowed
    with pytest.raises(TooDeep):
        values("[" * 100_000 + "]" * 100_000)  # past the json module's own recursion limit
    with pytest.raises(JsonValueError, match="longer than 100 characters"):
        values('"' + "x" * 500, max_chars=100)
    with pytest.raises(JsonValueError, match="Unterminated string starting .*cut short"):
        values('{"a": "b')
    with pytest.raises(JsonValueError, match="Expecting value"):
        values("nope")
    with pytest.raises(UnicodeDecodeError):
        ValueReader(io.BytesIO(b'"\xff"'), max_chars=100, max_depth=64).value()


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{", "b": "\\" [[[", "c": "\\\\"}', 1),
        (b'[["\\\\\\"]]"]]', 2),
    ],
)
def test_nesting_depth_skips_what_strings_hold(text: bytes, depth: int) -> None:
    json.loads(text)  # valid JSON, as the reader only measures what it decoded
    assert nesting_depth(text, 64) == depth
