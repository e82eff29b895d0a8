"""`solibot import --format data-inclusion`: the report, its JSON, and the one line of a failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main

FILES = Path(__file__).parents[1] / "db" / "data_inclusion"
PAIR = [str(FILES / "structures.json"), str(FILES / "services.json")]


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_the_report_then_a_reimport(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--format", "data-inclusion", *PAIR]) == 1  # records were rejected
    out = capsys.readouterr().out
    assert "9 created, 0 updated, 4 rejected" in out
    assert "structures.json record #5 (dora--s6): nom" in out
    assert "2 with hours kept unknown" in out and "dora--s3: not OpenStreetMap opening_hours syntax" in out
    assert "1 services given at a distance only" in out
    assert main(["import", "--format", "data-inclusion", "--json", *PAIR]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["updated"], report["rejected_count"]) == (0, 9, 4)
    assert report["note_counts"] == {"hours": 2, "thematiques": 2, "remote": 1}
    search = ["search", "--insee", "68224", "--category", "food", "--at", "2026-11-17T10:15", "--json"]
    assert main(search) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    grocery = next(r for r in rows if r["name"] == "Épicerie solidaire du Drouot")
    assert grocery["source"] == "data-inclusion:dora" and grocery["open"] is True  # attributed


def test_two_files_exactly_and_one_line_for_a_failure(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--format", "data-inclusion", PAIR[0]]) == 2
    assert "two files" in capsys.readouterr().err
    broken = tmp_path / "services.json"
    broken.write_text("[{", encoding="utf-8")
    assert main(["import", "--format", "data-inclusion", PAIR[0], str(broken)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{PAIR[0]} + {broken}: cannot read: services.json: ")
