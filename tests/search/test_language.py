"""search.language: the language of a message, from script, letters and words."""

from __future__ import annotations

import pytest

from search.language import LANGUAGES, detect_language

CASES = [
    ("toilettes", "fr"),
    ("manger mulhouse", "fr"),
    ("chui a la rue", "fr"),
    ("salut", "fr"),
    ("ok merci", "fr"),
    ("colmar", "fr"),
    ("67000", "fr"),
    ("", "fr"),
    ("mangr mulhous", "fr"),
    ("hello", "en"),
    ("where can I sleep in Colmar tonight", "en"),
    ("i need clothes mulhouse", "en"),
    ("food strasbourg", "en"),
    ("doctor colmar", "en"),
    ("comida", "es"),
    ("comida Estrasburgo", "es"),
    ("donde puedo dormir", "es"),
    ("necesito una ducha", "es"),
    ("comida grátis Colmar", "pt"),
    ("onde posso dormir", "pt"),
    ("preciso tomar banho", "pt"),
    ("vull menjar", "ca"),
    ("on puc dormir aquesta nit", "ca"),
    ("necessito una dutxa", "ca"),
    ("mâncare Mulhouse", "ro"),
    ("unde pot să dorm", "ro"),
    ("am nevoie de haine", "ro"),
    ("еда Страсбург", "ru"),
    ("ночлег Кольмар", "ru"),
    ("где можно поесть", "ru"),
    ("мне нужны вещи", "ru"),
    ("їжа Страсбург", "uk"),
    ("де поспати Мюлуз", "uk"),
    ("потрібен лікар", "uk"),
    ("хочу їсти", "uk"),
    ("طعام مولوز", "ar"),
    ("مكان للنوم كولمار", "ar"),
    ("خبز colmar", "ar"),
    ("أين أنام الليلة", "ar"),
    ("غذا مولوز", "fa"),
    ("جای خواب میخوام", "fa"),
    ("دکتر کجاست", "fa"),
    ("ډوډۍ غواړم", "ps"),
    ("د خوب ځای", "ps"),
    ("ډاکټر چیرته دی", "ps"),
    ("საჭმელი", "ka"),
    ("სად დავიძინო Strasbourg", "ka"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_detects(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_hint_decides_when_the_text_does_not() -> None:
    assert detect_language("colmar", hint="en") == "en"
    assert detect_language("67000", hint="ar") == "ar"
    assert detect_language("ok", hint="en") == "en"


def test_text_outweighs_a_hint() -> None:
    assert detect_language("je cherche une douche", hint="en") == "fr"
    assert detect_language("ночлег", hint="fr") == "ru"


def test_unknown_hint_is_ignored() -> None:
    assert detect_language("colmar", hint="de") == "fr"


@pytest.mark.parametrize("text", ["\x00\x01", "🙂🙏", "a" * 10_000, "'; DROP TABLE x; --", "\u202e\u200b"])
def test_bad_input(text: str) -> None:
    assert detect_language(text) in LANGUAGES


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # a persona trial (2026-12-06): the first was answered in French, with French lessons sought
        ("je parle pas francais. english. i need sleep colmar", "en"),
        ("i don't speak french, where can i eat in colmar", "en"),
        ("no hablo frances, donde dormir en colmar", "es"),
        ("je parle pas bien francais je veux apprendre a saint louis", "fr"),  # said in French
        # said alone, the words tell their own language (a review, 2026-12-06)
        ("no hablo frances", "es"),
        ("nu vorbesc franceza", "ro"),
        ("не розмовляю французькою", "uk"),
    ],
)
def test_the_words_saying_no_french_are_not_the_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected
