"""Who is asking and what they bring (a dog, a wheelchair), read cheaply from the words of a message."""

from __future__ import annotations

import locales
from handlers.terms import folded_text, pattern
from search import Filters

_KEYS = ("women", "men", "animals", "free", "wheelchair", "couple", "family")
_PATTERNS = {key: pattern(locales.words("filters", key)) for key in _KEYS}


def read_filters(text: str) -> Filters:
    words = folded_text(text)
    found = {key for key, regex in _PATTERNS.items() if regex.search(words)}
    family = "couple" if "couple" in found else "family" if "family" in found else None
    genders = sorted(found & {"women", "men"})  # both named: a couple or a family, no gender filter
    return Filters(
        gender=genders[0] if len(genders) == 1 else None,
        family=family,
        free="free" in found,
        animals="animals" in found,
        wheelchair="wheelchair" in found,
    )
