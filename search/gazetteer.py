"""The offline gazetteer: every French commune, postcode, locality, landmark and foreign name of a town,
indexed once for the place reader (search/places.py)."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import locales
from db import commune_rows, landmarks, localities
from search.prebuilt import Parts, load_or_build, parts, unchanged
from search.textnorm import fold, token_spans
from search.when import PHRASE_KEYS


def place_words(key: str) -> frozenset[str]:
    """One kind of word of locales/<lang>/places.tsv, every language together, folded."""
    return frozenset(fold(word) for word in locales.words("places", key))


HOME_DEPARTMENTS = ("67", "68")  # where the service runs unless configured: homonyms lean there

# Case endings of inflected town names: Страсбурзі, კოლმარში.
_ENDINGS = tuple(sorted(place_words("ending"), key=len, reverse=True))
_GENERIC_FIRST = place_words("generic_first")  # "Saint", "Ville": too common as a town's first word alone


@dataclass(slots=True)
class Town:
    insee: str
    name: str
    dept: str
    lat: float
    lon: float
    pop: int


@dataclass(slots=True)
class Poi:
    key: tuple[str, ...]
    label: str
    kind: str  # station | hospital
    insee: str
    lat: float
    lon: float
    main: bool


@dataclass(slots=True)
class Gazetteer:
    # Read back from search/prebuilt.py as Parts: a town or a name made when it is first looked up.
    communes: Mapping[str, Town] = field(default_factory=dict)
    # key -> list of (insee, kind, strength); kind commune|alias|exonym|locality
    names: Mapping[str, list[tuple[str, str, float]]] = field(default_factory=dict)
    postcodes: Mapping[str, list[str]] = field(default_factory=dict)  # postal code -> insee, as Parts
    stems: dict[str, list[str]] = field(default_factory=dict)  # Cyrillic/Georgian/Arabic stem -> insee
    pois: list[Poi] = field(default_factory=list)
    common: frozenset[str] = frozenset()
    time_starts: frozenset[str] = frozenset()  # first words of time phrases ("ce" soir, "demain")
    fuzzy_keys: list[str] = field(default_factory=list)
    sounds: dict[str, list[str]] = field(default_factory=dict)  # sound(key) -> fuzzy keys
    max_n: int = 1
    landmark_departments: frozenset[str] = frozenset()  # where stations and hospitals are listed


_CANON = dict(pair.split("=", 1) for pair in place_words("abbreviation"))  # "st" → "saint"
_LATIN_ONLY = re.compile(r"[\x00-\u024f]*")


def canon(tok: str) -> str:
    return _CANON.get(tok, tok)


_LATIN_KEY = re.compile(r"[a-z0-9]+")


def _key_tokens(text: str) -> tuple[str, ...]:
    """Name tokens; a fast path for the 40,000 Latin-script names keeps the index build short."""
    if _LATIN_ONLY.fullmatch(text):
        flat = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae"))
        toks = _LATIN_KEY.findall(flat.encode("ascii", "ignore").decode().lower())
        return tuple([_CANON.get(t, t) for t in toks])
    return tuple(canon(t) for t, _, _ in token_spans(text))


def stem(tok: str) -> str:
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


def _build(home: tuple[str, ...]) -> Gazetteer:
    """Indexes built from the csv.gz files: nothing binary is shipped (search/prebuilt.py keeps what a
    process built, for the next one)."""
    communes: dict[str, Town] = {}
    names: dict[str, list[tuple[str, str, float]]] = {}
    postcodes: dict[str, list[str]] = {}
    g = Gazetteer(communes, names, postcodes)
    common = set(place_words("common"))
    for line in locales.shared_text("places/common_words.txt").splitlines():
        if not line.startswith("#"):
            common.update(fold(w) for w in line.split())
    g.common = frozenset(common)
    starts = set(place_words("closing"))  # "svp", "please": a town may end the message before them
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
        names.setdefault(k, []).append((insee, kind, strength))
        if len(key) > g.max_n:
            g.max_n = len(key)

    for row in commune_rows():
        insee = row.insee
        if row.postal_code:
            postcodes.setdefault(row.postal_code, []).append(insee)
        if insee in g.communes:
            continue
        c = Town(insee, row.name, row.dept, row.lat, row.lon, row.population)
        communes[insee] = c
        if insee[:3] in ("751", "132") or insee.startswith("6938"):
            continue  # arrondissements are reached through their city and number
        key = _key_tokens(c.name)
        add(key, insee, "commune", 1.0)
        known = c.pop >= 2000 or c.dept in home
        if len(key) > 1 and key[0] in ("le", "la", "les", "l") and known and " ".join(key[1:]) not in common:
            add(key[1:], insee, "alias", 0.85)
        if (
            len(key) > 1
            and len(key[0]) >= 5
            and key[0] not in _GENERIC_FIRST
            and key[0] not in common
            and (c.pop >= 20000 or c.dept in home)
        ):
            add(key[:1], insee, "alias", 0.8)
        if (
            len(key) > 2
            and key[0] in ("saint", "sainte")
            and key[1] not in common
            and len(key[1]) >= 3
            and (c.pop >= 10000 or c.dept in home)
        ):
            add(key[:2], insee, "alias", 0.8)  # "saint dié" for Saint-Dié-des-Vosges
    for locality in localities():
        if locality.insee in g.communes:
            add(_key_tokens(locality.name), locality.insee, "locality", 0.75)
    for insee, form in _towns():
        key = _key_tokens(form)
        add(key, insee, "exonym", 0.95)
        if len(key) == 1 and not key[0].isascii():
            g.stems.setdefault(stem(key[0]), []).append(insee)
    for r in landmarks():
        kind = "station" if r.kind == "gare" else "hospital"
        label = r.label if kind == "station" else f"{r.name.title()} ({r.commune_name or r.dept})"
        key = _key_tokens(r.name)
        main = kind == "station" and fold(r.name) == fold(r.commune_name or "")
        if kind == "hospital":
            main = any(w in key for w in ("centre", "hopital")) and "jour" not in key and "soins" not in key
        g.pois.append(Poi(key, label, kind, r.insee, r.lat, r.lon, main))
    g.landmark_departments = frozenset(g.communes[p.insee].dept for p in g.pois if p.insee in g.communes)
    g.fuzzy_keys = sorted(
        k
        for k, lst in g.names.items()
        if k.isascii()
        and len(k) >= 5
        and k not in common
        and any(s >= 0.95 and _big_enough(g.communes[i], home) for i, _, s in lst)
    )
    for k in g.fuzzy_keys:
        g.sounds.setdefault(sound(k), []).append(k)
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


def sound(key: str) -> str:
    for pattern, repl in _SOUNDS:
        key = pattern.sub(repl, key)
    return key


FUZZY_POPULATION = 50_000  # a misspelt town away from home is a city: "bordeau", not "plein" for Plérin
FUZZY_HOME_POPULATION = 1000


def _big_enough(c: Town, home: tuple[str, ...]) -> bool:
    """Whether a typo may stand for this town: cities anywhere, any real town at home. Smaller places
    away from home sit one letter from too many ordinary words (Mende "monde", Crest "chest")."""
    return c.pop >= FUZZY_POPULATION or (c.dept in home and c.pop >= FUZZY_HOME_POPULATION)


def _town(row: Any) -> Town:
    return Town(*row)


def _plain(g: Gazetteer) -> object:
    """The gazetteer as builtins, for search/prebuilt.py: towns and landmarks as tuples, each town,
    each name's readings and each postal code's towns as its own marshal data (prebuilt.Parts: reading
    back 35,000 towns and 38,000 names as objects cost 80 ms at a process's first message, which looks
    up a few; the 6,300 postal codes' lists of towns were 2.4 MB of a web worker)."""
    communes = parts(g.communes, lambda c: (c.insee, c.name, c.dept, c.lat, c.lon, c.pop), _town)
    pois = [(p.key, p.label, p.kind, p.insee, p.lat, p.lon, p.main) for p in g.pois]
    return (
        communes.data,
        parts(g.names, unchanged, unchanged).data,
        parts(g.postcodes, unchanged, unchanged).data,
        g.stems,
        pois,
        g.common,
        g.time_starts,
        g.fuzzy_keys,
        g.sounds,
        g.max_n,
        g.landmark_departments,
    )


def _from_plain(plain: Any) -> Gazetteer:
    communes, names, postcodes, stems, pois, common, starts, fuzzy, sounds, max_n, landmarks = plain
    return Gazetteer(
        communes=Parts(communes, _town),
        names=Parts(names, unchanged),
        postcodes=Parts(postcodes, unchanged),
        stems=stems,
        pois=[Poi(*p) for p in pois],
        common=common,
        time_starts=starts,
        fuzzy_keys=fuzzy,
        sounds=sounds,
        max_n=max_n,
        landmark_departments=landmarks,
    )


_LOCK = threading.Lock()
_BUILT: dict[tuple[str, ...], Gazetteer] = {}  # one per set of home departments: one in a deployment


def gazetteer(home: tuple[str, ...] = HOME_DEPARTMENTS) -> Gazetteer:
    """Built on first use (about 1 s), or read back from the last process's build (search/prebuilt.py):
    local towns of the home departments get more short names."""
    found = _BUILT.get(home)
    if found is None:
        with _LOCK:
            found = _BUILT.get(home)
            if found is None:
                name = "gazetteer_" + "_".join(home)
                found = _BUILT[home] = load_or_build(name, lambda: _build(home), _plain, _from_plain)
    return found
