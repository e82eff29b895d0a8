"""Reading "envoyer 2 au 06 12 34 56 78 en arabe", the number, the answer to the confirmation, and the SMS
the person receives: within the SMS budget in French and in Arabic (issue 13)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import locales
from bot.gsm import for_sms, segments
from bot.surfaces import SmsSurface
from handlers import Deps
from handlers.generic_needs import is_shelter
from handlers.sending import SendAsk, answer_to_send, read_phone, read_send, shown_number, sms_text
from search import Point, Query
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("envoyer 2 au 06 12 34 56 78", SendAsk(2, "06 12 34 56 78", None)),
        ("envoie le 2 par sms au 0612345678", SendAsk(2, "0612345678", None)),
        ("Envoyer le 3 au +33 6 12 34 56 78 en arabe", SendAsk(3, "+33 6 12 34 56 78", "ar")),
        ("send 3 to +44 7911 123456 in Russian", SendAsk(3, "+44 7911 123456", "ru")),
        ("send 3 0612345678", SendAsk(3, "0612345678", None)),
        ("envoyer 06.12.34.56.78 le 1", SendAsk(1, "06.12.34.56.78", None)),
        ("ارسل ٢ إلى ٠٦١٢٣٤٥٦٧٨", SendAsk(2, "0612345678", None)),
        ("отправить 1 на 0612345678 по-украински", SendAsk(1, "0612345678", None)),
        ("envoyer 2", SendAsk(2, None, None)),
    ],
)
def test_send_commands(text: str, asked: SendAsk) -> None:
    assert read_send(text) == asked


@pytest.mark.parametrize("text", ["manger Mulhouse", "2", "je veux envoyer un colis", "envoyer"])
def test_not_a_send_to_someone(text: str) -> None:
    found = read_send(text)
    assert found is None or (found.phone is None and found.number is None)


@pytest.mark.parametrize(
    ("text", "said"),
    [("oui", True), ("OUI !", True), ("yes", True), ("نعم", True), ("да", True), ("non", False),
     ("annuler", False), ("no", False), ("manger", None), ("oui mais le 3", None)],
)  # fmt: skip
def test_answers_to_the_confirmation(text: str, said: bool | None) -> None:
    assert answer_to_send(text) is said


def test_numbers_french_by_default_international_accepted() -> None:
    french = read_phone("06 12 34 56 78")
    assert french is not None and shown_number(french) == "06 12 34 56 78"
    abroad = read_phone("+44 7911 123456")
    assert abroad is not None and shown_number(abroad) == "+44 7911 123456"
    assert read_phone("06 12 34") is None
    assert read_phone("abc") is None


def test_the_confirmation_word_is_one_the_reader_knows() -> None:
    """ "Reply YES" in each language names a word `answer_to_send` reads as yes, and every catalog has
    every sentence of the code with the same placeholders."""
    used: set[str] = set()
    for name in ("sending.py", "reporting.py", "pages.py", "searching.py"):
        for node in ast.walk(ast.parse((ROOT / "handlers" / name).read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and len(node.args) >= 2:
                if isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                    used.add(node.args[1].value)
    assert len(used) >= 15
    for lang in locales.LANGUAGES:
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "sending.po").open("rb") as handle:
            catalog = {str(m.id): str(m.string) for m in read_po(handle, locale=lang) if m.id}
        for msgid in used:
            assert msgid in catalog, (lang, msgid)
            if lang != "en":
                assert catalog[msgid] and catalog[msgid] != msgid, (lang, msgid)
                assert set(re.findall(r"\{\w+\}", catalog[msgid])) == set(re.findall(r"\{\w+\}", msgid))
        ask = locales.gettext(
            lang,
            "sending",
            "Send to {number}:\n\n{body}\n\nReply YES to send it; anything else cancels.",
            number="",
            body="",
        )  # noqa: E501
        words = [w for w in re.findall(r"[^\W\d_]+", ask) if w.isupper() or lang in ("ar", "fa", "ps", "ka")]
        assert any(answer_to_send(w) is True for w in words), lang


@pytest.mark.parametrize("lang", ["fr", "ar", "ru", "en"])
async def test_the_sms_fits_three_segments(deps: Deps, lang: str) -> None:
    """Every place of a page of showers and of meals near Mulhouse: one SMS of at most 3 segments, with
    the name and the address or the referral line first."""
    surface = SmsSurface(3)
    counts = []
    for category in ("shower", "food", "accomodation_and_housing"):
        page = await deps.directory.search(
            Query(point=Point(47.7508, 7.3359), at=NOW, categories=(category,), limit=10)
        )
        for result in page.results:
            body = sms_text(result, NOW, NOW, lang, surface.fits)
            sent = for_sms(body)
            counts.append(segments(sent).count)
            assert segments(sent).count <= 3, body
            assert body.splitlines()[0].startswith(result.place_name[:10])
    assert counts


async def test_a_place_reached_on_referral_is_sent_with_a_number_to_call(deps: Deps) -> None:
    """A persona trial (2026-12-06): a shelter sent to a Ukrainian woman's phone said to ask a social
    worker, with no phone, no address and no 115: a dead end on the street."""
    page = await deps.directory.search(
        Query(point=Point(47.7508, 7.3359), at=NOW, categories=("accomodation_and_housing",), limit=20)
    )
    private = [r for r in page.results if r.address_private and is_shelter((r.category,))]
    assert private
    for lang in ("fr", "uk"):
        body = sms_text(private[0], NOW, NOW, lang, SmsSurface(3).fits)
        assert "115" in body, body
    food = await deps.directory.search(
        Query(point=Point(47.7508, 7.3359), at=NOW, categories=("food",), limit=30)
    )
    grocery = next(r for r in food.results if r.address_private)  # a review: no 115 for a food bank
    assert "115" not in sms_text(grocery, NOW, NOW, "fr", SmsSurface(3).fits)
