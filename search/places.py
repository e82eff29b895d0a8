"""Finding the French place a free-text message names, offline, in the gazetteer."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

import locales
from search.gazetteer import (
    HOME_DEPARTMENTS,
    Gazetteer,
    Poi,
    Town,
    canon,
    gazetteer,
    place_words,
    sound,
    stem,
)
from search.geo import Point
from search.lexicon import lexicon
from search.textnorm import alternation, fold, token_spans

__all__ = ["PlaceMatch", "find_place", "names_a_street"]

log = logging.getLogger(__name__)

PLM = {"75056": ("75", 20, "Paris"), "69123": ("69", 9, "Lyon"), "13055": ("13", 16, "Marseille")}
MAX_CHARS = 1500  # a place is named early; a 10 kB paste must not cost more than a short SMS

CUES = place_words("cue")  # words that introduce a place: "à", "vers", "near", "в", "في"
STATION_CUES = place_words("station")
HOSPITAL_CUES = place_words("hospital")
STRONG_CUES = place_words("strong_cue")  # "vers", "près", "near": surely a place after them
_WELL_KNOWN = 20_000  # inhabitants: a town far from home written as a common word must be this big
_ARR_WORDS = place_words("arrondissement")
_PREFIXES = locales.prefixes()  # particles written onto a town's name: بمولوز
_ORDINAL = re.compile(r"^(\d{1,2})(e|eme|er|ere|ieme|em|me|nd|th|st|rd|°)?$")
_POSTCODE = re.compile(r"^\d{5}$")
_DEPT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2a|2b|97[1-6])$")
# "12 rue …", "3 bis, avenue …": a number then a street word (locales/<lang>/places.tsv).
_STREET = re.compile(
    rf"(?<!\w)\d{{1,4}}\s*(?:{alternation(place_words('house_suffix'))})?,?\s+(?:{alternation(place_words('street'))})(?!\w)"
)


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    point: Point
    label: str  # "Mulhouse (68)"
    insee: str | None
    kind: str  # commune | postcode | locality | station | hospital | arrondissement | geocoder
    span: tuple[int, int] | None  # characters of the input that named the place
    confidence: float


def _choose(g: Gazetteer, insees: Iterable[str], hints: set[str], home: tuple[str, ...]) -> Town:
    """Homonyms: a department named in the message first, then the home departments, then population."""
    cands = [g.communes[i] for i in dict.fromkeys(insees)]
    hinted = [c for c in cands if c.dept in hints]
    cands = hinted or cands
    return max(cands, key=lambda c: (c.pop + 1) * (20 if c.dept in home else 1))


def _label(c: Town) -> str:
    if c.insee in PLM or c.dept not in ("75", "69", "13") or "Arrondissement" not in c.name:
        return f"{c.name} ({c.dept})"
    return f"{c.name.replace(' Arrondissement', '')} ({c.dept})"


@dataclass(slots=True)
class _Hit:
    insees: list[str]
    kind: str
    start: int  # token index
    end: int  # token index, exclusive
    score: float


def names_a_street(text: str) -> bool:
    """Whether a message writes a street address, which a street geocoder reads better than the
    gazetteer of towns."""
    return _STREET.search(fold(text)) is not None


def find_place(text: str, *, home_depts: tuple[str, ...] = HOME_DEPARTMENTS) -> PlaceMatch | None:
    """The place a message names, or None. Never raises on odd input."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return _find(text[:MAX_CHARS], home_depts)
    except Exception:  # noqa: BLE001 - a parsing bug must not lose the user's message
        log.exception("find_place failed")
        return None


def _find(text: str, home: tuple[str, ...]) -> PlaceMatch | None:
    g = gazetteer(home)
    spans = token_spans(text)
    if not spans:
        return None
    toks = [canon(t) for t, _, _ in spans]
    n = len(toks)
    hints = {t.upper() if t in ("2a", "2b") else t for t in toks if _DEPT.match(t)}
    hints |= {t[:2] for t in toks if _POSTCODE.match(t)}

    def span(i: int, j: int) -> tuple[int, int]:
        return (spans[i][1], spans[j - 1][2])

    def cues(i: int, j: int, top: Town) -> tuple[bool, bool, bool]:
        """(strong cue, weak cue, capitalised): "à Pain" / "a pain" / "Pain" inside a sentence. The
        town's own department or postcode after it is a strong cue ("munster 68"); another number
        is not ("bus 15")."""
        before = toks[i - 1] if i > 0 else ""
        after = toks[j] if j < n else ""
        raw_before = text[spans[i - 1][1] : spans[i - 1][2]] if i > 0 else ""
        its_department = (
            bool(_DEPT.match(after) or _POSTCODE.match(after)) and after[:2].upper() == top.dept[:2]
        )
        strong = raw_before in ("à", "À") or before in STRONG_CUES or its_department
        return strong, before in CUES, text[spans[i][1]].isupper() and i > 0

    def accept(key: str, i: int, j: int, kind: str, top: Town) -> bool:
        """Ordinary words that are also commune names ("pain", "montagne", "still") need a cue."""
        strong, weak, cap = cues(i, j, top)
        local_or_big = top.dept in home or top.pop >= 2000 or kind == "exonym"
        if key.isdigit():
            return False
        if all(t in g.common for t in key.split()) or len(key) <= 2:
            # "douche a nice" names the town, "a nice place" does not: after a weak cue, a common
            # word counts only when nothing but a time, a number or the end of the message follows.
            ends = j == n or toks[j].isdigit() or toks[j] in g.time_starts
            before_tok = toks[i - 1] if i > 0 else ""  # "en ville" is no town, "a nice" is
            known = top.dept in home or top.pop >= _WELL_KNOWN  # "a nice", not "in mana" (Guiana)
            tail = before_tok in ("a", "in", "at") and ends and known and len(key) > 3
            return strong or tail or (cap and local_or_big and len(key) > 3)
        if len(key) <= 3:
            return strong or weak or cap
        if kind == "locality":
            return top.dept in home or strong or weak
        if kind == "alias":
            return local_or_big
        return local_or_big or strong or weak

    hits: list[_Hit] = []
    used = [False] * n
    i = 0
    while i < n:
        for m in range(min(g.max_n, n - i), 0, -1):
            key = " ".join(toks[i : i + m])
            lst = g.names.get(key)
            if not lst:
                continue
            best = max(s for _, _, s in lst)
            insees = [ins for ins, _, s in lst if s == best]
            kind = next(k for _, k, s in lst if s == best)
            top = _choose(g, insees, hints, home)
            if not accept(key, i, i + m, kind, top):
                continue
            size = 0.02 * math.log10(top.pop + 10) + (0.05 if top.dept in home else 0.0)
            score = best + 0.05 * m + (0.05 if i > 0 and toks[i - 1] in CUES else 0.0) + size
            if len(key) <= 3:
                score -= 0.1
            hits.append(_Hit(insees, kind, i, i + m, score))
            for k in range(i, i + m):
                used[k] = True
            i += m - 1
            break
        i += 1

    for i, t in enumerate(toks):
        if _POSTCODE.match(t) and t in g.postcodes:
            hits.append(_Hit(g.postcodes[t], "postcode", i, i + 1, 1.2))
            used[i] = True

    if not any(h.kind != "locality" for h in hits):
        hits.extend(_inflected(g, toks, used))
        if not hits:
            hits.extend(_fuzzy(g, toks, used))

    poi = _poi(g, text, toks, spans, hits, hints, home)
    if poi is not None:
        return poi
    if not hits:
        return None
    hit = max(hits, key=lambda h: h.score)
    c = _choose(g, hit.insees, hints, home)
    if hit.kind == "postcode":
        return PlaceMatch(Point(c.lat, c.lon), _label(c), c.insee, "postcode", span(hit.start, hit.end), 0.95)
    if c.insee in PLM:
        arr = _arrondissement(g, c.insee, toks, hit.end)
        if arr is not None:
            a, j = arr
            return PlaceMatch(
                Point(a.lat, a.lon),
                _label(a),
                a.insee,
                "arrondissement",
                span(hit.start, max(j, hit.end)),
                0.9,
            )
    kind = "locality" if hit.kind == "locality" else "commune"
    conf = min(0.99, max(0.3, hit.score - 0.15))
    return PlaceMatch(Point(c.lat, c.lon), _label(c), c.insee, kind, span(hit.start, hit.end), round(conf, 2))


def _arrondissement(g: Gazetteer, city: str, toks: list[str], after: int) -> tuple[Town, int] | None:
    """ "paris 18", "lyon 3e", "marseille 13eme", or "13e arrondissement" anywhere next to the city."""
    dept, count, _ = PLM[city]
    first = {"75": "751", "69": "6938", "13": "132"}[dept]
    cands: list[tuple[int, int]] = []
    if after < len(toks) and (m := _ORDINAL.match(toks[after])):
        cands.append((int(m.group(1)), after + 1))
    if after + 1 < len(toks) and toks[after] in _ARR_WORDS and toks[after + 1].isdigit():
        cands.append((int(toks[after + 1]), after + 2))
    for i, t in enumerate(toks[:-1]):
        if (m := _ORDINAL.match(t)) and toks[i + 1] in _ARR_WORDS:
            cands.append((int(m.group(1)), i + 2))
    for num, end in cands:
        if 1 <= num <= count:
            insee = f"{first}{num:02d}" if dept != "69" else f"{first}{num}"
            if insee in g.communes:
                return g.communes[insee], end
    return None


def _inflected(g: Gazetteer, toks: list[str], used: list[bool]) -> list[_Hit]:
    """Other scripts: case endings (Страсбурзі, კოლმარში) and Arabic clitics (بمولوز)."""
    hits: list[_Hit] = []
    for i, t in enumerate(toks):
        if used[i] or t.isascii() or len(t) < 4:
            continue
        found: list[str] = []
        if t in g.common:
            continue
        for p in _PREFIXES:
            rest = t[len(p) :]
            if t.startswith(p) and rest not in g.common and (lst := g.names.get(rest)):
                found = [ins for ins, _, _ in lst]  # "بمولوز": in Mulhouse; "بالليل" is "at night", not Lille
                break
        if not found:
            st = stem(t)
            found = g.stems.get(st, [])
            if not found and len(st) >= 5:
                for other, ins in g.stems.items():
                    close = abs(len(other) - len(st)) <= 1 and other[0] == st[0]
                    if close and Levenshtein.distance(other, st) <= 1:
                        found = ins
                        break
        if found:
            hits.append(_Hit(found, "exonym", i, i + 1, 0.85))
    return hits


def _fuzzy(g: Gazetteer, toks: list[str], used: list[bool]) -> list[_Hit]:
    """Typos and SMS spellings against the towns people are likely to name (big or local ones)."""
    words = lexicon().vocabulary  # the need words of 12 languages: "tardes" is no typo of Tarbes
    hits: list[_Hit] = []
    for i, t in enumerate(toks):
        if used[i] or not t.isalpha() or not t.isascii() or len(t) < 5 or t in g.common or t in words:
            continue
        for m in (2, 1):
            if i + m > len(toks):
                continue
            q = " ".join(toks[i : i + m])
            maxd = 1 if len(q) <= 8 else 2
            found = process.extract(q, g.fuzzy_keys, scorer=OSA.distance, score_cutoff=maxd, limit=8)
            found = [f for f in found if f[0][0] == q[0] and f[0] != q]
            if not found and len(q) >= 6 and len(heard := sound(q)) >= 5:
                found = [(k, maxd, 0) for k in g.sounds.get(heard, ())]
            if not found:
                continue
            d = min(f[1] for f in found)
            insees = [ins for f in found if f[1] == d for ins, _, s in g.names[f[0]] if s >= 0.95]
            if insees:
                hits.append(_Hit(insees, "fuzzy", i, i + m, 0.8 - 0.1 * d))
                break
    return hits


def _poi(
    g: Gazetteer,
    text: str,
    toks: list[str],
    spans: list[tuple[str, int, int]],
    hits: list[_Hit],
    hints: set[str],
    home: tuple[str, ...],
) -> PlaceMatch | None:
    """Stations and hospitals of Alsace, when the message says "gare" or "hôpital"."""
    cue_i = next((i for i, t in enumerate(toks) if t in STATION_CUES or t in HOSPITAL_CUES), None)
    if cue_i is None:
        return None
    kind = "station" if toks[cue_i] in STATION_CUES else "hospital"
    town = max(hits, key=lambda h: h.score) if hits else None
    insee = _choose(g, town.insees, hints, home).insee if town else None
    if insee is not None and g.communes[insee].dept not in g.landmark_departments:
        return None
    town_toks = set(toks[town.start : town.end]) if town else set()
    words = {
        t
        for i, t in enumerate(toks)
        if i != cue_i and len(t) >= 3 and t not in g.common and t not in town_toks and not t.isdigit()
    }
    best: tuple[float, Poi] | None = None
    for p in g.pois:
        if p.kind != kind or (insee is not None and p.insee != insee):
            continue
        score = float(sum(1 for w in set(p.key) if w in words))
        score += 0.5 * p.main if kind == "station" else 0.3 * p.main
        if insee is None and score < 1:
            continue
        if best is None or score > best[0]:
            best = (score, p)
    if best is None:
        return None
    p = best[1]
    named = [i for i, t in enumerate(toks) if t in p.key or (town and town.start <= i < town.end)]
    end = max([cue_i, *named])
    return PlaceMatch(Point(p.lat, p.lon), p.label, p.insee, kind, (spans[cue_i][1], spans[end][2]), 0.85)
