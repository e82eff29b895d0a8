"""The French place a free-text message names (offline, in the gazetteer), and the street address in it."""

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
from search.textnorm import alternation, fold, fold_map, token_spans

__all__ = ["PlaceMatch", "find_place", "names_a_street", "street_span"]

log = logging.getLogger(__name__)

PLM = {"75056": ("75", 20, "Paris"), "69123": ("69", 9, "Lyon"), "13055": ("13", 16, "Marseille")}
MAX_CHARS = 1500  # a place is named early; a 10 kB paste must not cost more than a short SMS

CUES = place_words("cue")  # words that introduce a place: "à", "vers", "near", "в", "في"
STATION_CUES = place_words("station")
HOSPITAL_CUES = place_words("hospital")
# "sorti de l'hôpital": where one was, not where one is (a persona trial, 2026-12-06: distances from
# an endoscopy clinic for a man just out of hospital asking where to sleep in Strasbourg)
LEFT_CUES = frozenset(place_words("left"))
STRONG_CUES = place_words("strong_cue")  # "vers", "près", "near": surely a place after them
_WELL_KNOWN = 20_000  # inhabitants: a town far from home written as a common word must be this big
_ARR_WORDS = place_words("arrondissement")
_PREFIXES = locales.prefixes()  # particles written onto a town's name: بمولوز
_ORDINAL = re.compile(r"^(\d{1,2})(e|eme|er|ere|ieme|em|me|nd|th|st|rd|°)?$")
_POSTCODE = re.compile(r"^\d{5}$")
_DEPT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2a|2b|97[1-6])$")
# "12 rue …", "3 bis, avenue …": a number then a street word (locales/<lang>/places.tsv).
_STREET = re.compile(
    rf"(?<!\w)\d{{1,4}}\s*(?:{alternation(place_words('house_suffix'))})?,?\s+(?P<street>{alternation(place_words('street'))})(?!\w)"
)
# What may follow the street word in an address: words that end it, words that keep a town in the street's
# name ("rue de Colmar"), and the shapes of its pieces.
_ADDRESS_END = place_words("address_end") | place_words("closing")
_STREET_LINKS = place_words("street_link")
_STREET_ALONE = place_words("street_alone")  # "2 Grande Rue": the street word is the whole name
_ABBREVIATIONS = place_words("address_abbreviation") | {w.split("=")[0] for w in place_words("abbreviation")}
_MAX_STREET_WORDS = 8  # "rue du Général Maréchal de Lattre de Tassigny" is 7
_MAX_SPAN_CHARS = 80
_CHUNK = re.compile(r"\S+")
_TRAILING = ',.;:!?…)]}»"”'
_OPENING = "([{«\"“'+<"  # a bracket, a quote, a phone's "+": no longer the address
_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*'?|\d{1,2}(?:er|ere|e|eme|ieme|nd|th|st|rd)")  # on folded text
_NUMBER = re.compile(r"[1-9]\d{0,3}")
_LINE_BREAK = re.compile(r"[\n\r\v\f\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    point: Point
    label: str  # "Mulhouse (68)"
    insee: str | None
    kind: str  # commune|postcode|locality|station|hospital|arrondissement|geocoder|position|abroad
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


def street_span(text: str) -> str | None:
    """The street address a message writes and nothing else, or None: all a remote geocoder may read.

    From the house number through the street's name, then a postcode and/or a town right after it
    ("12 rue de la Paix 68100 Mulhouse", "3 avenue Jean Jaurès, Strasbourg"). It ends before a word of
    `address_end` (a pronoun, a verb, a need, a time: "12 rue de la paix mon mari me frappe"), a phone
    number, an e-mail, punctuation other than a comma before a town, a line break, a word in another
    script, or past 8 words of name or 80 characters. Spaces come out single, and a town after "à" or
    "in" after a comma, so the span of a span is itself."""
    if not isinstance(text, str):
        return None
    text = text[:MAX_CHARS]
    folded, where = fold_map(text)
    for m in _STREET.finditer(folded):
        alone = " ".join(m.group("street").split()) in _STREET_ALONE
        span = _address_at(text, where[m.start()], where[m.end() - 1] + 1, alone=alone)
        if span is not None:
            return span
    return None


_Named = tuple[list[str], tuple[str, ...], str]  # a street's name words, the town after it, what joins them


@dataclass(frozen=True, slots=True)
class _Chunk:
    raw: str  # as written, without the punctuation after it
    key: str  # folded
    tail: str  # the punctuation after it
    broken: bool  # a line break or an opening bracket or quote before it


def _chunks(text: str, at: int) -> list[_Chunk]:
    found: list[_Chunk] = []
    prev = at
    for c in _CHUNK.finditer(text, at):
        raw = c.group().rstrip(_TRAILING)
        broken = _LINE_BREAK.search(text, prev, c.start()) is not None or c.group()[0] in _OPENING
        found.append(_Chunk(raw, fold(raw), c.group()[len(raw) :], broken))
        prev = c.end()
    return found


def _address_at(text: str, start: int, street_end: int, *, alone: bool) -> str | None:
    """The address whose house number starts at `start` and whose street word ends at `street_end`;
    `alone`: the street word is a whole name ("2 Grande Rue")."""
    head = " ".join(text[start:street_end].split())
    chunks = _chunks(text, street_end)
    tail = ""
    if chunks and not text[street_end].isspace():  # "av." or "rue," written onto the street word
        glued = chunks.pop(0)
        if glued.raw:
            return None
        tail = glued.tail
        if tail == "." and len(head.split()[-1]) <= 3:
            head, tail = head + ".", ""
    g = gazetteer()
    names: list[str] = []
    town: tuple[str, ...] = ()
    sep = ", "
    if tail == "," and alone:
        town = _town(g, chunks, any_size=True)
    elif not tail:
        names, town, sep = _street_name(g, chunks, alone=alone)
    while names and _NUMBER.fullmatch(names[-1]) and len(names[-1]) < 4:  # "… paix 3 enfants": no bare 3
        names.pop()
    while names and len(" ".join([head, *names])) > _MAX_SPAN_CHARS:
        names.pop()
    if not names and not alone:
        return None
    span = " ".join([head, *names])
    with_town = span + sep + " ".join(town)
    return with_town if town and len(with_town) <= _MAX_SPAN_CHARS else span


def _street_name(g: Gazetteer, chunks: list[_Chunk], *, alone: bool) -> _Named:
    """The words of a street's name at the start of chunks, then the town after it and what joins
    them (", " after a comma or a cue)."""
    names: list[str] = []
    for i, c in enumerate(chunks):
        if c.broken or not c.key or len(names) == _MAX_STREET_WORDS:
            break
        if _ends(c.key):
            if c.key in CUES and not c.tail:  # "à Mulhouse", "in Colmar"
                return names, _town(g, chunks[i + 1 :], any_size=True), ", "
            break
        if _POSTCODE.fullmatch(c.key):
            return names, _town(g, chunks[i:], any_size=True), " "
        linked = bool(names) and fold(names[-1]) in _STREET_LINKS  # "rue du 8 mai", "rue de Colmar"
        if _NUMBER.fullmatch(c.key):
            after = chunks[i + 1] if i + 1 < len(chunks) else None
            year = len(c.key) == 4 and any(n.isdigit() for n in names)  # "rue du 8 mai 1945"
            named = (
                after is not None and bool(_WORD.fullmatch(after.key)) and not _STREET.match(f"1 {after.key}")
            )
            if c.tail not in ("", ",") or not (year or (linked and named)):
                break  # "06 12 …", "3 enfants", "14 rue …": "rue du 8 mai", "rue des 3 rois"
        elif c.key[0].isdigit() and not linked:
            break  # "3e étage", but "rue du 1er mai"
        elif not _WORD.fullmatch(c.key):
            break  # an e-mail, a link, "+33…", another script
        elif (names or alone) and not linked:
            town = _town(g, chunks[i:], any_size=False)  # "… de la Paix Mulhouse", not "… de Colmar"
            if town:
                return names, town, " "
        abbreviated = c.tail == "." and (len(c.key) == 1 or c.key in _ABBREVIATIONS)
        names.append(c.raw + "." if abbreviated else c.raw)
        if c.tail == ",":
            return names, _town(g, chunks[i + 1 :], any_size=True), ", "
        if c.tail and not abbreviated:
            break  # "paix." ends a sentence; "St.", "Gal.", "J." do not
    return names, (), " "


def _ends(key: str) -> bool:
    """A word that ends an address: "mon", or one it is written onto ("j'ai", "aidez-moi")."""
    first = re.split(r"['-]", key, maxsplit=1)[0]
    return key in _ADDRESS_END or first in _ADDRESS_END or (first != key and f"{first}'" in _ADDRESS_END)


def _town(g: Gazetteer, chunks: list[_Chunk], *, any_size: bool) -> tuple[str, ...]:
    """A postcode and/or a town's name at the start of chunks, as written. Right after a street's name
    (no comma, no postcode) only a town big or near enough to be meant: not Marie (06) in "rue Marie"."""

    def postcode(k: int) -> bool:
        return k < len(chunks) and not chunks[k].broken and chunks[k].key in g.postcodes

    pieces: list[str] = []
    k = 0
    if postcode(0):
        pieces.append(chunks[0].raw)
        if chunks[0].tail:
            return tuple(pieces)
        k, any_size = 1, True  # "68100 Cernay" is that Cernay, however small
    for n in range(min(4, len(chunks) - k), 0, -1):
        group = chunks[k : k + n]
        if any(c.broken or _ends(c.key) or not _WORD.fullmatch(c.key) for c in group):
            continue
        if any(c.tail for c in group[:-1]):
            continue
        key = " ".join(canon(t) for c in group for t in re.split(r"['-]", c.key) if t)
        if key in g.common:
            continue
        towns = [g.communes[ins] for ins, kind, _ in g.names.get(key, ()) if kind in ("commune", "exonym")]
        if any(any_size or t.pop >= 2000 or t.dept in HOME_DEPARTMENTS for t in towns):
            pieces.extend(c.raw for c in group)
            if not pieces[0].isdigit() and not group[-1].tail and postcode(k + n):
                pieces.append(chunks[k + n].raw)  # "Mulhouse 68100"
            break
    return tuple(pieces)


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

    def cues(i: int, j: int, top: Town) -> tuple[bool, bool, bool, bool]:
        """(strong cue, weak cue, capitalised, its department): "à Pain" / "a pain" / "Pain" inside a
        sentence. The town's own department or postcode after it is a strong cue ("munster 68");
        another number is not ("bus 15")."""
        before = toks[i - 1] if i > 0 else ""
        after = toks[j] if j < n else ""
        raw_before = text[spans[i - 1][1] : spans[i - 1][2]] if i > 0 else ""
        its_department = (
            bool(_DEPT.match(after) or _POSTCODE.match(after)) and after[:2].upper() == top.dept[:2]
        )
        strong = raw_before in ("à", "À") or before in STRONG_CUES or its_department
        return strong, before in CUES, text[spans[i][1]].isupper() and i > 0, its_department

    def accept(key: str, i: int, j: int, kind: str, top: Town) -> bool:
        """Ordinary words that are also commune names ("pain", "montagne", "still") need a cue."""
        strong, weak, cap, department = cues(i, j, top)
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
            # "je suis à l'hôpital" is no L'Hôpital (Moselle, 5,000 people): far from home, a small
            # town written as common words needs its capital or its department, "à" is not enough.
            named = strong and (known or cap or department)
            return named or tail or (cap and local_or_big and len(key) > 3)
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
    if kind == "hospital" and any(t in LEFT_CUES for t in toks[max(0, cue_i - 4) : cue_i]):
        return None
    town = max(hits, key=lambda h: h.score) if hits else None
    insee = _choose(g, town.insees, hints, home).insee if town else None
    if insee is not None and g.communes[insee].dept not in g.landmark_departments:
        return None
    # The town's own name names none of its landmarks; a quarter said for it may ("Hautepierre")
    town_toks = set(toks[town.start : town.end]) if town else set()
    if insee is not None:
        town_toks &= {canon(t) for t, _, _ in token_spans(g.communes[insee].name)}
    words = {
        t
        for i, t in enumerate(toks)
        if i != cue_i and len(t) >= 3 and t not in g.common and t not in town_toks and not t.isdigit()
    }
    best: tuple[float, Poi] | None = None
    for p in g.pois:
        if p.kind != kind or (insee is not None and p.insee != insee):
            continue
        words_of_it = float(sum(1 for w in set(p.key) if w in words))
        score = words_of_it + (0.5 * p.main if kind == "station" else 0.3 * p.main)
        if insee is None and score < 1 or kind == "hospital" and words_of_it < 1:
            # "l'hôpital de Strasbourg" names none of its hospitals: the town, not the first listed
            # (a persona trial, 2026-12-06: an endoscopy centre)
            continue
        if best is None or score > best[0]:
            best = (score, p)
    if best is None:
        return None
    p = best[1]
    named = [i for i, t in enumerate(toks) if t in p.key or (town and town.start <= i < town.end)]
    end = max([cue_i, *named])
    return PlaceMatch(Point(p.lat, p.lon), p.label, p.insee, kind, (spans[cue_i][1], spans[end][2]), 0.85)
