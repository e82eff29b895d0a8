"""Reporting a place wrong (issue 13), through the real wiring: what is kept (and never kept), the thanks
in the writer's language, which places count as reported, and `solibot reports list|export`."""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.place_reports import SqlReportBook, cmd_reports, write_csv
from bot.surfaces import SMS, TELEGRAM
from bot.wiring import Resources
from db.sql import make_async_engine, make_engine, open_reports, quality_index, read_places, read_reports
from db.sql.quality import priorities
from handlers import Channel, Incoming, ReportKind, Role
from handlers.reporting import read_report, without_phones
from tests.conftest import NOW
from tests.e2e.support import make_settings

KEY = "p" * 64
SECRET = b"test-user-key-secret"


def _msg(text: str, **kw: Any) -> Incoming:
    return Incoming(Channel.SMS, KEY, text, received_at=NOW, surface=SMS, **kw)


async def _say(resources: Resources, text: str, **kw: Any) -> str:
    return "\n".join(r.text for r in (await resources.converse(_msg(text, **kw))).replies)


def _reports(database_url: str) -> list[dict[str, Any]]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(text("SELECT * FROM place_report ORDER BY id")).mappings()]
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    ("said", "number", "kind"),
    [
        ("le 3 est fermé", 3, ReportKind.CLOSED),
        ("Le 2 a déménagé", 2, ReportKind.MOVED),
        ("ce numéro ne répond pas", None, ReportKind.PHONE),
        ("signaler 2", 2, ReportKind.OTHER),
        ("signaler le 1, horaires faux", 1, ReportKind.HOURS),
        ("the 2 has moved", 2, ReportKind.MOVED),
        ("رقم 2 مغلق", 2, ReportKind.CLOSED),
        ("3 не отвечает", 3, ReportKind.PHONE),
        ("le 4 a changé de numéro, le nouveau c'est le 06 98 76 54 32", 4, ReportKind.PHONE),
        ("signaler 4 : nouveau numéro 06 98 76 54 32", 4, ReportKind.PHONE),
        ("le 4 ne répond pas, le nouveau numéro est le 06 98 76 54 32", 4, ReportKind.PHONE),
        ("the 2 changed its number", 2, ReportKind.PHONE),
        ("el 2 cambió de número", 2, ReportKind.PHONE),
        ("2 сменили номер", 2, ReportKind.PHONE),
        # a persona trial (2026-12-06): each read as nothing, or as a search for telephones
        ("le numéro est faux", None, ReportKind.PHONE),
        ("numéro erroné", None, ReportKind.PHONE),
        ("le numéro de téléphone est faux, c'est le 03 89 12 34 56 maintenant", None, ReportKind.PHONE),
    ],
)
def test_reports_are_read(said: str, number: int | None, kind: ReportKind) -> None:
    found = read_report(said)
    assert found is not None and (found.number, found.kind) == (number, kind)


@pytest.mark.parametrize("said", ["c'est fermé le dimanche ?", "manger Mulhouse", "هل هو مغلق؟", "3", "ok"])
def test_questions_and_searches_are_not_reports(said: str) -> None:
    assert read_report(said) is None


def test_phone_numbers_are_taken_out_of_the_words() -> None:
    assert without_phones("fermé, appelez moi au 06 12 34 56 78 svp") == "fermé, appelez moi au […] svp"
    assert "612345678" not in without_phones("le numéro +33612345678 ne répond pas")
    assert without_phones("le 3 est fermé depuis le 12") == "le 3 est fermé depuis le 12"
    assert without_phones("écrivez à jean.dupont@example.org") == "écrivez à […]"


def test_the_export_holds_no_formula() -> None:
    """A report's words are anyone's: a spreadsheet must not run them (CSV injection)."""
    from bot.place_reports import _inert

    assert _inert('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert _inert("+33 fermé") == "'+33 fermé" and _inert("fermé") == "fermé" and _inert(3) == 3


async def test_a_report_is_kept_and_thanked(sample_database_url: str) -> None:
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        listing = await _say(resources, "douche Mulhouse")
        assert "2." in listing
        thanks = await _say(resources, "le 2 est fermé, j'y étais, rappelez moi au 06 12 34 56 78")
        assert thanks.startswith("Merci : votre signalement sur")
        details = await _say(resources, "1")
        said = await _say(resources, "ce numéro ne répond pas")
        assert said.startswith("Merci")
        assert (await _say(resources, "signaler")).startswith("Merci")  # the place whose details were shown
        english = await _say(resources, "the 1 has moved")
        assert english.startswith("Thank you")  # thanked in the writer's language
        book = resources.deps.reports
        assert isinstance(book, SqlReportBook)
        reported = book.reported()
    rows = _reports(sample_database_url)
    assert [r["kind"] for r in rows] == ["closed", "phone", "other", "moved"]
    assert rows[1]["lieu_id"] == rows[2]["lieu_id"] == rows[3]["lieu_id"] != rows[0]["lieu_id"]
    assert rows[1]["place_name"] in details
    assert {(r["source"], r["lieu_id"]) for r in rows} == set(reported)
    assert rows[0]["text"] == "le 2 est fermé, j'y étais, rappelez moi au […]"
    assert all(r["role"] == "public" and r["channel"] == "sms" for r in rows)
    everything = " ".join(str(v) for r in rows for v in r.values())
    assert KEY not in everything and "06 12 34 56 78" not in everything and "0612345678" not in everything


async def test_without_a_list_a_fact_is_no_report(sample_database_url: str) -> None:
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        assert "pas encore de liste" in (await _say(resources, "signaler 2")).lower()
        assert "Merci" not in await _say(resources, "le 3 est fermé")
        await _say(resources, "douche Mulhouse")
        await _say(resources, "1")
        searched = await _say(resources, "tout est fermé, je veux manger")  # a search, not a report
        assert "Merci" not in searched and "1." in searched
        crisis = await _say(resources, "signaler 1, le 1 est fermé et je veux mourir")
        assert "3114" in crisis and "Merci" not in crisis  # a crisis is answered first, never thanked
    assert _reports(sample_database_url) == []


async def test_a_changed_or_wrong_number_is_kept_as_a_phone_report_without_the_number(
    sample_database_url: str,
) -> None:
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        said = await _say(resources, "le 2 a changé de numéro, le nouveau c'est le 06 98 76 54 32")
        assert said.startswith("Merci")
        details = await _say(resources, "1")
        # a persona trial (2026-12-06): this was a search for telephones to use, then "le 3 a un mauvais
        # numéro" filed against the third of that list
        wrong = await _say(resources, "le numéro de téléphone est faux, c'est le 03 89 12 34 56 maintenant")
        assert wrong.startswith("Merci"), wrong
    changed, wrong_number = _reports(sample_database_url)
    assert changed["kind"] == wrong_number["kind"] == "phone" and "98 76" not in changed["text"]
    assert wrong_number["place_name"] in details


async def test_reports_past_the_days_allowance_are_thanked_but_not_kept(sample_database_url: str) -> None:
    """REPORTS_PER_DAY per sender, counted under a keyed hash of the day and the sender: never their key,
    never linked to the reports, deleted by the retention job once the day is over."""
    settings = make_settings(sample_database_url, reports_per_day=3)
    async with Resources.open(settings, lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        for number in (1, 2, 3, 1, 2):
            assert (await _say(resources, f"le {number} est fermé")).startswith("Merci")
        other = Incoming(Channel.SMS, "o" * 64, "douche Mulhouse", received_at=NOW, surface=SMS)
        await resources.converse(other)
        await resources.converse(replace(other, text="le 2 est fermé"))  # another sender: their own count
        assert len(_reports(sample_database_url)) == 4
        engine = make_engine(sample_database_url)
        with engine.connect() as conn:
            counts = [dict(r) for r in conn.execute(text("SELECT * FROM report_count")).mappings()]
        assert sorted(c["reports"] for c in counts) == [1, 5]
        assert KEY not in str(counts) and all(len(c["sender_hash"]) == 64 for c in counts)
        assert await resources.purge_expired() >= 0
        with engine.connect() as conn:  # today's counts stay
            assert conn.execute(text("SELECT count(*) FROM report_count")).scalar_one() == 2
        tomorrow = SqlReportBook(
            make_async_engine(sample_database_url), lambda: NOW + timedelta(days=1), SECRET, 3
        )
        assert await tomorrow.purge() == 2
        assert await tomorrow.take(KEY)  # a new day, a new allowance
        engine.dispose()


async def test_open_reports_close_when_a_person_checks_the_place(sample_database_url: str) -> None:
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        await resources.converse(Incoming(Channel.TELEGRAM, "q" * 64, "douche Mulhouse", received_at=NOW,
                                          surface=TELEGRAM, role=Role.OPERATOR, actor=3))  # fmt: skip
        await resources.converse(Incoming(Channel.TELEGRAM, "q" * 64, "le 1 est fermé", received_at=NOW,
                                          surface=TELEGRAM, role=Role.OPERATOR, actor=3))  # fmt: skip
    (row,) = _reports(sample_database_url)
    assert row["role"] == "operator"
    engine = make_async_engine(sample_database_url)
    book = SqlReportBook(engine, lambda: NOW, SECRET, 10)
    await book.refresh()
    assert book.reported() == {(row["source"], row["lieu_id"])}
    sync = make_engine(sample_database_url)
    with sync.begin() as conn:
        conn.execute(
            text("UPDATE place SET updated_by_user_at = :t WHERE source = :s AND lieu_id = :l"),
            {"t": NOW + timedelta(days=2), "s": row["source"], "l": row["lieu_id"]},
        )
    with sync.connect() as conn:
        (kept,) = read_reports(conn, NOW - timedelta(days=1), NOW + timedelta(days=3))
    sync.dispose()
    later = SqlReportBook(engine, lambda: NOW + timedelta(days=3), SECRET, 10)
    await later.refresh()
    assert later.reported() == frozenset() and not kept.open
    stale = SqlReportBook(engine, lambda: NOW + timedelta(days=120), SECRET, 10)
    await stale.refresh()
    assert stale.reported() == frozenset()
    await engine.dispose()


async def test_reports_list_and_export(
    sample_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "le 1 a déménagé")
    settings = make_settings(sample_database_url)
    since = (NOW - timedelta(days=1)).date().isoformat()
    out = tmp_path / "reports.csv"
    args = argparse.Namespace(action="export", since=since, output=str(out))
    assert cmd_reports(args, settings, NOW) == 0
    (row,) = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert row["kind"] == "moved" and row["text"] == "le 1 a déménagé" and row["open"] == "yes"
    assert row["city"] and row["created_at"].startswith(NOW.date().isoformat())
    assert cmd_reports(argparse.Namespace(action="list", since=since, output=None), settings, NOW) == 0
    listed = capsys.readouterr().out
    assert "moved" in listed and "1 reports since" in listed
    later = argparse.Namespace(action="list", since=(NOW + timedelta(days=1)).date().isoformat(), output=None)
    assert cmd_reports(later, settings, NOW) == 0
    assert "0 reports since" in capsys.readouterr().out
    bad = argparse.Namespace(action="list", since="novembre", output=None)
    assert cmd_reports(bad, settings, NOW) == 2
    buffer = io.StringIO()
    write_csv([], buffer)
    assert buffer.getvalue().startswith("id,created_at,source,lieu_id")


async def test_reported_places_come_first_in_the_places_to_update(sample_database_url: str) -> None:
    """Issue 14: priority = staleness × (1 + demand) × (1 + open reports)."""
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "le 1 est fermé")
        await _say(resources, "signaler 1")
    first, _ = _reports(sample_database_url)
    engine = make_engine(sample_database_url)
    with engine.connect() as conn:
        places = read_places(conn, ("68",))
        counts = {lieu: n for (_, lieu), n in open_reports(conn, NOW).items()}
    engine.dispose()
    assert counts == {first["lieu_id"]: 2}
    own = [p for p in places if p.department == "68"]
    plain = {p.lieu_id: p for p in priorities(own, {}, NOW, top=len(own))}
    ranked = {p.lieu_id: p for p in priorities(own, {}, NOW, top=len(own), reported=counts)}
    lieu = first["lieu_id"]
    assert ranked[lieu].reports == 2 and plain[lieu].reports == 0
    assert ranked[lieu].score == pytest.approx(plain[lieu].score * 3, abs=0.02)  # × (1 + 2 reports)
    assert quality_index(places, "68", NOW, {}, counts).priorities


def test_solibot_reports_is_a_command(
    sample_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    monkeypatch.setenv("DATABASE_URL", sample_database_url)
    monkeypatch.setenv("USER_KEY_SECRET", "test-user-key-secret")
    assert main(["reports", "export", "--since", "2026-11-01"]) == 0
    assert capsys.readouterr().out.startswith("id,created_at,source,lieu_id")
    assert main(["reports", "list", "--since", "2026-13-01"]) == 2


async def test_operators_see_recently_reported_places(sample_database_url: str) -> None:
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "le 1 est fermé")
        (row,) = _reports(sample_database_url)
        operator = Incoming(Channel.TELEGRAM, "q" * 64, "douche Mulhouse", received_at=NOW, surface=TELEGRAM,
                            role=Role.OPERATOR, actor=3)  # fmt: skip
        listed = "\n".join(r.text for r in (await resources.converse(operator)).replies)
        public = await _say(resources, "douche Mulhouse")
        details = await resources.converse(replace(operator, text="1"))
        assert details.replies[0].text.startswith("Signalé récemment : appelez avant.\n")
        assert "Signalé" not in await _say(resources, "1")
    (flagged,) = [line for line in listed.splitlines() if "Signalé récemment : appelez avant." in line]
    assert flagged.startswith("1. ") and row["place_name"] in flagged
    assert "Signalé" not in public  # nothing changes for the public
