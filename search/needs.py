"""What a message asks for: Soliguide categories read from free text in 12 languages, offline."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import locales
from db import taxonomy
from search.language import detect_language
from search.lexicon import (
    CACHE_WORDS,
    GLUE,
    MIN_STEM,
    NONE,
    ROLE,
    SITUATION,
    Entry,
    correct,
    lexicon,
    match_key,
    town_words,
)
from search.textnorm import token_spans

__all__ = ["CONFIDENT", "Need", "NeedReading", "find_needs"]

_PATTERN_WINDOW = 1  # other words allowed among the words of a pattern ("lăsa NIȘTE bagajele")
# A message of this many words may tell a story before it asks ("j'ai perdu mon travail et mon
# appartement… je cherche un endroit pour manger"): where it asks, what it asks for is the need.
STORY_WORDS = 15
_SENTENCE_END = re.compile(r"[.!?;\n]")
# What a story may say the sender needs now, kept beside what it asks for: food, care, a bed tonight,
# a coat, washing, help after violence ("on dort dehors ce soir. Je voudrais un avocat": the beds too).
_NOW = ("food", "health", "hygiene_and_wellness", "clothing", "sexual_violence_support")
_BEDS = frozenset(
    {"accomodation_and_housing", "emergency_accommodation", "overnight_stop", "citizen_housing"}
)
CONFIDENT = 0.6  # below this a need is only offered as a numbered choice


@dataclass(frozen=True, slots=True)
class Need:
    category: str
    confidence: float
    span: tuple[int, int] | None  # characters of the text that named it
    name: bool = False  # named as a kind of service ("halte de nuit"): its words are no time or place


@dataclass(frozen=True, slots=True)
class NeedReading:
    needs: tuple[Need, ...]  # confident needs, best first
    candidates: tuple[Need, ...]  # when nothing is sure: what to offer as a numbered choice


_AR_CLITICS = locales.prefixes()


def _declitic(word: str) -> str | None:
    """The lexicon word an Arabic-script token is once its prefixed particles are taken off."""
    vocabulary = lexicon().vocabulary
    if not ("\u0600" <= word[0] <= "\u06ff"):
        return None
    for prefix in _AR_CLITICS:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 3:
            for form in (rest, "ال" + rest):
                if form in vocabulary:
                    return form
    return None


@lru_cache(maxsize=CACHE_WORDS)
def _stem(word: str) -> str | None:
    stems = lexicon().stems
    if word in town_words():  # "Douchy" is a town, not a shower
        return None
    for size in range(len(word), MIN_STEM - 1, -1):
        if word[:size] in stems:
            return word[:size]
    return None


@dataclass(frozen=True, slots=True)
class _Token:
    key: str  # the lexicon word this token reads as
    raw: str  # the word as written, folded
    quality: float  # 1.0 spelt as in the lexicon, less when corrected
    start: int
    end: int
    upper: bool  # written in capitals
    plain: bool  # written without diacritics: "ame" may be the acronym, "âme" is the soul


@dataclass(frozen=True, slots=True)
class _Match:
    first: int  # token indexes, inclusive
    last: int
    entries: tuple[Entry, ...]
    quality: float


def _read_tokens(text: str, ignore_spans: Sequence[tuple[int, int]]) -> list[list[_Token]]:
    """The message as runs of tokens; an ignored span (a town name) cuts a run so no phrase spans it."""
    lex = lexicon()
    runs: list[list[_Token]] = [[]]
    for word, start, end in token_spans(text):
        if any(start < b and a < end for a, b in ignore_spans):
            if runs[-1]:
                runs.append([])
            continue
        key = match_key(word)
        upper = text[start:end].isupper()
        plain = text[start:end].isascii()
        if key in lex.vocabulary:
            runs[-1].append(_Token(key, key, 1.0, start, end, upper, plain))
            continue
        stem = _stem(key)
        if stem is not None:
            runs[-1].append(_Token(stem + "*", key, 0.97, start, end, upper, plain))
            continue
        bare = _declitic(key)
        if bare is not None:
            runs[-1].append(_Token(bare, key, 0.97, start, end, upper, plain))
            continue
        fixed = correct(key)
        if fixed is not None:
            runs[-1].append(_Token(fixed[0], key, 1.0 - 0.12 * fixed[1], start, end, upper, plain))
            continue
        runs[-1].append(_Token(key, key, 1.0, start, end, upper, plain))
    return [run for run in runs if run]


def _matches(run: list[_Token]) -> list[_Match]:
    """Every lexicon term found in a run, over the full token sequence and over its content words."""
    lex = lexicon()
    found: list[_Match] = []
    for tok_index, tok in enumerate(run):
        if tok.key.endswith("*"):
            found.append(_Match(tok_index, tok_index, lex.stems[tok.key[:-1]], tok.quality))
        elif (tok.key,) not in lex.phrases and (stem := _stem(tok.key)) is not None:
            # A word the lexicon only knows inside a phrase ("psychologique" of "soutien
            # psychologique") still reads through its stem when the phrase is not there.
            found.append(_Match(tok_index, tok_index, lex.stems[stem], tok.quality * 0.97))
    for table, positions in (
        (lex.phrases, list(range(len(run)))),
        (lex.content, [i for i, tok in enumerate(run) if tok.key not in lex.glue]),
    ):
        keys = [run[i].key for i in positions]
        for at, key in enumerate(keys):
            for size in lex.first.get(key, ()):
                if at + size > len(keys):
                    continue
                entries = table.get(tuple(keys[at : at + size]))
                if not entries:
                    continue
                used = [run[i] for i in positions[at : at + size]]
                upper = all(tok.upper for tok in used)
                before = run[positions[at] - 1].raw if positions[at] > 0 else ""
                lower_ok = bool(before) and all(tok.plain for tok in used)
                entries = tuple(
                    e for e in entries if upper or not e.upper or (lower_ok and before in e.after)
                )
                if entries:
                    quality = 1.0
                    for tok in used:
                        quality *= tok.quality
                    found.append(_Match(positions[at], positions[at + size - 1], entries, quality))
    found.extend(_pattern_matches(run))
    return found


_AR_START = "\u0600"
_AR_END = "\u06ff"


@lru_cache(maxsize=CACHE_WORDS)
def _forms(raw: str) -> tuple[str, ...]:
    """A written word, and for Arabic script the word without the particles written onto it."""
    if not raw or not (_AR_START <= raw[0] <= _AR_END):
        return (raw,)
    return (raw, *(raw[len(p) :] for p in _AR_CLITICS if raw.startswith(p) and len(raw) - len(p) >= 3))


def _fits(elem: str, tok: _Token) -> bool:
    if elem.endswith("*"):
        stem = elem[:-1]
        return tok.key.startswith(stem) or any(form.startswith(stem) for form in _forms(tok.raw))
    return tok.key == elem or elem in _forms(tok.raw)


def _pattern_matches(run: list[_Token]) -> list[_Match]:
    """Terms with stems: each word found once, in any order, with at most _PATTERN_WINDOW other
    words among them besides small ones. Any token may be a pattern word, even one another language
    uses as a small word ("las" is Spanish glue, Romanian "leave")."""
    lex = lexicon()
    glue = lex.glue
    found: list[_Match] = []
    for index, tok in enumerate(run):
        seen: set[int] = set()
        for prefix in {form[:3] for form in (tok.key, *_forms(tok.raw))}:
            for pattern in lex.patterns.get(prefix, ()):
                if id(pattern) in seen or not _fits(pattern.elems[0], tok):
                    continue
                seen.add(id(pattern))
                reach = len(pattern.elems) + _PATTERN_WINDOW + 2
                window = range(max(0, index - reach), min(len(run), index + reach + 1))
                used = [index]
                for elem in pattern.elems[1:]:
                    hit = next((i for i in window if i not in used and _fits(elem, run[i])), None)
                    if hit is None:
                        break
                    used.append(hit)
                else:
                    first, last = min(used), max(used)
                    others = [i for i in range(first, last + 1) if i not in used and run[i].key not in glue]
                    if len(others) > _PATTERN_WINDOW:
                        continue
                    quality = 1.0
                    for i in used:
                        quality *= run[i].quality if run[i].key == run[i].raw else 0.97
                    found.append(_Match(first, last, pattern.entries, quality))
    return found


def _choose(found: list[_Match]) -> list[_Match]:
    """Longest terms first, then surest: "hébergement d'urgence" wins over "hébergement"."""
    taken: set[int] = set()
    chosen: list[_Match] = []
    for match in sorted(
        found, key=lambda m: (m.first - m.last, -max(e.weight for e in m.entries) * m.quality)
    ):
        cover = set(range(match.first, match.last + 1))
        if cover & taken:
            continue
        taken |= cover
        chosen.append(match)
    return sorted(chosen, key=lambda m: m.first)


def _readings(entries: tuple[Entry, ...], lang: str | None) -> tuple[Entry, ...]:
    """The entries that count: the message's own language decides a word two languages read apart
    ("pain" is bread in French, hurt in English; "haine" is hatred in French, clothes in Romanian)."""
    own = tuple(e for e in entries if e.lang == lang)
    chosen = own or entries
    return tuple(e for e in chosen if e.category not in (GLUE, NONE))


def find_needs(
    text: str, *, ignore_spans: Sequence[tuple[int, int]] = (), lang: str | None = None
) -> NeedReading:
    """Read the needs of a message.

    Args:
        ignore_spans: character spans to leave out, such as the town another reader found
            ("Bains-les-Bains" is not a shower).
        lang: the message's language when the caller knows it; read from the text otherwise.
    """
    if not text or not text.strip():
        return NeedReading((), ())
    text = text[:2000]  # a need is named early; a pasted page must not cost more than a message
    if lang is None:
        lang = detect_language(text)
    best: dict[str, Need] = {}
    unsure: dict[str, Need] = {}
    situations: set[str] = set()  # needs only named as the sender's situation
    asked: set[str] = set()  # needs named by another word
    named: list[tuple[str, int]] = []  # each need read, and where its words start
    for run in _read_tokens(text, ignore_spans):
        text_matches = _choose(_matches(run))
        quiet: tuple[set[str], int] = (set(), -1)  # the sender's own job, and the last token it reaches
        for match in text_matches:
            entries = _readings(match.entries, lang)
            if not entries:
                continue
            if all(e.kind == ROLE for e in entries) and _self_described(run, match.first):
                quiet = ({e.category for e in entries}, match.last + 4)
                continue
            if match.first <= quiet[1] and {e.category for e in entries} <= quiet[0]:
                continue  # "travailleuse sociale AU CCAS": where the sender works is not a need either
            for entry in entries:
                (situations if entry.kind == SITUATION else asked).add(entry.category)
            span = (run[match.first].start, run[match.last].end)
            named.extend((entry.category, span[0]) for entry in entries)
            categories = {e.category for e in entries}
            for entry in entries:
                confidence = round(entry.weight * match.quality, 3)
                need = Need(entry.category, confidence, span, entry.name)
                sure = len(categories) == 1 and confidence >= CONFIDENT
                table = best if sure else unsure
                if entry.category not in table or table[entry.category].confidence < confidence:
                    table[entry.category] = need
    if asked & set(best):  # "un médecin, no tengo papeles": the papers are the sender's situation
        for category in situations - asked:
            best.pop(category, None)
            unsure.pop(category, None)
    sought = _sought(text, named)
    if sought & set(best):  # a story, then a request: the job and the flat lost are not asked for
        now = taxonomy().expand(_NOW) | _BEDS
        best = {category: need for category, need in best.items() if category in sought or category in now}
    needs = tuple(sorted(_most_specific(best.values()), key=lambda need: need.category not in sought))
    if needs:
        return NeedReading(needs, ())
    return NeedReading((), _most_specific(unsure.values()))


def _sought(text: str, named: list[tuple[str, int]]) -> set[str]:
    """In a message long enough to tell a story (STORY_WORDS), the needs named after words that ask
    ("je cherche", "j'ai besoin", "I need") in the same sentence; empty when it asks for none."""
    spans = token_spans(text)
    asks = lexicon().asks
    if len(spans) < STORY_WORDS or not asks:
        return set()
    keys = [match_key(word) for word, _, _ in spans]
    longest = max(map(len, asks))
    clauses: list[tuple[int, int]] = []  # from the words that ask to the end of their sentence
    for at in range(len(keys)):
        size = next(
            (n for n in range(min(longest, len(keys) - at), 0, -1) if tuple(keys[at : at + n]) in asks), 0
        )
        if size:  # "je CHERCHE UN TRAVAIL": a need's words may hold those that ask
            stop = _SENTENCE_END.search(text, spans[at + size - 1][2])
            clauses.append((spans[at][1], stop.start() if stop else len(text)))
    return {category for category, start in named if any(a <= start < b for a, b in clauses)}


def _self_described(run: list[_Token], first: int) -> bool:
    """Whether the words just before a token are the sender saying who they are ("je suis une",
    "I'm a", "soy"): a frame ending right there, so "je suis SANS médecin" still asks for one."""
    frames = lexicon().frames
    return any(
        len(frame) <= first and tuple(tok.raw for tok in run[first - len(frame) : first]) == frame
        for frame in frames
    )


def _most_specific(needs: Iterable[Need]) -> tuple[Need, ...]:
    """Drop a need whose sub-category was also named ("manger" + "repas gratuit" -> the meal
    distribution), then order surest first, in reading order for ties."""
    tax = taxonomy()
    found = list(needs)
    kept = [
        n
        for n in found
        if not any(o.category != n.category and o.category in tax.descendants(n.category) for o in found)
    ]
    return tuple(sorted(kept, key=lambda n: (-n.confidence, n.span[0] if n.span else 0)))
