"""The few words that steer the conversation (STOP, PLUS, a number, a language), read before any search."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import locales
from handlers.terms import alternatives, fold, fold_message

MAX_CHARS = 1000  # a need and a place are named early; a pasted page must not cost more than a message


class Command(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    MENU = "menu"
    MORE = "more"
    NUMBER = "number"
    LANGUAGE_MENU = "language_menu"
    LANGUAGE = "language"
    THANKS = "thanks"
    ACK = "ack"  # "ok", "oui": a nod, not a question
    FORGET = "forget"  # "oublie-moi": delete the conversation


@dataclass(frozen=True, slots=True)
class Parsed:
    command: Command | None
    number: int | None = None
    lang: str | None = None  # the language asked for (LANGUAGE), or the one the command word is in


def clean(text: str, limit: int | None = MAX_CHARS) -> str:
    """Control characters out, whitespace collapsed, length capped (`limit`, None for the whole
    message: a crisis may be said at the end of a long story): what every reader receives."""
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\u200c" else c for c in text
    )
    return re.sub(r"\s+", " ", kept).strip()[:limit]


def _folded(terms: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(term) for term in terms)


def _commands(key: str) -> frozenset[str]:
    """One command's words, every language together (locales/<lang>/commands.tsv)."""
    return _folded(locales.words("commands", key))


_STOP = _commands("stop")
_START = _commands("start")
_HELP = _commands("help") | _commands("greeting")  # a first "bonjour" is answered with the help
_THANKS = _commands("thanks")
_MENU = _commands("menu")
_MORE = _commands("more")
_LANG_MENU = _commands("language_menu")
_ACK = _commands("ack")
_FORGET = _commands("forget")


# Politeness around a command word: "stop svp", "plus merci", "help please".
_POLITE = re.compile(
    rf"^(?:{alternatives(locales.words('commands', 'polite_before'))})\s+"
    rf"|\s+(?:{alternatives(locales.words('commands', 'polite_after'))})$"
)

# Whole-message ways to pick a language directly: codes, autonyms, French and English names.
LANGUAGE_WORDS: dict[str, str] = {
    fold(word): lang
    for lang in locales.LANGUAGES
    for word in locales.word_lists(lang, "commands").get("names", ())
}


def _identifying() -> dict[str, str]:
    """Command words only one language uses: a first "unsubscribe" or "help" is answered in English,
    a first "ayuda" in Spanish. A word two languages list says nothing."""
    seen: dict[str, set[str]] = {}
    for lang in locales.LANGUAGES:
        for word in locales.word_lists(lang, "commands").get("identifies", ()):
            seen.setdefault(fold(word), set()).add(lang)
    return {word: next(iter(langs)) for word, langs in seen.items() if len(langs) == 1}


COMMAND_LANGUAGE = _identifying()


def _steering(text: str) -> str:
    """The message folded, without the "svp"/"please" around a command word."""
    word = fold_message(text)
    return _POLITE.sub("", word).strip() or word


def parse(text: str) -> Parsed:
    """What a short steering message asks; `command=None` for everything else (a need, a place…)."""
    bare = text.strip()
    if bare in ("+", "?"):
        return Parsed(Command.MORE if bare == "+" else Command.HELP)
    word = _steering(text)
    if not word:
        return Parsed(None)
    parsed = _command(word)
    if parsed.command not in (None, Command.LANGUAGE, Command.NUMBER):
        return Parsed(parsed.command, lang=COMMAND_LANGUAGE.get(word))
    return parsed


def _command(word: str) -> Parsed:
    if word in _STOP:
        return Parsed(Command.STOP)
    if word in _START:
        return Parsed(Command.START)
    if word in _FORGET:
        return Parsed(Command.FORGET)
    if word in _HELP:
        return Parsed(Command.HELP)
    if word in _THANKS:
        return Parsed(Command.THANKS)
    if word in _MENU:
        return Parsed(Command.MENU)
    if word in _MORE:
        return Parsed(Command.MORE)
    if word in _LANG_MENU:
        return Parsed(Command.LANGUAGE_MENU)
    if word in _ACK:
        return Parsed(Command.ACK)
    if word in LANGUAGE_WORDS:
        return Parsed(Command.LANGUAGE, lang=LANGUAGE_WORDS[word])
    match = re.fullmatch(r"(?:n[°o]?\s*|#\s*)?(\d{1,6})", word)
    if match:
        return Parsed(Command.NUMBER, number=int(match.group(1)))
    return Parsed(None)
