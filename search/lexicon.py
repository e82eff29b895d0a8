"""The need lexicon of every language (locales/<lang>/needs.tsv): terms, stems, patterns, typo correction.

Read by the need matcher (search/needs.py), the language reader (search/language.py) and the place
reader (need words are never typos of town names).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

import locales
from db import communes, taxonomy
from locales import LANGUAGES
from search.prebuilt import load_or_build, unchanged
from search.textnorm import token_spans

log = logging.getLogger(__name__)

CACHE_WORDS = 4096  # words users send: the caches keyed on them are bounded

GLUE = "~"  # a small word that may sit inside a phrase ("laver MON linge")
NONE = "-"  # a word of the language that names no need
SELF = "@self"  # the sender describing themselves: "je suis", "I'm", "soy", "я"
ASK = "@ask"  # the sender asking, after telling: "je cherche", "j'ai besoin", "I need", "busco"
# Kinds of term (fourth column): a job the sender may hold, a situation rather than a service.
ROLE = "role"  # "travailleuse sociale": no need right after "je suis"
SITUATION = "situation"  # "sans papiers", "no tengo papeles": a need only when nothing else is asked
NAME = "name"  # "halte de nuit", "accueil de jour", "CHU": a kind of service, read before times and places
LABEL_WEIGHT = 0.8  # a category's own name in the taxonomy, for operators who write it out
# Labels that only mean something under their parent ("Consultations et soins" of addictions).
_LABELS_NEED_PARENT = frozenset(
    {
        "addiction_care",
        "addiction_prevention_and_material",
        "sexual_health_education",
        "mental_health_education",
        "other_activities",
    }
)
_MIN_FUZZ = 5  # shorter words must be spelled exactly: "soir" is one letter from "soin"
MIN_STEM = 4

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Spellings that vary between keyboards and writers (Persian yeh and kaf, alef maksura, teh marbuta,
# Russian ё), one form each for matching (the "fold" line of locales/<lang>/language.tsv); the
# language reader looks at the raw letters instead.
_LETTERS = str.maketrans(dict(pair for lang in LANGUAGES for pair in locales.info(lang).fold))


@dataclass(frozen=True, slots=True)
class Entry:
    category: str  # a category id, GLUE or NONE
    weight: float
    lang: str
    upper: bool  # an acronym that only counts when written in capitals...
    after: frozenset[str] = frozenset()  # ...or in lower case right after one of these words ("l ame")
    kind: str = ""  # ROLE, SITUATION or ""
    name: bool = False  # a service's own name ("halte de nuit", "CHU"): its words are no time or place


@dataclass(frozen=True, slots=True)
class Pattern:
    """A term with stems among its words ("бросить* пить*", "lăsa bagaj*"): its words match in any
    order, inflected, with at most one other word among them; inflected languages move words around."""

    elems: tuple[str, ...]  # a word, or a stem ending in "*"
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    phrases: dict[tuple[str, ...], tuple[Entry, ...]]  # every term as its full token sequence
    content: dict[tuple[str, ...], tuple[Entry, ...]]  # multi-word terms without their glue words
    first: dict[str, tuple[int, ...]]  # first token -> lengths of the phrases starting with it, longest first
    stems: dict[str, tuple[Entry, ...]]  # "douch" -> entries, from "douch*"
    vocabulary: frozenset[str]  # every token of every term: words that need no correction
    glue: frozenset[str]
    buckets: dict[str, tuple[str, ...]]  # first letter -> vocabulary tokens worth correcting towards
    by_lang: dict[str, frozenset[str]]  # the tokens each language's file uses (for the language reader)
    accented: dict[str, frozenset[str]]  # its words written with their diacritics ("grátis" is Portuguese)
    patterns: dict[str, tuple[Pattern, ...]]  # first three letters of a pattern's first word -> patterns
    frames: frozenset[tuple[str, ...]]  # self-descriptions: ("je", "suis"), ("i", "m"), ("soy",)
    asks: frozenset[tuple[str, ...]]  # what asks: ("je", "cherche"), ("besoin",), ("i", "need")


def match_key(word: str) -> str:
    """A folded token in the form both the lexicon and the messages are compared in."""
    return word.translate(_ARABIC_DIGITS).translate(_LETTERS)


def _keys(term: str) -> tuple[str, ...]:
    return tuple(match_key(tok) for tok, _, _ in token_spans(term))


def _rows(lang: str) -> Iterable[tuple[str, str, float, str]]:
    """term, category, weight, flags of locales/<lang>/needs.tsv (format: locales/README.md)."""
    for parts in locales.rows(lang, "needs"):
        if len(parts) < 2:
            continue
        weight = float(parts[2]) if len(parts) > 2 and parts[2].strip() else 1.0
        yield parts[0].strip(), parts[1].strip(), weight, parts[3].strip() if len(parts) > 3 else ""


def _entry(term: str, category: str, weight: float, lang: str, flags: str) -> Entry:
    """Fourth column: "role", "situation", "name", or "after=l|la|mon" (an acronym also read in lower
    case right after one of these words: "demande d ame", "la pass")."""
    after: frozenset[str] = frozenset()
    kind = ""
    name = False
    for flag in flags.split():
        if flag.startswith("after="):
            after = frozenset(match_key(w) for w in flag[len("after=") :].split("|") if w)
        elif flag in (ROLE, SITUATION):
            kind = flag
        elif flag == NAME:
            name = True
        else:
            log.warning("lexicon %s: unknown flag %s", lang, flag)
    return Entry(category, weight, lang, upper=term != term.lower(), after=after, kind=kind, name=name)


def _pattern_elems(term: str) -> tuple[str, ...]:
    """The words of a term with stems, each folded like a message token; a stem keeps its "*"."""
    elems: list[str] = []
    for word in term.split():
        stem = word.endswith("*")
        keys = _keys(word[:-1] if stem else word)
        if stem and len(keys) == 1:
            elems.append(keys[0] + "*")
        else:
            elems.extend(keys)
    return tuple(elems)


@cache
def lexicon() -> Lexicon:
    """Every language's file read once (or read back from the last process, search/prebuilt.py):
    lookups for the matcher, word sets for the language reader."""
    return load_or_build("lexicon", _build, _plain, _from_plain)


def _plain(lex: Lexicon) -> tuple[object, ...]:
    """The lexicon as builtins: each entry once, in a table, and its uses as indexes into it."""
    table: dict[Entry, int] = {}

    def refs(entries: tuple[Entry, ...]) -> tuple[int, ...]:
        return tuple(table.setdefault(e, len(table)) for e in entries)

    phrases = {k: refs(v) for k, v in lex.phrases.items()}
    content = {k: refs(v) for k, v in lex.content.items()}
    stems = {k: refs(v) for k, v in lex.stems.items()}
    patterns = {k: tuple((p.elems, refs(p.entries)) for p in v) for k, v in lex.patterns.items()}
    entries = tuple((e.category, e.weight, e.lang, e.upper, e.after, e.kind, e.name) for e in table)
    return (
        entries,
        phrases,
        content,
        lex.first,
        stems,
        lex.vocabulary,
        lex.glue,
        lex.buckets,
        lex.by_lang,
        lex.accented,
        patterns,
        lex.frames,
        lex.asks,
    )


def _from_plain(plain: Any) -> Lexicon:
    (
        rows,
        phrases,
        content,
        first,
        stems,
        vocabulary,
        glue,
        buckets,
        by_lang,
        accented,
        patterns,
        frames,
        asks,
    ) = plain
    table = [Entry(*row) for row in rows]

    def entries(refs: tuple[int, ...]) -> tuple[Entry, ...]:
        return tuple(table[i] for i in refs)

    return Lexicon(
        phrases={k: entries(v) for k, v in phrases.items()},
        content={k: entries(v) for k, v in content.items()},
        first=first,
        stems={k: entries(v) for k, v in stems.items()},
        vocabulary=vocabulary,
        glue=glue,
        buckets=buckets,
        by_lang=by_lang,
        accented=accented,
        patterns={k: tuple(Pattern(elems, entries(refs)) for elems, refs in v) for k, v in patterns.items()},
        frames=frames,
        asks=asks,
    )


def _build() -> Lexicon:
    known = set(taxonomy().by_id)
    phrases: dict[tuple[str, ...], list[Entry]] = {}
    stems: dict[str, list[Entry]] = {}
    glue: set[str] = set()
    by_lang: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    accented: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    raw_patterns: dict[tuple[str, ...], list[Entry]] = {}
    frames: set[tuple[str, ...]] = set()
    asks: set[tuple[str, ...]] = set()
    for lang in LANGUAGES:
        for term, category, weight, flags in _rows(lang):
            if category in (SELF, ASK):
                if key := _keys(term):
                    (frames if category == SELF else asks).add(key)
                continue
            if category not in known and category not in (GLUE, NONE):
                log.warning("lexicon %s: unknown category %s", lang, category)
                continue
            entry = _entry(term, category, weight, lang, flags)
            accented[lang].update(w for w in written_words(term) if not w.isascii())
            if "*" in term.rstrip("*") or (term.endswith("*") and " " in term):
                elems = _pattern_elems(term)
                if len(elems) > 1 and all(len(e) >= 4 or not e.endswith("*") for e in elems):
                    raw_patterns.setdefault(elems, []).append(entry)
                    by_lang[lang].update(e for e in elems if not e.endswith("*"))
                else:
                    log.warning("lexicon %s: bad pattern %s", lang, term)
                continue
            if term.endswith("*"):
                key = _keys(term[:-1])
                if len(key) == 1 and len(key[0]) >= MIN_STEM:
                    stems.setdefault(key[0], []).append(entry)
                    by_lang[lang].add(key[0])
                continue
            key = _keys(term)
            if not key:
                continue
            phrases.setdefault(key, []).append(entry)
            by_lang[lang].update(key)
            if category == GLUE and len(key) == 1:
                glue.add(key[0])
    for node in taxonomy().by_id.values():
        if node.level == 0 or node.id in _LABELS_NEED_PARENT:
            continue  # "Accueil", "Santé", "Matériel": too broad alone, the files weigh those
        for lang, label in node.labels.items():
            key = _keys(label)
            if lang in by_lang and key and key not in phrases:
                phrases[key] = [Entry(node.id, LABEL_WEIGHT, lang, upper=False)]
                by_lang[lang].update(key)
    content: dict[tuple[str, ...], list[Entry]] = {}
    for key, entries in phrases.items():
        short = tuple(tok for tok in key if tok not in glue)
        if len(short) > 1 and short != key:  # "à la rue" must not shrink to "rue"
            content.setdefault(short, []).extend(entries)
    first: dict[str, set[int]] = {}
    for key in (*phrases, *content):
        first.setdefault(key[0], set()).add(len(key))
    merged: dict[tuple[str, ...], list[Entry]] = {}
    for elems, entries in raw_patterns.items():
        content_elems = tuple(e for e in elems if e not in glue)  # "las* de băut*": "de" may be left out
        if len(content_elems) < 2:
            log.warning("lexicon: pattern %s has one content word", elems)
            continue
        kept = merged.setdefault(content_elems, [])
        kept.extend(e for e in entries if e not in kept)
    patterns: dict[str, list[Pattern]] = {}
    for elems, entries in merged.items():
        patterns.setdefault(elems[0].rstrip("*")[:3], []).append(Pattern(elems, tuple(entries)))
    pattern_words = {e for elems in raw_patterns for e in elems if not e.endswith("*")}
    vocabulary = frozenset({tok for key in phrases for tok in key} | pattern_words)
    buckets: dict[str, list[str]] = {}
    for tok in sorted(vocabulary):
        if len(tok) >= _MIN_FUZZ and not tok.isdigit():
            buckets.setdefault(tok[0], []).append(tok)
    return Lexicon(
        phrases={k: tuple(v) for k, v in phrases.items()},
        content={k: tuple(v) for k, v in content.items()},
        first={k: tuple(sorted(v, reverse=True)) for k, v in first.items()},
        stems={k: tuple(v) for k, v in stems.items()},
        vocabulary=vocabulary,
        glue=frozenset(glue),
        buckets={k: tuple(v) for k, v in buckets.items()},
        by_lang={k: frozenset(v) for k, v in by_lang.items()},
        accented={k: frozenset(v) for k, v in accented.items()},
        patterns={k: tuple(v) for k, v in patterns.items()},
        frames=frozenset(frames),
        asks=frozenset(asks),
    )


def written_words(text: str) -> list[str]:
    """Lower-case words as written, diacritics kept: what tells Spanish "gratis" from Portuguese "grátis"."""
    return [unicodedata.normalize("NFC", text[a:b]).lower() for _, a, b in token_spans(text)]


def _max_edits(word: str) -> int:
    """Short words tolerate one slip, long ones two: "mangr", "doucje", "hebergment"."""
    if len(word) < _MIN_FUZZ or not word.isalpha():
        return 0
    return 1 if len(word) < 9 else 2


@cache
def town_words() -> frozenset[str]:
    """Words of French commune names: never "corrected" into a need ("Denis" is not "dents", "Besse"
    not "blessé"). Spelt exactly, a lexicon word still counts: the place reader masks the town."""
    return load_or_build("town_words", _town_words, unchanged, frozenset)


def _town_words() -> frozenset[str]:
    names = {commune.name for commune in communes().values()}
    return frozenset(tok for name in names for tok, _, _ in token_spans(name) if len(tok) >= _MIN_FUZZ)


@lru_cache(maxsize=CACHE_WORDS)
def correct(word: str) -> tuple[str, int] | None:
    """The lexicon word a misspelt token stands for, with the number of edits; None if too far."""
    lex = lexicon()
    limit = _max_edits(word)
    if limit and word in town_words():
        return None
    bucket = lex.buckets.get(word[0], ()) if limit else ()
    if not bucket:
        return None
    found = process.extract(word, bucket, scorer=OSA.distance, score_cutoff=limit, limit=12)
    if not found:
        return None
    # Ties: senders drop letters at the end far more often than they add them ("laveri" is
    # "laverie", not "laver"), so a word the typo begins is the likelier reading.
    best = min(found, key=lambda f: (f[1], not f[0].startswith(word), abs(len(f[0]) - len(word)), f[0]))
    return best[0], int(best[1])


# Arabic clitics written onto the word: "للاستحمام" (for the shower), "المرحاض" (the toilet),
