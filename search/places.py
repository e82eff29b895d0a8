"""Finding the French place a free-text message names, offline, plus geopy geocoders built on it."""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

import locales
from db import commune_rows, landmarks, localities
from search.geo import Point
from search.lexicon import lexicon
from search.textnorm import fold, token_spans
from search.when import PHRASE_KEYS

__all__ = ["PlaceMatch", "find_place"]

log = logging.getLogger(__name__)

PLM = {"75056": ("75", 20, "Paris"), "69123": ("69", 9, "Lyon"), "13055": ("13", 16, "Marseille")}
MAX_CHARS = 1500  # a place is named early; a 10 kB paste must not cost more than a short SMS


def _places(key: str) -> frozenset[str]:
    """One kind of word of locales/<lang>/places.tsv, every language together, folded."""
    return frozenset(fold(word) for word in locales.words("places", key))


CUES = _places("cue")  # words that introduce a place: "à", "vers", "near", "в", "في"
STATION_CUES = _places("station")
HOSPITAL_CUES = _places("hospital")
STRONG_CUES = _places("strong_cue")  # "vers", "près", "near": surely a place after them
_ARR_WORDS = _places("arrondissement")
_ORDINAL = re.compile(r"^(\d{1,2})(e|eme|er|ere|ieme|em|me|nd|th|st|rd|°)?$")
_POSTCODE = re.compile(r"^\d{5}$")
_DEPT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2a|2b|97[1-6])$")
# Case endings of inflected town names (Страсбурзі, კოლმარში) and particles written onto them (بمولوز).
_ENDINGS = tuple(sorted(_places("ending"), key=len, reverse=True))
_PREFIXES = locales.prefixes()
_GENERIC_FIRST = _places("generic_first")  # "Saint", "Ville": too common as a town's first word alone


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    point: Point
    label: str  # "Mulhouse (68)"
    insee: str | None
    kind: str  # commune | postcode | locality | station | hospital | arrondissement | geocoder
    span: tuple[int, int] | None  # characters of the input that named the place
    confidence: float


@dataclass(slots=True)
class _Commune:
    insee: str
    name: str
    dept: str
    lat: float
    lon: float
    pop: int


@dataclass(slots=True)
class _Poi:
    key: tuple[str, ...]
    label: str
    kind: str  # station | hospital
    insee: str
    lat: float
    lon: float
    main: bool


@dataclass(slots=True)
class _Gazetteer:
    communes: dict[str, _Commune] = field(default_factory=dict)
    # key -> list of (insee, kind, strength); kind commune|alias|exonym|locality
    names: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)
    postcodes: dict[str, list[str]] = field(default_factory=dict)
    stems: dict[str, list[str]] = field(default_factory=dict)  # Cyrillic/Georgian/Arabic stem -> insee
    pois: list[_Poi] = field(default_factory=list)
    common: frozenset[str] = frozenset()
    time_starts: frozenset[str] = frozenset()  # first words of time phrases ("ce" soir, "demain")
    fuzzy_keys: list[str] = field(default_factory=list)
    sounds: dict[str, list[str]] = field(default_factory=dict)  # _sound(key) -> fuzzy keys
    max_n: int = 1


_CANON = dict(pair.split("=", 1) for pair in _places("abbreviation"))  # "st" → "saint"
_LATIN_ONLY = re.compile(r"[\x00-\u024f]*")


def _canon(tok: str) -> str:
    return _CANON.get(tok, tok)


_LATIN_KEY = re.compile(r"[a-z0-9]+")


def _key_tokens(text: str) -> tuple[str, ...]:
    """Name tokens; a fast path for the 40,000 Latin-script names keeps the index build short."""
    if _LATIN_ONLY.fullmatch(text):
        flat = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae"))
        toks = _LATIN_KEY.findall(flat.encode("ascii", "ignore").decode().lower())
        return tuple([_CANON.get(t, t) for t in toks])
    return tuple(_canon(t) for t, _, _ in token_spans(text))


def _stem(tok: str) -> str:
    """A town name without its case ending; only inflected scripts list endings, and an ending of
    one script never ends a word of another."""
    for e in _ENDINGS:
        if tok.endswith(e) and len(tok) - len(e) >= 3:
            return tok[: -len(e)]
    return tok


def _towns() -> Iterable[tuple[str, str]]:
    """(INSEE code, a name of the town in another language or script): the shared Latin forms, then
    each language's own (locales/<lang>/towns.tsv)."""
    for line in locales.shared_text("places/towns.tsv").splitlines():
        if line.strip() and not line.startswith("#"):
            code, names = line.split("\t")
            yield from ((code, name) for name in names.split("|"))
    for lang in locales.LANGUAGES:
        for code, forms in locales.word_lists(lang, "towns").items():
            yield from ((code, form) for form in forms)


def _build() -> _Gazetteer:
    """Indexes built from the csv.gz at first use (about 0.2 s), so nothing binary is shipped or cached."""
    g = _Gazetteer()
    common = set(_places("common"))
    for line in locales.shared_text("places/common_words.txt").splitlines():
        if not line.startswith("#"):
            common.update(fold(w) for w in line.split())
    g.common = frozenset(common)
    starts = set(_places("closing"))  # "svp", "please": a town may end the message before them
    for phrase_key in PHRASE_KEYS:
        for form in locales.words("when", phrase_key):
            toks = [t for t, _, _ in token_spans(form)]
            if toks:
                starts.add(toks[0])
    g.time_starts = frozenset(starts)

    seen: set[tuple[str, str]] = set()

    def add(key: tuple[str, ...], insee: str, kind: str, strength: float) -> None:
        """The first (strongest) reading of a name for a commune wins: communes come before aliases."""
        if not key:
            return
        k = " ".join(key)
        if (k, insee) in seen:
            return
        seen.add((k, insee))
        g.names.setdefault(k, []).append((insee, kind, strength))
        if len(key) > g.max_n:
            g.max_n = len(key)

    for row in commune_rows():
        insee = row.insee
        if row.postal_code:
            g.postcodes.setdefault(row.postal_code, []).append(insee)
        if insee in g.communes:
            continue
        c = _Commune(insee, row.name, row.dept, row.lat, row.lon, row.population)
        g.communes[insee] = c
        if insee[:3] in ("751", "132") or insee.startswith("6938"):
            continue  # arrondissements are reached through their city and number
        key = _key_tokens(c.name)
        add(key, insee, "commune", 1.0)
        known = c.pop >= 2000 or c.dept in ("67", "68")
        if len(key) > 1 and key[0] in ("le", "la", "les", "l") and known and " ".join(key[1:]) not in common:
            add(key[1:], insee, "alias", 0.85)
        if (
            len(key) > 1
            and len(key[0]) >= 5
            and key[0] not in _GENERIC_FIRST
            and key[0] not in common
            and (c.pop >= 20000 or c.dept in ("67", "68"))
        ):
            add(key[:1], insee, "alias", 0.8)
        if (
            len(key) > 2
            and key[0] in ("saint", "sainte")
            and key[1] not in common
            and len(key[1]) >= 3
            and (c.pop >= 10000 or c.dept in ("67", "68"))
        ):
            add(key[:2], insee, "alias", 0.8)  # "saint dié" for Saint-Dié-des-Vosges
    for locality in localities():
        if locality.insee in g.communes:
            add(_key_tokens(locality.name), locality.insee, "locality", 0.75)
    for insee, form in _towns():
        key = _key_tokens(form)
        add(key, insee, "exonym", 0.95)
        if len(key) == 1 and not key[0].isascii():
            g.stems.setdefault(_stem(key[0]), []).append(insee)
    for r in landmarks():
        kind = "station" if r.kind == "gare" else "hospital"
        label = r.label if kind == "station" else f"{r.name.title()} ({r.commune_name or r.dept})"
        key = _key_tokens(r.name)
        main = kind == "station" and fold(r.name) == fold(r.commune_name or "")
        if kind == "hospital":
            main = any(w in key for w in ("centre", "hopital")) and "jour" not in key and "soins" not in key
        g.pois.append(_Poi(key, label, kind, r.insee, r.lat, r.lon, main))
    home = ("67", "68")
    g.fuzzy_keys = sorted(
        k
        for k, lst in g.names.items()
        if k.isascii()
        and len(k) >= 5
        and k not in common
        and any(s >= 0.95 and _big_enough(g.communes[i], home) for i, _, s in lst)
    )
    for k in g.fuzzy_keys:
        g.sounds.setdefault(_sound(k), []).append(k)
    return g


# French spelling that sounds alike, for town names written by ear: "ribovillé" (Ribeauvillé),
# "selesta" (Sélestat), "kolmar", "vittenaim". Applied to both the name and the message word.
_SOUNDS = (
    (re.compile(r"eau|au"), "o"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck|qu|c(?=[aou])"), "k"),
    (re.compile(r"(?<![cs])h"), ""),
    (re.compile(r"y"), "i"),
    (re.compile(r"w"), "v"),
    (re.compile(r"ei|ai"), "e"),
    (re.compile(r"gu(?=[ei])"), "g"),
    (re.compile(r"z"), "s"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"(?<=...)[estxdg]+$"), ""),
)


def _sound(key: str) -> str:
    for pattern, repl in _SOUNDS:
        key = pattern.sub(repl, key)
    return key


def _big_enough(c: _Commune, home: tuple[str, ...]) -> bool:
    return c.pop >= 8000 or (c.dept in home and c.pop >= 1000)


_LOCK = threading.Lock()
_GAZ: _Gazetteer | None = None


def _gazetteer() -> _Gazetteer:
    global _GAZ
    if _GAZ is None:
        with _LOCK:
            if _GAZ is None:
                _GAZ = _build()
    return _GAZ


def _choose(g: _Gazetteer, insees: Iterable[str], hints: set[str], home: tuple[str, ...]) -> _Commune:
    """Homonyms: a department named in the message first, then the home departments, then population."""
    cands = [g.communes[i] for i in dict.fromkeys(insees)]
    hinted = [c for c in cands if c.dept in hints]
    cands = hinted or cands
    return max(cands, key=lambda c: (c.pop + 1) * (20 if c.dept in home else 1))


def _label(c: _Commune) -> str:
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


def find_place(text: str, *, home_depts: tuple[str, ...] = ("67", "68")) -> PlaceMatch | None:
    """The place a message names, or None. Never raises on odd input."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return _find(text[:MAX_CHARS], home_depts)
    except Exception:  # noqa: BLE001 - a parsing bug must not lose the user's message
        log.exception("find_place failed")
        return None


def _find(text: str, home: tuple[str, ...]) -> PlaceMatch | None:
    g = _gazetteer()
    spans = token_spans(text)
    if not spans:
        return None
    toks = [_canon(t) for t, _, _ in spans]
    n = len(toks)
    hints = {t.upper() if t in ("2a", "2b") else t for t in toks if _DEPT.match(t)}
    hints |= {t[:2] for t in toks if _POSTCODE.match(t)}

    def span(i: int, j: int) -> tuple[int, int]:
        return (spans[i][1], spans[j - 1][2])

    def cues(i: int, j: int) -> tuple[bool, bool, bool]:
        """(strong cue, weak cue, capitalised): "à Pain" / "a pain" / "Pain" inside a sentence."""
        before = toks[i - 1] if i > 0 else ""
        after = toks[j] if j < n else ""
        raw_before = text[spans[i - 1][1] : spans[i - 1][2]] if i > 0 else ""
        strong = (
            raw_before in ("à", "À")
            or before in STRONG_CUES
            or bool(_DEPT.match(after) or _POSTCODE.match(after))
        )
        return strong, before in CUES, text[spans[i][1]].isupper() and i > 0

    def accept(key: str, i: int, j: int, kind: str, top: _Commune) -> bool:
        """Ordinary words that are also commune names ("pain", "montagne", "still") need a cue."""
        strong, weak, cap = cues(i, j)
        local_or_big = top.dept in home or top.pop >= 2000 or kind == "exonym"
        if key.isdigit():
            return False
        if all(t in g.common for t in key.split()) or len(key) <= 2:
            # "douche a nice" names the town, "a nice place" does not: after a weak cue, a common
            # word counts only when nothing but a time, a number or the end of the message follows.
            ends = j == n or toks[j].isdigit() or toks[j] in g.time_starts
            before_tok = toks[i - 1] if i > 0 else ""  # "en ville" is no town, "a nice" is
            tail = before_tok in ("a", "in", "at") and ends and local_or_big and len(key) > 3
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


def _arrondissement(g: _Gazetteer, city: str, toks: list[str], after: int) -> tuple[_Commune, int] | None:
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


def _inflected(g: _Gazetteer, toks: list[str], used: list[bool]) -> list[_Hit]:
    """Other scripts: case endings (Страсбурзі, კოლმარში) and Arabic clitics (بمولوز)."""
    hits: list[_Hit] = []
    for i, t in enumerate(toks):
        if used[i] or t.isascii() or len(t) < 4:
            continue
        found: list[str] = []
        for p in _PREFIXES:
            if t.startswith(p) and (lst := g.names.get(t[len(p) :])):
                found = [ins for ins, _, _ in lst]
                break
        if not found:
            st = _stem(t)
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


def _fuzzy(g: _Gazetteer, toks: list[str], used: list[bool]) -> list[_Hit]:
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
            if not found and len(q) >= 6 and len(sound := _sound(q)) >= 5:
                found = [(k, maxd, 0) for k in g.sounds.get(sound, ())]
            if not found:
                continue
            d = min(f[1] for f in found)
            insees = [ins for f in found if f[1] == d for ins, _, s in g.names[f[0]] if s >= 0.95]
            if insees:
                hits.append(_Hit(insees, "fuzzy", i, i + m, 0.8 - 0.1 * d))
                break
    return hits


def _poi(
    g: _Gazetteer,
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
    if insee is not None and g.communes[insee].dept not in ("67", "68"):
        return None
    town_toks = set(toks[town.start : town.end]) if town else set()
    words = {
        t
        for i, t in enumerate(toks)
        if i != cue_i and len(t) >= 3 and t not in g.common and t not in town_toks and not t.isdigit()
    }
    best: tuple[float, _Poi] | None = None
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
