"""What a message asks for: Soliguide categories read from free text in 12 languages, offline."""

from __future__ import annotations

import csv
import gzip
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import OSA

from db.categories import LANGUAGES, taxonomy
from search.textnorm import token_spans

__all__ = ["Need", "NeedReading", "Lexicon", "Pattern", "find_needs", "lexicon", "match_key", "correct"]
__all__ += ["written_words"]

log = logging.getLogger(__name__)

GLUE = "~"  # a small word that may sit inside a phrase ("laver MON linge")
NONE = "-"  # a word of the language that names no need
SELF = "@self"  # the sender describing themselves: "je suis", "I'm", "soy", "я"
# Kinds of term (fourth column): a job the sender may hold, a situation rather than a service.
ROLE = "role"  # "travailleuse sociale": no need right after "je suis"
SITUATION = "situation"  # "sans papiers", "no tengo papeles": a need only when nothing else is asked
_PATTERN_WINDOW = 1  # other words allowed among the words of a pattern ("lăsa NIȘTE bagajele")
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
CONFIDENT = 0.6  # below this a need is only offered as a numbered choice
_MIN_FUZZ = 5  # shorter words must be spelled exactly: "soir" is one letter from "soin"
_MIN_STEM = 4

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Arabic-script spellings that vary between keyboards and writers (Persian yeh/kaf, alef maksura,
# teh marbuta): one form each for matching; the language reader looks at the raw letters instead.
_LETTERS = str.maketrans({"ى": "ي", "ی": "ي", "ې": "ي", "ک": "ك", "ڪ": "ك", "ة": "ه", "ۀ": "ه", "ё": "е"})


@dataclass(frozen=True, slots=True)
class Need:
    category: str
    confidence: float
    span: tuple[int, int] | None  # characters of the text that named it


@dataclass(frozen=True, slots=True)
class NeedReading:
    needs: tuple[Need, ...]  # confident needs, best first
    candidates: tuple[Need, ...]  # when nothing is sure: what to offer as a numbered choice


@dataclass(frozen=True, slots=True)
class Entry:
    category: str  # a category id, GLUE or NONE
    weight: float
    lang: str
    upper: bool  # an acronym that only counts when written in capitals...
    after: frozenset[str] = frozenset()  # ...or in lower case right after one of these words ("l ame")
    kind: str = ""  # ROLE, SITUATION or ""


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


def match_key(word: str) -> str:
    """A folded token in the form both the lexicon and the messages are compared in."""
    return word.translate(_ARABIC_DIGITS).translate(_LETTERS)


def _keys(term: str) -> tuple[str, ...]:
    return tuple(match_key(tok) for tok, _, _ in token_spans(term))


def _rows(lang: str) -> Iterable[tuple[str, str, float, str]]:
    path = resources.files("locales").joinpath(f"lexicon/{lang}.tsv")
    if not path.is_file():
        return
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        weight = float(parts[2]) if len(parts) > 2 and parts[2].strip() else 1.0
        yield parts[0].strip(), parts[1].strip(), weight, parts[3].strip() if len(parts) > 3 else ""


def _entry(term: str, category: str, weight: float, lang: str, flags: str) -> Entry:
    """Fourth column: "role", "situation", or "after=l|la|mon" (an acronym also read in lower case
    right after one of these words: "demande d ame", "la pass")."""
    after: frozenset[str] = frozenset()
    kind = ""
    for flag in flags.split():
        if flag.startswith("after="):
            after = frozenset(match_key(w) for w in flag[len("after=") :].split("|") if w)
        elif flag in (ROLE, SITUATION):
            kind = flag
        else:
            log.warning("lexicon %s: unknown flag %s", lang, flag)
    return Entry(category, weight, lang, upper=term != term.lower(), after=after, kind=kind)


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
    """Every language's file read once: lookups for the matcher, word sets for the language reader."""
    known = set(taxonomy().by_id)
    phrases: dict[tuple[str, ...], list[Entry]] = {}
    stems: dict[str, list[Entry]] = {}
    glue: set[str] = set()
    by_lang: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    accented: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    raw_patterns: dict[tuple[str, ...], list[Entry]] = {}
    frames: set[tuple[str, ...]] = set()
    for lang in LANGUAGES:
        for term, category, weight, flags in _rows(lang):
            if category == SELF:
                if key := _keys(term):
                    frames.add(key)
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
                if len(key) == 1 and len(key[0]) >= _MIN_STEM:
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
def _town_words() -> frozenset[str]:
    """Words of French commune names: never "corrected" into a need ("Denis" is not "dents", "Besse"
    not "blessé"). Spelt exactly, a lexicon word still counts: the place reader masks the town."""
    path = resources.files("db").joinpath("data/fr_communes.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as rows:
        names = {row["name"] for row in csv.DictReader(rows)}
    return frozenset(tok for name in names for tok, _, _ in token_spans(name) if len(tok) >= _MIN_FUZZ)


@cache
def correct(word: str) -> tuple[str, int] | None:
    """The lexicon word a misspelt token stands for, with the number of edits; None if too far."""
    lex = lexicon()
    limit = _max_edits(word)
    if limit and word in _town_words():
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
# "وبالأكل". Longest first; the lexicon may list the word with or without its article.
_AR_CLITICS = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")


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


@cache
def _stem(word: str) -> str | None:
    stems = lexicon().stems
    if word in _town_words():  # "Douchy" is a town, not a shower
        return None
    for size in range(len(word), _MIN_STEM - 1, -1):
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


@cache
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
        from search.language import detect_language

        lang = detect_language(text)
    best: dict[str, Need] = {}
    unsure: dict[str, Need] = {}
    situations: set[str] = set()  # needs only named as the sender's situation
    asked: set[str] = set()  # needs named by another word
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
            categories = {e.category for e in entries}
            for entry in entries:
                confidence = round(entry.weight * match.quality, 3)
                need = Need(entry.category, confidence, span)
                sure = len(categories) == 1 and confidence >= CONFIDENT
                table = best if sure else unsure
                if entry.category not in table or table[entry.category].confidence < confidence:
                    table[entry.category] = need
    if asked & set(best):  # "un médecin, no tengo papeles": the papers are the sender's situation
        for category in situations - asked:
            best.pop(category, None)
            unsure.pop(category, None)
    needs = _most_specific(best.values())
    if needs:
        return NeedReading(needs, ())
    return NeedReading((), _most_specific(unsure.values()))


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
