"""Word lists of locales/ as regular expressions over a message folded like the lists are."""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.keywords import fold


def folded_text(text: str) -> str:
    """Each word folded (lower case, no accents, Eastern digits as ASCII), one space between words."""
    return " ".join(fold(word) or word for word in text.lower().replace("’", "'").split())


def pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """One expression for a list of terms: a term may have several words (any spacing between them)
    and may end with "*" (any ending); a match is a whole word or phrase of `folded_text`."""
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        folded = " ".join(fold(word) for word in term.rstrip("*").split())
        if not folded:
            continue
        body = re.escape(folded).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if term.endswith("*") else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts or ["(?!x)x"]) + r")(?!\w)")


def alternatives(terms: Iterable[str]) -> str:
    """Terms as a regex alternation, longest first, for a larger expression."""
    return "|".join(re.escape(fold(term)) for term in sorted(set(terms), key=len, reverse=True))
