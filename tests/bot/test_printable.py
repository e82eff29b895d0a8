"""The printable list for a street round: `solibot list` (HTML and PDF) and GET /list, on the sample."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import create_app
from bot.printable import ListError, ListRequest, build, parse_request, render_html, render_pdf
from handlers import Deps
from tests.conftest import NOW, PARIS
from tests.e2e.support import make_settings, running

ROUND = datetime(2026, 11, 17, 20, 0, tzinfo=PARIS)  # a Tuesday evening


def ask(**given: str | None) -> ListRequest:
    """A request for Mulhouse's meals and beds tonight, but for what `given` changes."""
    values: dict[str, str | None] = {
        "insee": "68224",
        "categories": "food,shelter",
        "at": ROUND.isoformat(),
        "lang": "fr",
        "fmt": "html",
    }
    values.update(given)
    return parse_request(**values, now=NOW)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"insee": None}, "insee: a 5-character"),
        ({"insee": "6822"}, "insee: a 5-character"),
        ({"insee": "99999"}, "insee: no commune"),
        ({"categories": ""}, "categories: at least one"),
        ({"categories": "food,zzzz"}, "categories: unknown category 'zzzz'"),
        ({"categories": ",".join(["food"] * 9)}, "categories: at most 8"),
        ({"at": "demain soir"}, "at: not an ISO 8601"),
        ({"lang": "xx"}, "lang: one of fr"),
        ({"fmt": "docx"}, "format: html or pdf"),
    ],
)
def test_bad_parameters_are_named(given: dict[str, str | None], says: str) -> None:
    with pytest.raises(ListError, match=re.escape(says)):
        ask(**given)


def test_need_words_and_ids_both_name_categories() -> None:
    asked = parse_request(
        insee="68224",
        categories="food, shelter ,douche",
        at="2026-11-17T20:00",
        lang="en",
        fmt="PDF",
        now=NOW,
    )
    assert asked.needs == ("food", "accomodation_and_housing", "shower")
    assert asked.at == ROUND and asked.lang == "en" and asked.format == "pdf"
    assert asked.commune.name == "Mulhouse"


async def test_the_html_list_groups_the_communes_places_by_need(deps: Deps) -> None:
    asked = parse_request(
        insee="68224", categories="food,shower", at=ROUND.isoformat(), lang="fr", fmt="html", now=NOW
    )
    sheet = await build(deps.directory, asked, NOW)
    assert [g.label for g in sheet.groups] == ["Alimentation", "Douche"]
    assert all(g.places for g in sheet.groups), "the sample has meals and showers in Mulhouse"
    html = render_html(sheet)
    assert html.startswith("<!doctype html>") and '<html lang="fr" dir="ltr">' in html
    assert "Maraude : Alimentation, Douche à Mulhouse (68)" in html
    assert "Mardi 17 novembre 2026, à 20h" in html
    assert "Imprimé le 17 novembre 2026 à 10h15." in html
    assert "Information la plus ancienne de cette liste : vérifiée le" in html
    assert "@page { size: A4" in html and "<link" not in html and "<script" not in html, "self-contained"
    assert "Hébergement d&#39;urgence : 115" in html, "escaped, like every word of the list"
    for group in sheet.groups:
        for place in group.places:
            assert place.address and place.state
    for group in sheet.groups:
        opened = [p.open for p in group.places]
        assert opened == sorted(opened, reverse=True), "open at the round's hour first"
    assert "Horaires" in html


async def test_only_the_communes_own_places(deps: Deps) -> None:
    asked = parse_request(
        insee="68154", categories="food", at=None, lang="fr", fmt="html", now=NOW
    )  # Illzach
    sheet = await build(deps.directory, asked, NOW)
    html = render_html(sheet)
    assert "Illzach" in html
    assert "68100 Mulhouse" not in html and "68200 Mulhouse" not in html


async def test_arabic_is_right_to_left_and_escaped(deps: Deps) -> None:
    asked = ask(categories="food", lang="ar")
    html = render_html(await build(deps.directory, asked, NOW))
    assert '<html lang="ar" dir="rtl">' in html
    assert "طوارئ طبية: 15" in html


async def test_the_pdf_is_a_real_a4_document(deps: Deps) -> None:
    pypdf = pytest.importorskip("pypdf")
    asked = parse_request(
        insee="68224", categories="food,shelter", at=ROUND.isoformat(), lang="fr", fmt="pdf", now=NOW
    )
    pdf = render_pdf(render_html(await build(deps.directory, asked, NOW)))
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842), "A4 in points"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Maraude" in text and "Mulhouse" in text


async def test_the_list_route(directory_url: str) -> None:
    async with running(create_app(make_settings(directory_url), clock=lambda: NOW)) as client:
        html = await client.get(
            "/list", params={"insee": "68224", "categories": "food,shelter", "at": "2026-11-17T20:00"}
        )
        assert html.status_code == 200 and html.headers["content-type"] == "text/html; charset=utf-8"
        assert "Maraude : Alimentation, Hébergement et logement à Mulhouse (68)" in html.text
        pdf = await client.get(
            "/list", params={"insee": "68224", "categories": "shower", "format": "pdf", "lang": "en"}
        )
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        assert 'filename="solibot-68224-' in pdf.headers["content-disposition"]
        for params, says in (
            ({"categories": "food"}, "insee:"),
            ({"insee": "68224"}, "categories:"),
            ({"insee": "68224", "categories": "food", "format": "exe"}, "format:"),
            ({"insee": "<script>", "categories": "food"}, "insee:"),
        ):
            bad = await client.get("/list", params=params)
            assert bad.status_code == 400 and bad.text.startswith(says), bad.text
            assert "<script>" not in bad.text


def test_solibot_list_writes_the_file(
    directory_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    monkeypatch.setenv("DATABASE_URL", directory_url)
    monkeypatch.setenv("SEED_SAMPLE", "false")
    out = tmp_path / "round.pdf"
    argv = ["list", "--insee", "68224", "--categories", "food,shower", "--at", "2026-11-17T20:00"]
    assert main([*argv, "--format", "pdf", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert main([*argv, "--lang", "en", "--out", str(tmp_path / "round.html")]) == 0
    assert "Street round: Food, Showers in Mulhouse (68)" in (tmp_path / "round.html").read_text("utf-8")
    assert main(["list", "--insee", "00000", "--categories", "food"]) == 2
    assert "solibot list: insee: no commune has the code 00000" in capsys.readouterr().err
