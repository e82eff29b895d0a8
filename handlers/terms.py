"""Words as the conversation compares them: folded like the search layer folds, and word lists of
locales/ as regular expressions over a message folded the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable

from search import alternation
from search import fold as search_fold

_AROUND = " .!?¡¿,;:-_*'\"()"  # punctuation around a word: "stop!", "(femmes)"


def fold(text: str) -> str:
    """Lower case, Latin accents off, digits of every script as ASCII, no punctuation around."""
    return search_fold(text).strip(_AROUND).strip()


def folded_text(text: str) -> str:
    """Each word folded, one space between words."""
    return " ".join(fold(word) or word for word in text.split())


def _folded_term(term: str) -> str:
    words = " ".join(fold(word) for word in term.rstrip("*").split())
    return words + "*" if words and term.endswith("*") else words


def alternatives(terms: Iterable[str]) -> str:
    """Terms folded, as one alternation for a larger expression (a final "*": any ending)."""
    return alternation(term for term in map(_folded_term, terms) if term)


def pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """One expression for a list of terms: a term may have several words (any spacing between them)
    and may end with "*" (any ending); a match is a whole word or phrase of `folded_text`."""
    return re.compile(rf"(?<!\w)(?:{alternatives(terms)})(?!\w)")
