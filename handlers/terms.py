"""Words as the conversation compares them: folded like the search layer folds, and word lists of
locales/ as regular expressions over a message folded the same way."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from search import GAP, alternation, expand_piece, load_or_build, match_key, term_pieces, unchanged
from search import fold as search_fold

_AROUND = " .!?¡¿,;:-_*'\"()،؟؛"  # punctuation around a word: "stop!", "(femmes)", "سالمه،"
_WORD = re.compile(r"\S+")
_MINUS = re.compile(r"-\d")


def fold_message(text: str) -> str:
    """Lower case, Latin accents off, digits of every script as ASCII, one form for the letters that
    keyboards vary (Persian ی and Arabic ي…: the "fold" line of locales/<lang>/language.tsv), no
    punctuation around (but the minus of a temperature: "-5"). Not cached: for what people send."""
    folded = match_key(search_fold(text).strip(_AROUND).strip())
    if _MINUS.match(text.strip()) and folded[:1].isdigit():
        return f"-{folded}"
    return folded


# `fold_message`, cached for the words of locales/ (the word lists repeat them thousands of times).
# Never for what people send: every distinct word and message would stay in the worker (65,536 of
# them, up to 24 KiB each), a memory cost any sender controls, and a copy of what they wrote.
fold = lru_cache(maxsize=65536)(fold_message)


def folded_term(term: str) -> str:
    """Each word folded, keeping a word's final "*" (any ending), a "~" (a few words) and the
    alternatives of a "{a,b c}" group."""
    words = []
    for word in term_pieces(term):
        if word == GAP:
            words.append(GAP)
        elif "{" in word:
            choices = (folded_term(choice) for choice in expand_piece(word))
            words.append("{" + ",".join(c for c in choices if c) + "}")
        elif folded := fold(word):
            words.append(folded + ("*" if word.endswith("*") else ""))
    return " ".join(words)


def alternatives(terms: Iterable[str]) -> str:
    """Terms folded, as one alternation for a larger expression (a final "*": any ending)."""
    return alternation(term for term in map(folded_term, terms) if term)


def whole(body: str) -> str:
    """An alternation as an expression matching whole words or phrases of `FoldedText.text`."""
    return rf"(?<!\w)(?:{body})(?!\w)"


def pattern(terms: Iterable[str], *, folded: bool = False) -> re.Pattern[str]:
    """One expression for a list of terms: a term may have several words (any spacing between them)
    and may end with "*" (any ending); a match is a whole word or phrase of `FoldedText.text`. `folded`:
    the terms are folded already."""
    return re.compile(whole(alternation(terms) if folded else alternatives(terms)))


class Expressions:
    """Expressions by key, each compiled at its first use (a message rarely needs them all)."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources  # the text of each
        self._compiled: dict[str, re.Pattern[str]] = {}

    def __getitem__(self, key: str) -> re.Pattern[str]:
        found = self._compiled.get(key)
        if found is None:  # two threads may both compile it: the same expression, either kept
            found = self._compiled[key] = re.compile(self.sources[key])
        return found

    def keys(self) -> Iterable[str]:
        return self.sources.keys()

    def compile_all(self) -> None:
        for key in self.sources:
            self[key]


def expressions(name: str, sources: Callable[[], dict[str, str]]) -> Expressions:
    """Expressions made from word lists (`sources`: their text by key, from `whole` and `alternatives`).
    Their text is kept between processes (search.prebuilt): folding the words and ordering them costs
    more than compiling. Call it at first use, not at import: `solibot parse` and the modules that
    never read these words then pay nothing."""
    texts: dict[str, str] = load_or_build(name, sources, unchanged, unchanged)
    return Expressions(texts)


@dataclass(frozen=True, slots=True)
class FoldedText:
    """A message as its words folded, one space apart, with each word's place in the original."""

    text: str
    starts: tuple[int, ...]  # index in `text` of each word
    spans: tuple[tuple[int, int], ...]  # the same word in the original message

    @classmethod
    def of(cls, message: str) -> FoldedText:
        parts, starts, spans, at = [], [], [], 0
        for match in _WORD.finditer(message):
            word = fold_message(match.group()) or match.group().lower()
            parts.append(word)
            starts.append(at)
            spans.append(match.span())
            at += len(word) + 1
        return cls(" ".join(parts), tuple(starts), tuple(spans))

    def original(self, start: int, end: int) -> tuple[int, int]:
        first = max(i for i, s in enumerate(self.starts) if s <= start)
        last = max(i for i, s in enumerate(self.starts) if s < end)
        return self.spans[first][0], self.spans[last][1]

    def word_index(self, position: int) -> int:
        return max(i for i, s in enumerate(self.starts) if s <= position)


class PhraseBook:
    """Long lists of terms (thousands of crisis phrases), read without one huge expression: each term
    is filed under the word it begins with, and each word of a message only tries the terms filed
    under it, their expression compiled the first time it is needed. The matches of `pattern`, but
    that terms of different first words may overlap (both are found)."""

    def __init__(self, lists: Mapping[str, Iterable[str]]) -> None:
        exact: dict[str, set[str]] = {}  # a first word → the lists with terms beginning with it
        stems: dict[str, set[str]] = {}  # the same for a first word's stem ("frapp*")
        terms: dict[tuple[str, bool, str], list[str]] = {}
        for name, listed in lists.items():
            for term in {folded_term(term) for term in listed} - {""}:
                first = term_pieces(term)[0]
                starts = [w.split()[0] for w in expand_piece(first) if w.split()] if "{" in first else [first]
                for word in starts:
                    stem = word.endswith("*")
                    word = word.rstrip("*")
                    (stems if stem else exact).setdefault(word, set()).add(name)
                    terms.setdefault((name, stem, word), []).append(term)
        self._exact, self._stems = _shared(exact), _shared(stems)
        self._terms: dict[tuple[str, bool], dict[str, tuple[str, ...]]] = {}  # by list and kind, by word
        for (name, stem, word), found in terms.items():
            self._terms.setdefault((name, stem), {})[word] = tuple(found)
        self._compiled: dict[tuple[str, bool, str], re.Pattern[str]] = {}
        self._longest = min(_LONGEST, max(map(len, (*self._exact, *self._stems)), default=0))

    def plain(self) -> tuple[object, ...]:
        """The book as builtins, for search.prebuilt to keep between processes (folding 29,000 crisis
        phrases costs about a second at each start)."""
        return (self._exact, self._stems, self._terms, self._longest)

    @classmethod
    def from_plain(cls, plain: Any) -> PhraseBook:
        book = cls({})
        exact, stems, book._terms, book._longest = plain
        book._exact, book._stems = _shared(exact), _shared(stems)
        return book

    def read(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Where each list's terms are in a `FoldedText.text`, in order (overlaps kept)."""
        tries: dict[tuple[str, bool, str], list[int]] = {}
        for start in _STARTS.finditer(text[:_LONGEST_TEXT]):
            token, at = start.group(1), start.start()
            for end in range(1, min(len(token), self._longest) + 1):
                prefix = token[:end]
                for name in self._stems.get(prefix, ()):
                    tries.setdefault((name, True, prefix), []).append(at)
                if end == len(token) or not token[end].isalnum():
                    for name in self._exact.get(prefix, ()):
                        tries.setdefault((name, False, prefix), []).append(at)
        found: dict[str, set[tuple[int, int]]] = {}
        for key, positions in tries.items():
            if key not in self._compiled:
                self._compiled[key] = pattern(self._terms[key[:2]][key[2]], folded=True)
            expression = self._compiled[key]
            spans = found.setdefault(key[0], set())
            spans.update(m.span() for at in positions if (m := expression.match(text, at)))
        return {name: sorted(spans) for name, spans in found.items()}


def _shared(index: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Each word's lists as one of the few distinct sets: of the 27,000 first words of the crisis
    phrases and of their words, most are filed under one list (a set each cost 8 MB of a worker)."""
    kept: dict[frozenset[str], frozenset[str]] = {}
    return {word: kept.setdefault(frozenset(names), frozenset(names)) for word, names in index.items()}


_LONGEST = 64  # characters of a term's first word, at most
_LONGEST_TEXT = 4096  # a message is read this far (Telegram's longest; an SMS is shorter)
# Where a match may begin: a word, or what follows its "'" or "-" ("d'enfants"), overlapping.
_STARTS = re.compile(rf"(?<!\w)(?=(\S{{1,{_LONGEST}}}))")
