"""Who is asking and what they bring (a man, a couple, a dog, a wheelchair), read from the words of a
message (locales/<lang>/filters.tsv): a women-only shelter must never be offered to a man or a couple."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import locales
from handlers.terms import Expressions, FoldedText, alternatives, expressions, whole
from search import Filters

_KEYS = (
    "women",
    "men",
    "men.with",  # "avec mon père": a man comes along, so not alone, and no women-only place
    "couple",
    "family",
    "pregnant",
    "isolated",
    "animals",
    "free",
    "wheelchair",
    "no_referral",  # "sans orientation": a place one may walk into, never the information-point need
    "undocumented",  # "sans papiers" (Who.undocumented); the words stay a need ("j'ai pas de papiers")
)
_SELF = ("women", "men")  # "no, I'm a man": a negation before says nothing of who is asking


def _words(key: str) -> str:
    return whole(alternatives(locales.words("filters", key)))


def _sources() -> dict[str, str]:
    return {
        **{key: _words(key) for key in _KEYS},
        # Look-alikes that cancel a term they overlap: Ukrainian "мій чоловік" is "my husband", not a
        # man asking.
        **{f"{key}.not": _words(f"{key}.not") for key in _KEYS},
        # "sans chien", "pas d'enfants", "without my dog": what follows is not coming along;
        # "ძაღლის გარეშე" (without a dog), "un homme me suit" (someone else): what follows cancels
        # what precedes.
        "not_before": rf"(?:{_words('not_before')})(?:'|\s+(?:\S+\s+)?)$",
        "not_after": rf"^\s+(?:{_words('not_after')})",
        "other": _words("other"),  # "et pour ma soeur", "and for a woman with a baby": someone else
        "along": _words("along"),  # "moi et ma fille de 12 ans": the sender comes with the one told of
    }


@cache
def _expressions() -> Expressions:
    """Made at first use (or read back: handlers.terms.expressions), not when the module is imported."""
    return expressions("filters", _sources)


@dataclass(frozen=True, slots=True)
class Who:
    filters: Filters
    spans: tuple[tuple[int, int], ...]  # characters of the message that said who is asking
    without: frozenset[str] = frozenset()  # what the message says is not coming: "pas de chien"
    other: bool = False  # the message asks for someone it names ("pour ma soeur"), maybe not the last one
    along: bool = False  # the sender comes along ("moi et ma fille", "avec mon fils", "on est")
    # "sans papiers": said, never kept nor searched on (places for asylum seekers may be theirs too),
    # only answered: the emergency shelter is for everyone
    undocumented: bool = False


def prepare() -> None:
    """Every expression compiled now, not at a person's first message."""
    _expressions().compile_all()


def read_who(text: str) -> Who:
    folded = FoldedText.of(text)
    words = folded.text
    found: dict[str, list[tuple[int, int]]] = {}
    unsaid: list[tuple[int, int]] = []  # "sans chien": not coming along, and not sought either
    negations: set[str] = set()
    expression = _expressions()
    not_before, not_after = expression["not_before"], expression["not_after"]
    for key in _KEYS:
        lookalikes = [m.span() for m in expression[f"{key}.not"].finditer(words)]
        for match in expression[key].finditer(words):
            negated = (key not in _SELF and not_before.search(words[: match.start()])) or not_after.match(
                words[match.end() :]
            )
            overlapped = any(a < match.end() and match.start() < b for a, b in lookalikes)
            if not negated and not overlapped:
                found.setdefault(key, []).append(match.span())
            elif negated and not overlapped:
                unsaid.append(match.span())
                negations.add(key)
    couples = found.get("couple", [])

    def said(key: str) -> bool:
        """Said outside a couple's words: "avec ma femme" is a couple, not a woman asking."""
        return any(not any(a <= s and e <= b for a, b in couples) for s, e in found.get(key, []))

    genders = [g for g in ("women", "men") if said(g) or (g == "men" and said("men.with"))]
    family = (
        "couple"
        if couples or ("women" in genders and "men" in genders)
        else "pregnant"
        if said("pregnant")
        else "family"
        if said("family")
        else "isolated"
        if said("isolated") or (genders == ["men"] and not said("men.with"))  # a man naming no one else
        else None
    )
    filters = Filters(
        gender=genders[0] if len(genders) == 1 and not couples else None,
        family=family,
        free=said("free"),
        animals=said("animals"),
        wheelchair=said("wheelchair"),
        no_referral=said("no_referral"),
    )
    # "j'ai pas de papiers" alone asks for help with them (needs.tsv: a situation), so its words stay
    kept = (s for key, f in found.items() if key != "undocumented" for s in f)
    spans = tuple(folded.original(a, b) for a, b in (*kept, *unsaid))
    other = expression["other"].search(words) is not None
    along = expression["along"].search(words) is not None
    return Who(filters, spans, frozenset(negations - found.keys()), other, along, said("undocumented"))


def read_filters(text: str) -> Filters:
    return read_who(text).filters
