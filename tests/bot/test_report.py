"""The statistics report: small counts suppressed, tables from events and the directory, CSV and a
self-contained HTML page, `solibot stats`, and /stats behind its token (issue 14)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.__main__ import main
from bot.app import create_app
from bot.events import row_of
from bot.report import build, html_report, suppress, write_csv
from db.sql import insert_events, make_engine
from handlers import EventKind, SearchEvent, Supply
from tests.conftest import NOW
from tests.e2e.support import make_settings, running

TOKEN = "stats-token-for-tests"


def test_a_commune_under_five_in_a_month_joins_the_others() -> None:
    rows = [(("2026-11", "shower"), "68066", 7), (("2026-11", "shower"), "68224", 3)]
    rows += [(("2026-11", "shower"), "68154", 1), (("2026-10", "shower"), "68066", 4)]
    published = suppress(rows)
    assert (("2026-11", "shower"), "68066", 7) in published
    assert (("2026-11", "shower"), "autres", None) in published  # 3 + 1: still under 5, shown "< 5"
    assert (("2026-10", "shower"), "autres", None) in published
    assert not any(commune in ("68224", "68154") for _, commune, _ in published)
    merged = suppress([(("m",), "1", 3), (("m",), "2", 4)])
    assert merged == [(("m",), "autres", 7)]  # two small communes together are published as others


def _events(url: str) -> None:
    def event(commune: str, day: date, **kw: object) -> SearchEvent:
        base = SearchEvent(EventKind.SEARCH, day, 18, commune[:2], commune, ("shower",), "fr", channel="sms")
        return replace(base, **kw)  # type: ignore[arg-type]

    nov, oct_ = date(2026, 11, 3), date(2026, 10, 7)
    rows = [row_of(event("68066", nov), Supply(0, 0, 3, 10.0)) for _ in range(41)]  # Colmar, no shower
    rows += [row_of(event("68224", nov), Supply(2, 6, 30, 0.5)) for _ in range(60)]
    rows += [row_of(event("68224", nov, kind=EventKind.DETAILS), None) for _ in range(30)]
    rows += [row_of(event("68112", nov), Supply(0, 0, 1, 20.0)) for _ in range(2)]  # Guebwiller: 2 only
    rows += [
        row_of(event("67482", oct_, channel="telegram", lang="ar"), Supply(1, 4, 9, 1.0)) for _ in range(9)
    ]
    engine = make_engine(url)
    with engine.begin() as conn:
        insert_events(conn, rows)
    engine.dispose()


def test_the_report_tables_csv_and_html(sample_database_url: str, tmp_path: Path) -> None:
    _events(sample_database_url)
    engine = make_engine(sample_database_url)
    report = build(engine, ("67", "68"), "2026-01", "2026-11", NOW)
    engine.dispose()
    monthly = {(r[0], r[1]): r for r in report.table("monthly").rows}
    assert monthly[("2026-11", "68")][2:6] == (103, 30, "29.1 %", 43)
    assert monthly[("2026-10", "67")][2] == 9
    unmet = report.table("unmet").rows
    assert ("2026-11", "68", "Colmar (68066)", "Douche", "18h-21h", 41) in unmet
    assert not any("Guebwiller" in str(r[2]) for r in unmet)  # 2 searches: among the others
    assert any(r[2] == "autres" and r[5] == "< 5" for r in unmet)
    channels = report.table("channels").rows
    assert ("Telegram", "ar", 9) in channels
    quality = {r[0]: r for r in report.table("quality").rows}
    assert set(quality) == {"67", "68"} and all(0 <= float(str(v)) <= 5 for v in quality["68"][1:4])
    assert report.table("priorities").rows
    written = write_csv(report, tmp_path)
    assert {p.name for p in written} >= {"monthly.csv", "unmet.csv", "quality.csv", "priorities.csv"}
    with (tmp_path / "unmet.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle))[0] == "mois"
    page = html_report(report)
    assert (
        page.count("<svg") == 5 and "<script" not in page.lower() and "http://" not in page.split("<svg")[0]
    )
    assert "Colmar (68066)" in page


def test_solibot_stats_prints_and_writes(
    sample_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _events(sample_database_url)
    monkeypatch.setenv("DATABASE_URL", sample_database_url)
    out = tmp_path / "stats"
    assert (
        main(["stats", "--department", "68", "--from", "2026-01", "--to", "2026-11", "--out", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "Recherches par mois" in printed and "Colmar (68066)" in printed
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")


async def test_the_stats_page_is_behind_its_token(sample_database_url: str) -> None:
    _events(sample_database_url)
    closed = create_app(make_settings(sample_database_url), clock=lambda: NOW)
    async with running(closed) as client:
        assert (await client.get("/stats")).status_code == 404
    app = create_app(make_settings(sample_database_url, stats_token=SecretStr(TOKEN)), clock=lambda: NOW)
    async with running(app) as client:
        assert (await client.get("/stats")).status_code == 403
        assert (await client.get("/stats", headers={"Authorization": "Bearer wrong"})).status_code == 403
        bad = await client.get(
            "/stats", params={"from": "11/2026"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert bad.status_code == 400
        page = await client.get(
            "/stats",
            params={"department": "68", "from": "2026-01", "to": "2026-11"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert page.status_code == 200 and "Colmar (68066)" in page.text
        assert (await client.get("/stats", params={"token": TOKEN, "department": "67"})).status_code == 200
