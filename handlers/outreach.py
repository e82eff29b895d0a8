"""What an outreach volunteer says on the street: how far the person can walk ("à pied", "2 km max",
"pas plus de 20 min à pied") and "ici" for the last position they shared or wrote
(locales/<lang>/filters.tsv and places.tsv), and how long a walk takes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import locales
from handlers.i18n import distance, t
from handlers.terms import FoldedText, alternatives, pattern

WALK_KMH = 4.5  # an adult's pace on a pavement, a little slow: the person may be tired or carrying bags
WALK_KM = 2.0  # "à pied" with no number: about 25 minutes, what most people will walk to a meal
WALK_MAX_KM = 5.0  # farther than this, a walking time is no help (an hour and more)
MIN_KM, MAX_KM = 0.1, 30.0  # a limit outside these is a misreading ("0 m") or no walking limit at all

_WALK = pattern(locales.words("filters", "walk"))
_HERE = pattern(locales.words("places", "here"))
_UNITS = {unit: alternatives(locales.words("filters", f"unit.{unit}")) for unit in ("km", "m", "min")}
_AMOUNT = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,5}(?:[.,]\d{1,2})?)\s*"
    rf"(?:(?P<km>{_UNITS['km']})|(?P<m>{_UNITS['m']})|(?P<min>{_UNITS['min']}))(?!\w)"
)
_BEFORE = re.compile(rf"(?<!\w)(?:{alternatives(locales.words('filters', 'distance.before'))})\s+$")
_AFTER = re.compile(rf"^\s+(?:{alternatives(locales.words('filters', 'distance.after'))})(?!\w)")


@dataclass(frozen=True, slots=True)
class Walk:
    """How far the person can go on foot: `max_km` None when the message sets no limit."""

    max_km: float | None
    spans: tuple[tuple[int, int], ...]  # characters of the message that said it


def read_walk(text: str) -> Walk:
    """ "à pied" alone is a walk of WALK_KM; a number and a unit count with a cue before or after it
    ("moins de 1 km", "2 km max") or in a message that says it walks ("à 20 min à pied"), never
    alone: "rdv à 15 min" is a time, "5 m" a size."""
    folded = FoldedText.of(text)
    words = folded.text
    walks = [m.span() for m in _WALK.finditer(words)]
    limits: list[tuple[float, tuple[int, int]]] = []
    for m in _AMOUNT.finditer(words):
        cued = _BEFORE.search(words[: m.start()]) or _AFTER.match(words[m.end() :])
        if not (cued or walks):
            continue
        amount = float(m.group("n").replace(",", "."))
        km = amount if m.group("km") else amount / 1000 if m.group("m") else amount / 60 * WALK_KMH
        if km > 0:
            limits.append((min(MAX_KM, max(MIN_KM, km)), m.span()))
    spans = tuple(folded.original(a, b) for a, b in (*walks, *(span for _, span in limits)))
    if limits:
        return Walk(min(km for km, _ in limits), spans)
    return Walk(WALK_KM if walks else None, spans)


def says_here(text: str) -> bool:
    """ "ici", "near me": the place is the person's last known position."""
    return _HERE.search(FoldedText.of(text).text) is not None


def walking_minutes(meters: float) -> int:
    """Minutes on foot at WALK_KMH, straight-line distance times 1.25 for the streets, rounded up to 5
    past a quarter of an hour: a promise of "12 min" is kept better as "15 min"."""
    minutes = meters * 1.25 / 1000 / WALK_KMH * 60
    if minutes <= 15:
        return max(1, math.ceil(minutes))
    return 5 * math.ceil(minutes / 5)


def walking_distance(meters: float, lang: str) -> str:
    """ "1,2 km · 20 min à pied"; past WALK_MAX_KM the distance alone: nobody walks 16 km to a meal."""
    if meters > WALK_MAX_KM * 1000:
        return distance(meters, lang)
    return t(
        lang,
        "{distance} · {minutes} min walk",
        distance=distance(meters, lang),
        minutes=walking_minutes(meters),
    )
