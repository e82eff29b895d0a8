"""The steering words, in several languages and spellings."""

from __future__ import annotations

import pytest

from handlers.keywords import MAX_CHARS, Command, clean, parse


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("STOP", Command.STOP),
        ("stop", Command.STOP),
        ("Arrêt", Command.STOP),
        ("ARRET", Command.STOP),
        ("STOPALL", Command.STOP),
        ("Unsubscribe", Command.STOP),
        ("START", Command.START),
        ("démarrer", Command.START),
        ("plus", Command.MORE),
        ("PLUS", Command.MORE),
        ("+", Command.MORE),
        ("more", Command.MORE),
        ("suite", Command.MORE),
        ("más", Command.MORE),
        ("ещё", Command.MORE),
        ("далі", Command.MORE),
        ("المزيد", Command.MORE),
        ("aide", Command.HELP),
        ("help", Command.HELP),
        ("?", Command.HELP),
        ("menu", Command.MENU),
        ("МЕНЮ", Command.MENU),
        ("langue", Command.LANGUAGE_MENU),
        ("language", Command.LANGUAGE_MENU),
        ("زبان", Command.LANGUAGE_MENU),
        ("manger", None),
        ("je cherche à manger", None),
        ("", None),
        ("stop la violence", None),
    ],
)
def test_commands(text: str, command: Command | None) -> None:
    assert parse(clean(text)).command is command


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("en", "en"),
        ("English", "en"),
        ("français", "fr"),
        ("Francais", "fr"),
        ("عربي", "ar"),
        ("العربية", "ar"),
        ("Español", "es"),
        ("русский", "ru"),
        ("پښتو", "ps"),
        ("فارسی", "fa"),
        ("українська", "uk"),
        ("català", "ca"),
        ("ქართული", "ka"),
        ("română", "ro"),
        ("português", "pt"),
    ],
)
def test_language_words(text: str, lang: str) -> None:
    parsed = parse(clean(text))
    assert parsed.command is Command.LANGUAGE and parsed.lang == lang


@pytest.mark.parametrize(
    ("text", "number"), [("3", 3), (" 12 ", 12), ("٣", 3), ("۴", 4), ("n°2", 2), ("#5", 5)]
)
def test_numbers(text: str, number: int) -> None:
    parsed = parse(clean(text))
    assert parsed.command is Command.NUMBER and parsed.number == number


def test_clean_removes_control_characters_and_caps_length() -> None:
    assert clean("a\x00b\x07\u202ec\r\nd") == "a b c d"
    assert len(clean("x" * 10_000)) == MAX_CHARS
