"""Every shape a real export takes, told from its content: a JSON array, mongoexport's one document a
line, MongoDB Extended JSON (relaxed and canonical), a saved partner-API answer; gzipped or not.
(tests/db/test_import_faults.py: files of each shape that cannot be imported.)"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

import db.sql.models  # noqa: F401 - the tables, in SQLModel's metadata
from db.sql.bootstrap import fixtures_path
from db.sql.exports import read_documents
from db.sql.importer import import_file

OID = re.compile(r"^[0-9a-f]{24}$")
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def fixture_docs() -> list[dict[str, Any]]:
    return read_documents(fixtures_path())


def mongo(value: Any, *, canonical: bool) -> Any:
    """A plain document as mongoexport writes it (the fixtures' ObjectIds and dates were stored as
    such in Soliguide's database); canonical mode wraps every number too."""
    if isinstance(value, dict):
        return {k: mongo(v, canonical=canonical) for k, v in value.items()}
    if isinstance(value, list):
        return [mongo(v, canonical=canonical) for v in value]
    if isinstance(value, str) and OID.match(value):
        return {"$oid": value}
    if isinstance(value, str) and INSTANT.match(value):
        if not canonical:
            return {"$date": value}
        ms = round(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        return {"$date": {"$numberLong": str(ms)}}
    if canonical and isinstance(value, int) and not isinstance(value, bool):
        return {"$numberInt" if abs(value) < 2**31 else "$numberLong": str(value)}
    if canonical and isinstance(value, float):
        return {"$numberDouble": repr(value)}
    return value


def json_array(docs: list[Any]) -> bytes:
    return json.dumps(docs, indent=1).encode()


def json_lines(docs: list[Any]) -> bytes:
    return b"".join(json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in docs)


def api_answer(docs: list[Any]) -> bytes:
    return json.dumps({"nbResults": len(docs) * 3, "places": docs}).encode()


SHAPES: dict[str, Callable[[list[Any]], bytes]] = {
    "array": json_array,
    "jsonl": json_lines,
    "jsonl-relaxed": lambda docs: json_lines([mongo(d, canonical=False) for d in docs]),
    "jsonl-canonical": lambda docs: json_lines([mongo(d, canonical=True) for d in docs]),
    "array-canonical": lambda docs: json_array([mongo(d, canonical=True) for d in docs]),
    "api": api_answer,
    "api-relaxed": lambda docs: api_answer([mongo(d, canonical=False) for d in docs]),
}


def rows(engine: Engine, source: str) -> list[tuple[Any, ...]]:
    """What a place became in every table, without the row ids (the same file under two sources)."""
    tables = SQLModel.metadata.tables
    place = tables["place"]
    found = []
    with engine.connect() as conn:
        for name in ("place", "stop", "service"):
            table = tables[name]
            query = select(table, place.c.lieu_id.label("of_place")).where(place.c.source == source)
            if table is not place:
                query = query.join(place, place.c.id == table.c.place_id)
            for row in conn.execute(query):
                values = (v for k, v in row._mapping.items() if k not in ("id", "place_id", "source"))
                found.append((name, *values))
    return sorted(found, key=repr)


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_shape_imports_the_same_places(
    engine: Engine, tmp_path: Path, shape: str, gzipped: bool
) -> None:
    """Told from the content: a gzip named .json, plain JSON named .gz, whatever the shape."""
    docs = fixture_docs()
    body = SHAPES[shape](docs)
    path = tmp_path / ("export.json" if gzipped else "export.json.gz")
    path.write_bytes(gzip.compress(body) if gzipped else body)
    import_file(engine, fixtures_path(), source="reference")
    report = import_file(engine, path, source="shape")
    assert (report.created, report.rejected) == (len(docs), ())
    assert rows(engine, "shape") == rows(engine, "reference")


@pytest.mark.parametrize("shape", ["jsonl", "jsonl-relaxed", "api", "api-relaxed"])
def test_relaxed_extended_json_reads_back_to_the_plain_documents(tmp_path: Path, shape: str) -> None:
    docs = fixture_docs()
    path = tmp_path / "export"
    path.write_bytes(SHAPES[shape](docs))
    assert read_documents(path) == docs


def test_canonical_extended_json_becomes_plain_values(tmp_path: Path) -> None:
    """Canonical form wrapped every number: a lieu_id of {"$numberInt": "28"} was rejected."""
    doc = fixture_docs()[0]
    path = tmp_path / "export.jsonl"
    path.write_bytes(json_lines([mongo(doc, canonical=True)]))
    (read,) = read_documents(path)
    assert read["lieu_id"] == doc["lieu_id"] and isinstance(read["lieu_id"], int)
    assert read["position"]["location"]["coordinates"] == doc["position"]["location"]["coordinates"]
    assert read["_id"] == doc["_id"]
    assert datetime.fromisoformat(read["createdAt"]) == datetime.fromisoformat(doc["createdAt"])


def test_json_lines_with_blank_lines_crlf_and_a_byte_order_mark(tmp_path: Path) -> None:
    docs = fixture_docs()[:3]
    lines = [json.dumps(d).encode() for d in docs]
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"\xef\xbb\xbf\r\n\n" + b"\r\n\r\n".join(lines) + b"\n  \n")  # last line: no \n before
    assert read_documents(path) == docs


def test_a_partner_api_answer_in_any_key_order_with_other_keys(tmp_path: Path) -> None:
    docs = fixture_docs()[:4]
    answer = {"places": docs[:2], "page": {"current": 1, "nested": [[{"x": 1}]]}, "nbResults": 250}
    path = tmp_path / "answer.json"
    path.write_bytes(json.dumps(answer, indent=2).encode())
    assert read_documents(path) == docs[:2]
    first, second = json.dumps(docs[:2]), json.dumps(docs[2:])
    twice = f'{{"places": {first}, "nbResults": 4, "places": {second}}}'
    path.write_text(twice)
    assert read_documents(path) == docs  # a key twice: both arrays, in order


def test_brackets_and_escapes_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    """A line's depth is read from its bytes: brackets in text, escaped quotes and backslashes
    around them must not count."""
    doc = fixture_docs()[0]
    doc["description"] = '[[[[{{{{ "quoted" [[[[' * 40 + "a backslash \\" + '" {{{{' * 40
    doc["name"] = "ends with a backslash \\"
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    assert read_documents(path) == [doc]
