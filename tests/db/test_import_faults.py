"""A file that cannot be imported fails alone, on one line, and leaves the database as it was:
truncated or malformed JSON, deep nesting, a gzip bomb, a read-only or full database, PostgreSQL
going away mid-file, and the real command line going on to the next file."""

from __future__ import annotations

import copy
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from db.sql import make_engine, migrate, sync_categories
from db.sql.bootstrap import fixtures_path
from db.sql.errors import ImportDatabaseError, ImportFileError, database_cause
from db.sql.exports import stream_documents
from db.sql.importer import BATCH, import_documents, import_file, read_documents
from db.sql.models import ImportRunRow, PlaceRow, SearchPointRow, ServiceRow, StopRow

SECRET = "Mme Secret-Witness 06 12 34 56 78"  # a record's content: never in an error line


def places(count: int, *, first_id: int = 500_000, name: str | None = None) -> list[dict[str, Any]]:
    """`count` valid documents: Soliguide's fixtures again and again under new lieu_ids."""
    fixtures = read_documents(fixtures_path())
    docs = []
    for n in range(count):
        doc = copy.deepcopy(fixtures[n % len(fixtures)])
        doc["lieu_id"] = first_id + n
        if name is not None:
            doc["name"] = name
        docs.append(doc)
    return docs


def array_text(docs: list[dict[str, Any]]) -> str:
    return "[" + ",\n".join(json.dumps(d) for d in docs) + "]"


def state(engine: Engine) -> tuple[int, ...]:
    """Rows of every table an import writes: equal before and after a failed file."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (PlaceRow, StopRow, ServiceRow, SearchPointRow, ImportRunRow)
        )


def names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(col(PlaceRow.name))).scalars())


def assert_one_safe_line(message: str) -> None:
    assert "\n" not in message and SECRET not in message
    assert "[SQL" not in message and "parameters" not in message and "INSERT" not in message


class Progress:
    """Counts the documents the importer reports as it goes; `then` runs after the first batch."""

    def __init__(self, then: Any = None) -> None:
        self.calls: list[int] = []
        self.then = then

    def __call__(self, done: int) -> None:
        self.calls.append(done)
        if self.then is not None and len(self.calls) == 1:
            self.then()


def test_a_truncated_file_is_refused_after_batches_were_written_and_none_is_kept(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, fixtures_path(), source="soliguide")
    before = state(engine)
    path = tmp_path / "cut.json"
    path.write_text(array_text(places(BATCH + 100, name=SECRET))[:-2000])  # ends inside a record
    progress = Progress()
    with pytest.raises(ImportFileError, match="not valid JSON at record #") as caught:
        import_file(engine, path, source="soliguide", progress=progress)
    assert progress.calls  # a batch was written before the end of the file said it was cut
    assert_one_safe_line(str(caught.value))
    assert state(engine) == before and SECRET not in names(engine)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"lieu_id": 1}', "not valid JSON"),
        ('[{"lieu_id": 1}] [', "not valid JSON"),
        ('[{"lieu_id": 1},]', "not valid JSON"),
        ("", "empty file"),
        ("x", "expected a JSON array of places, one place a line, or"),
        ("  \n []  ", "no places"),
        ('["\xff"]', "not UTF-8 at record #0: invalid start byte"),
        ('[{"lieu_id": 1}, {"lieu_id": 2} {"lieu_id": 3}]', "not valid JSON at record #2: Expecting ','"),
        ('[{"lieu_id": 1}, 12', "not valid JSON at record #2: the file ends inside the array"),
        ('[{"lieu_id": 1}, {"name": "cut', "not valid JSON at record #1: Unterminated string .*cut short"),
        # a saved partner-API answer
        ('{"nbResults": 0, "places": []}', "no places in the file"),
        ('{"nbResults": 3}', 'no "places" array'),
        ('{"places": {"lieu_id": 1}}', '"places" is not an array'),
        ('{"nbResults": 2, "places": [{"lieu_id": 1}, {"lieu_', "not valid JSON at record #1"),
        ('{"places": [{"lieu_id": 1}]} {}', "not valid JSON at record #1"),
        # one document a line: the line is named
        (
            '{"lieu_id": 1}\n{"lieu_id": 2, "na',
            "not valid JSON at line 2, column 16: Unterminated string starting .*cut short",
        ),
        ('{"lieu_id": 1}\nnot json\n{"lieu_id": 3}\n', "not valid JSON at line 2, column 1: Expecting value"),
        (
            '{"lieu_id": 1}\n\n\r\n{"lieu_id": 2} {"lieu_id": 3}\n',
            "not valid JSON at line 4, column 16: Extra",
        ),
        ('\n\n{"lieu_id": 1}\n{"name": "\xff"}\n', "not UTF-8 at line 4"),
        ('{"lieu_id": 1}\n{"a": ' + "[" * 64 + "]" * 64 + "}\n", "line 2 is nested deeper than 64 levels"),
        ('{"lieu_id": 1}\n{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "line 2 is nested deeper than 64"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ImportFileError, match=reason) as caught:
        list(stream_documents(path))
    assert_one_safe_line(str(caught.value))


def json_lines(docs: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(d) + "\n" for d in docs)


@pytest.mark.parametrize("line", ["cut", "bad", "deep", "long"])
def test_a_bad_line_after_batches_were_written_is_named_and_nothing_is_kept(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    import_file(engine, fixtures_path(), source="soliguide")
    before = state(engine)
    text = json_lines(places(BATCH + 100, name=SECRET))
    lines = text.splitlines(keepends=True)
    at = {"cut": len(lines), "bad": BATCH + 50, "deep": BATCH + 50, "long": BATCH + 50}[line]
    if line == "cut":
        lines[-1] = lines[-1][:-2000]  # ends inside the record
    elif line == "bad":
        lines[at - 1] = lines[at - 1].replace('"lieu_id"', "lieu_id", 1)
    elif line == "deep":
        lines[at - 1] = '{"lieu_id": 1, "a": ' + "[" * 70 + "]" * 70 + "}\n"
    else:
        limit = max(len(x.encode()) for x in lines)
        monkeypatch.setattr("db.sql.exports.MAX_RECORD_BYTES", limit)
        lines[at - 1] = '{"lieu_id": 1, "x": "' + "x" * limit + '"}\n'
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(gzip.compress("".join(lines).encode()))
    progress = Progress()
    reason = {
        "cut": f"not valid JSON at line {at}, column .*cut short",
        "bad": f"not valid JSON at line {at}, column [0-9]+: Expecting property name",
        "deep": f"line {at} is nested deeper than 64 levels",
        "long": f"line {at} is longer than",
    }[line]
    with pytest.raises(ImportFileError, match=reason) as caught:
        import_file(engine, path, source="soliguide", progress=progress)
    assert progress.calls  # a batch was written before the line was reached
    assert_one_safe_line(str(caught.value))
    assert state(engine) == before and SECRET not in names(engine)


def test_blank_lines_are_counted_in_bulk(tmp_path: Path) -> None:
    """A gzip of newlines inflating to millions of lines is skipped a buffer at a time, and the
    line numbers after it are still right."""
    blank = 3_000_000
    path = tmp_path / "blank.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"lieu_id": 1}\n' + b"\n" * blank + b" \t\r\n" * 1000 + b"oops\n"))
    with pytest.raises(ImportFileError, match=f"not valid JSON at line {blank + 1000 + 2}, column 1"):
        list(stream_documents(path))


def test_an_empty_file_records_no_run(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "empty.json.gz"
    path.write_bytes(gzip.compress(b"[" + b" " * 100_000 + b"]"))
    with pytest.raises(ImportFileError, match="no places"):
        import_file(engine, path, source="soliguide")
    assert state(engine) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("where", ["first", "after a batch"])
def test_deep_nesting_is_refused_without_a_recursion_error(
    engine: Engine, tmp_path: Path, where: str
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    head = array_text(places(BATCH + 10))[:-1] + "," if where == "after a batch" else "["
    path = tmp_path / "deep.json"
    path.write_text(head + deep + "]")
    with pytest.raises(ImportFileError, match="nested deeper than"):
        import_file(engine, path, source="soliguide")
    assert state(engine) == (0, 0, 0, 0, 0)


def test_a_gzip_bomb_is_refused_at_the_limit_and_nothing_is_kept(engine: Engine, tmp_path: Path) -> None:
    limit = 4 * 1024 * 1024
    body = array_text(places(BATCH + 10))[:-1].encode() + b" " * (6 * limit) + b"]"
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(body, compresslevel=9))
    assert path.stat().st_size < limit // 8 < len(body) // 16
    progress = Progress()
    with pytest.raises(ImportFileError, match="inflates past the limit") as caught:
        import_file(engine, path, source="soliguide", progress=progress, max_inflated_bytes=limit)
    assert progress.calls  # records were written before the whitespace ran past the limit
    assert_one_safe_line(str(caught.value))
    assert state(engine) == (0, 0, 0, 0, 0)
    assert len(read_documents(path, max_inflated_bytes=len(body))) == BATCH + 10  # at the limit: read


def test_a_read_only_database_is_one_line_and_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "solibot.db"
    writable = make_engine(f"sqlite:///{path}")
    migrate(f"sqlite:///{path}")
    sync_categories(writable)
    import_file(writable, fixtures_path(), source="soliguide")
    before = state(writable)
    writable.dispose()
    # mode=ro refuses writes even to root, which a chmod would not stop.
    read_only = create_engine("sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    with pytest.raises(ImportDatabaseError, match="readonly") as caught:
        import_documents(read_only, places(10, name=SECRET), source="soliguide")
    assert_one_safe_line(str(caught.value))
    assert state(read_only) == before
    read_only.dispose()


@pytest.fixture
def stop_the_database(engine: Engine, database_url: str) -> Iterator[Any]:
    """What makes the database fail once the first batch is written: PostgreSQL's backend of the
    import terminated from another connection, SQLite's file capped at the pages it has (full)."""
    checked_out: list[Any] = []

    @event.listens_for(engine, "checkout")
    def remember(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checked_out.append(dbapi_connection)

    def stop() -> None:
        victim = checked_out[-1]
        if engine.dialect.name == "sqlite":
            victim.execute("PRAGMA max_page_count = 1")  # never below the current size: now full
            return
        admin = database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))

    yield stop
    event.remove(engine, "checkout", remember)


def test_the_database_failing_mid_file_rolls_the_file_back(
    engine: Engine, tmp_path: Path, stop_the_database: Any
) -> None:
    import_file(engine, fixtures_path(), source="soliguide")
    before, before_names = state(engine), names(engine)
    path = tmp_path / "export.json"
    path.write_text(array_text(places(3 * BATCH, name=SECRET)))
    progress = Progress(then=stop_the_database)
    with pytest.raises(ImportDatabaseError) as caught:
        import_file(engine, path, source="soliguide", progress=progress)
    assert len(progress.calls) == 1
    message = str(caught.value)
    assert_one_safe_line(message)
    assert ("full" if engine.dialect.name == "sqlite" else "terminat") in message
    engine.dispose()  # SQLite: the capped connection goes; PostgreSQL: a new backend
    assert state(engine) == before and names(engine) == before_names
    assert import_file(engine, path, source="soliguide").created == 3 * BATCH  # the next file works


def test_a_data_exception_keeps_the_value_out_of_the_line() -> None:
    class Diag:
        message_primary = f'invalid input syntax for type integer: "{SECRET}"'

    class DataError(Exception):
        sqlstate = "22P02"
        diag = Diag()

    wrapped = DBAPIError("INSERT INTO place (name) VALUES (%(name)s)", {"name": SECRET}, DataError(SECRET))
    assert database_cause(wrapped) == "invalid data for the database (SQLSTATE 22P02)"


def run_cli(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SEED_SAMPLE": "false"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "import", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )


def test_the_command_line_goes_on_to_the_next_file(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'cli.db'}"
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(gzip.compress(b"[" + b" " * (3 * 1024 * 1024) + b"]"))
    cut = tmp_path / "cut.json"
    cut.write_text(array_text(places(3, name=SECRET))[:-10])
    good = tmp_path / "good.json"
    good.write_text(array_text(places(3)))
    files = [str(bomb), str(cut), str(tmp_path / "missing.json"), str(good)]
    done = run_cli(tmp_path, database_url, *files, "--max-inflated-mb", "1")
    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr and SECRET not in done.stdout + done.stderr
    assert [line.split(": ", 1)[0] for line in lines] == files
    assert "inflates past the limit" in lines[0] and "not valid JSON" in lines[1]
    assert "No such file" in lines[2] and lines[3].endswith("3 created, 0 updated, 0 rejected")

    as_json = run_cli(tmp_path, database_url, str(cut), str(good), "--json")
    reports = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["file"] for r in reports] == [str(cut), str(good)]
    assert "not valid JSON" in reports[0]["error"] and (reports[1]["updated"], reports[1]["rejected"]) == (
        3,
        [],
    )


def test_the_command_line_reports_a_read_only_database_per_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    make_engine(f"sqlite:///{path}").dispose()
    run_cli(tmp_path, f"sqlite:///{path}", str(fixtures_path()))  # migrated, fixtures in
    good = tmp_path / "good.json"
    good.write_text(array_text(places(3, name=SECRET)))
    done = run_cli(tmp_path, f"sqlite:///file:{path}?mode=ro&uri=true", str(good), str(fixtures_path()))
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert len(lines) == 2 and all("database error: attempt to write a readonly database" in x for x in lines)
    assert SECRET not in done.stdout + done.stderr


def test_the_command_line_reads_every_shape_and_names_the_bad_line(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'shapes.db'}"
    lines = tmp_path / "mongoexport.json"  # gzipped, whatever the name says
    lines.write_bytes(gzip.compress(json_lines(places(4, first_id=1)).encode()))
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps({"nbResults": 120, "places": places(3, first_id=11)}))
    bad = tmp_path / "bad.jsonl"
    text = json_lines(places(5, first_id=21, name=SECRET)).splitlines(keepends=True)
    text[2] = text[2][:40] + "\n"
    bad.write_text("".join(text))
    files = [str(lines), str(answer), str(bad)]
    done = run_cli(tmp_path, database_url, *files)
    out = done.stdout.splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert out[0] == f"{lines}: 4 created, 0 updated, 0 rejected"
    assert out[1] == f"{answer}: 3 created, 0 updated, 0 rejected"
    assert out[2].startswith(f"{bad}: cannot read: not valid JSON at line 3, column ") and len(out) == 3
