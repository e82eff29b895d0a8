"""A message → what the search needs: needs, place, time window and the reply language."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from db import taxonomy
from search.coordinates import find_position
from search.gazetteer import HOME_DEPARTMENTS
from search.language import detect_language
from search.needs import Need, find_needs
from search.places import PlaceMatch, find_place
from search.when import TimeWindow, find_when, for_the_night

log = logging.getLogger(__name__)

MAX_CHARS = 2000  # an SMS is 160; past this a message is junk or a paste, and reading it costs time
SLEEP_ROOT = "accomodation_and_housing"  # any need under it is about where to sleep


@cache
def _sleeping_needs() -> frozenset[str]:
    return taxonomy().descendants(SLEEP_ROOT)


@dataclass(frozen=True, slots=True)
class Understanding:
    language: str
    needs: tuple[Need, ...]
    candidates: tuple[Need, ...]  # unsure readings the conversation may offer as a numbered choice
    place: PlaceMatch | None
    when: TimeWindow | None
    confidence: float


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The text with these characters as spaces: the readers skip them, other spans stay where they were."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def understand(
    text: str,
    now: datetime,
    *,
    language_hint: str | None = None,
    home_depts: tuple[str, ...] = HOME_DEPARTMENTS,
    not_places: Sequence[tuple[int, int]] = (),
) -> Understanding:
    """The place and time are read first so that their words (a town called "Pain", "ce soir") are
    not read again as needs; but the names of kinds of services ("halte de nuit", "CHU") come before
    both, and `not_places` (a crisis phrase: "plus la force") is never read as a place."""
    text = text[:MAX_CHARS]
    named_services = tuple(n.span for n in find_needs(text).needs if n.name and n.span)
    # A position written out ("@48.58,7.74", a map link) is the place; its digits are no time or postcode.
    position = find_position(text)
    place = (
        PlaceMatch(position.point, position.label, position.insee, position.kind, position.span, 1.0)
        if position is not None
        else find_place(_blank(text, (*named_services, *not_places)), home_depts=home_depts)
    )
    when = find_when(_blank(text, (*named_services, *((position.span,) if position else ()))), now)
    said_when = (when.said or ((when.span,) if when.span else ())) if when else ()
    spans = (*((place.span,) if place else ()), *said_when)  # not needs: "dormir" between two times is one
    language = detect_language(text, hint=language_hint)
    reading = find_needs(text, ignore_spans=spans, lang=language)
    named = (*reading.needs, *reading.candidates)
    if when is not None and any(n.category in _sleeping_needs() for n in named):
        when = for_the_night(when)  # "a bed for today" is for tonight
    parts = [n.confidence for n in reading.needs] + ([place.confidence] if place else [])
    confidence = round(min(parts), 3) if parts else 0.0
    return Understanding(language, reading.needs, reading.candidates, place, when, confidence)
