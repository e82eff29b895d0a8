"""Every sentence of the conversation exists in the 12 catalogs, with the same placeholders, and renders."""

from __future__ import annotations

import ast
import re
import string
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import locales
from handlers import Pending, ReplyKind
from handlers.i18n import DOMAIN
from search.geo import Point
from tests.conftest import PARIS

from .conftest import Chat

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "handlers").glob("*.py")) + [ROOT / "bot" / "console.py"]
TABLES = {"_GENDERS", "_FAMILY", "_ADMIN", "_OTHER", "_CONDITIONS", "MAIN_NEEDS"}


def used_msgids() -> set[str]:
    """Literal first arguments of t(lang, "...") plus the label tables handed to t() by value."""
    found: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and len(node.args) >= 2:
                if isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                    found.add(node.args[1].value)
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            if (
                isinstance(node, (ast.Assign, ast.AnnAssign))
                and any(getattr(tg, "id", None) in TABLES for tg in targets)
                and node.value is not None
            ):
                value = node.value
                if isinstance(value, ast.Dict):
                    found.update(
                        v.value
                        for v in value.values
                        if isinstance(v, ast.Constant) and isinstance(v.value, str)
                    )
                elif isinstance(value, ast.Tuple):
                    found.update(
                        e.elts[1].value
                        for e in value.elts
                        if isinstance(e, ast.Tuple)
                        and isinstance(e.elts[1], ast.Constant)
                        and isinstance(e.elts[1].value, str)
                    )
            if isinstance(node, ast.IfExp):
                for side in (node.body, node.orelse):
                    if (
                        isinstance(side, ast.Constant)
                        and isinstance(side.value, str)
                        and "{who}" in side.value
                    ):
                        found.add(side.value)
    return found


def catalog(lang: str) -> dict[str, str]:
    path = ROOT / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=lang)
    assert po.locale is not None and str(po.locale) == lang
    assert po.plural_forms and po.plural_forms.startswith("nplurals=")
    return {str(m.id): str(m.string) for m in po if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_code_uses_about_a_hundred_sentences() -> None:
    assert len(used_msgids()) > 90


@pytest.mark.parametrize("lang", locales.LANGUAGES)
def test_every_msgid_is_translated_with_the_same_placeholders(lang: str) -> None:
    messages = catalog(lang)
    used = used_msgids()
    missing = sorted(used - messages.keys())
    assert not missing, f"{lang} lacks {missing}"
    assert not sorted(messages.keys() - used), f"{lang} has sentences no code uses"
    for msgid, msgstr in messages.items():
        assert msgstr.strip(), f"{lang}: empty translation of {msgid!r}"
        assert fields(msgstr) == fields(msgid), f"{lang}: placeholders differ in {msgid!r}"


@pytest.mark.parametrize("lang", [lang for lang in locales.LANGUAGES if lang not in ("en",)])
def test_translations_are_not_left_in_english(lang: str) -> None:
    messages = catalog(lang)
    same = [m for m, s in messages.items() if m == s and re.search(r"[a-z]{4,} [a-z]{4,}", m)]
    assert not same, f"{lang}: untranslated {same}"


@pytest.mark.parametrize("lang", locales.LANGUAGES)
async def test_every_kind_of_reply_renders_in_every_language(chat: Chat, lang: str) -> None:
    """A whole conversation per language: menu, choice, results, details, nothing found, safety, help…"""
    chat.conv = type(chat.conv)(lang=lang, lang_chosen=True)
    texts: list[str] = []
    kinds: set[ReplyKind] = set()
    alerts: list[str] = []

    async def say(text: str = "", location: Point | None = None) -> None:
        replies = await chat.send(text, location)
        assert replies
        for reply in replies:
            assert reply.lang == lang and reply.text.strip()
            kinds.add(reply.kind)
            texts.append(reply.text)
            alerts.extend(reply.alerts)

    for message in ("aide", "menu", "1"):
        await say(message)
    await say(location=Point(47.7508, 7.3359))
    await say("plus")
    await say("2")
    await say("999")
    await say("langue")
    await say("99")
    chat.conv = type(chat.conv)(
        lang=lang, lang_chosen=True, need=("accomodation_and_housing",), pending=Pending.PLACE
    )
    chat.at = datetime(2026, 11, 17, 23, 0, tzinfo=PARIS)
    await say(location=Point(48.6921, 6.1844))  # nothing near Nancy: nearest town, 115
    await say("il me bat, il va me tuer, j'ai 15 ans")
    await say("😀")
    # Emergency lines travel at the top of the reply that follows them when it holds them (always on
    # a screen): a reply of their own is for a medium too small for both.
    assert kinds >= set(ReplyKind) - {ReplyKind.CONFIRMATION, ReplyKind.SAFETY}
    assert {"115", "119", "3919", "17"} <= {n for line in alerts for n in re.findall(r"\d+", line)}
    joined = "\n".join(texts)
    assert "{" not in joined and "}" not in joined
    assert "3919" in joined and "119" in joined and "112" in joined and "115" in joined
    assert "https://www.openstreetmap.org/directions?to=" in joined
    if lang != "en":
        assert "Send a number" not in joined and "What do you need" not in joined


def test_the_place_question_offers_the_location_button_only_where_there_is_one() -> None:
    from handlers.questions import ask_place

    for lang in locales.LANGUAGES:
        plain = ask_place(lang, shares_location=False).text
        button = ask_place(lang, shares_location=True).text
        assert plain != button


def test_corrected_category_labels_name_known_categories_and_replace_soliguides() -> None:
    """locales/<lang>/categories.tsv corrects Soliguide's translations. A trial in Farsi, Pashto and
    Arabic (2026-12-06): "Permanence juridique" read "legal permanence" or "legal status", which an
    asylum seeker could take for a right to stay."""
    from db import taxonomy  # noqa: PLC0415

    tax = taxonomy().by_id
    corrected = 0
    for lang in locales.LANGUAGES:
        for row in locales.rows(lang, "categories"):
            assert len(row) == 2 and row[0] in tax and row[1].strip(), (lang, row)
            assert tax[row[0]].label(lang) == row[1]
            corrected += 1
    assert corrected >= 5
    wrong = {"fa": "ماندگاری", "ps": "دوام", "ar": "مكانة", "ka": "მუდმივობა"}
    for lang, word in wrong.items():
        assert word not in tax["legal_advice"].label(lang), lang
