"""The `solibot` command line: the stable search/parse interfaces and import reports."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.__main__ import main


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_search_json_lines_have_the_stable_fields(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["search", "--insee", "68224", "--category", "food", "--at", "2026-11-17T19:00", "--json"]) == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert 1 <= len(lines) <= 10
    for row in lines:
        assert {
            "lieu_id",
            "name",
            "category",
            "distance_m",
            "lat",
            "lon",
            "open",
            "closes_at",
            "opens_at",
        } <= set(row)
        assert row["open"] in (True, False, None)
        for key in ("closes_at", "opens_at", "verified_at"):
            assert row[key] is None or datetime.fromisoformat(row[key]).tzinfo is not None
    assert [r["distance_m"] for r in lines if r["open"]] == sorted(
        r["distance_m"] for r in lines if r["open"]
    )


def test_search_near_with_limit_and_bad_arguments(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--near", "48.5734,7.7521", "--limit", "3", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["search", "--near", "north", "--json"]) == 2
    assert main(["search", "--insee", "99999", "--json"]) == 2
    assert main(["search", "--insee", "68224", "--category", "beer", "--json"]) == 2
    assert main(["search", "--insee", "68224", "--lang", "xx"]) == 2
    assert "unknown" in capsys.readouterr().err


def test_parse_reads_json_lines(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    feed = '{"id": "a", "text": "douche 68100"}\n{"id": "b", "text": ""}\nnot json\n'
    monkeypatch.setattr("sys.stdin", io.StringIO(feed))
    assert main(["parse", "--now", "2026-11-17T10:15:00+01:00"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["id"] == "a" and rows[0]["needs"] == ["shower"] and rows[0]["place"]["insee"] == "68224"
    assert rows[1] == {**rows[1], "id": "b", "needs": [], "place": None}
    assert "error" in rows[2]


def test_import_reports_rejections_and_exit_status(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            [
                {
                    "lieu_id": 5,
                    "name": "A",
                    "status": "ONLINE",
                    "position": {"location": {"type": "Point", "coordinates": [7.3, 47.7]}},
                    "services_all": [{"category": "shower"}],
                }
            ]
        )
    )
    bad = tmp_path / "bad.json"
    bad.write_text('[{"lieu_id": "x"}]')
    broken = tmp_path / "broken.json"
    broken.write_text("nope")
    assert main(["import", str(good)]) == 0
    assert main(["import", str(good)]) == 0
    out = capsys.readouterr().out
    assert "1 created" in out and "1 updated" in out
    assert main(["import", str(bad), str(broken)]) == 1
    out = capsys.readouterr().out
    assert "lieu_id 'x' is not a non-negative integer" in out and "cannot read" in out


def test_a_configuration_error_names_the_setting_and_quotes_no_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pydantic's own message quotes the whole input of a model check: a DATABASE_URL's password, a
    token. The command line prints the setting and the reason only."""
    from bot.__main__ import main

    monkeypatch.setenv("SOLIBOT_ENV", "production")  # with the development USER_KEY_SECRET: refused
    monkeypatch.delenv("USER_KEY_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://solibot:hunter2-db-password@db:5432/solibot")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-token-never-printed")
    assert main(["parse", "manger"]) == 2
    model_error = capsys.readouterr().err
    assert "USER_KEY_SECRET is the public development default" in model_error
    monkeypatch.setenv("SOLIGUIDE_SYNC_EVERY", "60")  # too often: a field error
    assert main(["parse", "manger"]) == 2
    field_error = capsys.readouterr().err
    assert "SOLIGUIDE_SYNC_EVERY" in field_error
    for err in (model_error, field_error):
        assert "hunter2" not in err and "twilio-token-never-printed" not in err
