"""Text normalisation shared by the message readers: accent folding, case folding, tokens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["alternation", "fold", "fold_map", "tokens", "token_spans"]

# Scripts whose combining marks are spelling noise for our matching (accents, Arabic harakat).
# Other scripts keep theirs: Cyrillic й/ё and Indic vowel signs are letters, not decoration.
_STRIP_MARKS_AFTER = ("LATIN", "GREEK", "ARABIC")

_APOSTROPHES = "\u2018\u2019\u201a\u201b\u02bc\u02bb\u02b9\u0060\u00b4\u2032\uff07"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u00ad"
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ـ": ""}
_TOKEN = re.compile(r"[^\W_]+")


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0]


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One input character to its folded form (possibly empty, possibly several characters)."""
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES:
        return "-" if ch != "\u00ad" else ""
    if ch in _LIGATURES:
        return _LIGATURES[ch]
    cat = unicodedata.category(ch)
    if ch.isspace() or cat in ("Zs", "Zl", "Zp"):
        return " "
    if cat == "Cc":
        return " "
    if cat in ("Cf", "Cs", "Co", "Cn"):
        # Bidi overrides, zero-width joiners, BOM, lone surrogates, unassigned: invisible or junk.
        return ""
    if ch.isascii():
        return ch.lower()
    if cat == "Nd":
        return str(unicodedata.digit(ch))  # Arabic-Indic and Persian digits: ۶ -> 6
    decomposed = unicodedata.normalize("NFKD", ch)
    if not decomposed:
        return ""
    base = decomposed[0]
    if unicodedata.combining(base):
        # A stray combining mark with no base of its own: drop it when it decorates a letter we fold.
        return ""
    if _script(base) in _STRIP_MARKS_AFTER or not base.isalnum():
        kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    else:
        kept = unicodedata.normalize("NFC", decomposed)
    kept = unicodedata.normalize("NFC", kept.casefold())
    if kept.isspace():
        return " "
    if kept != ch:  # "″" is "′′", two apostrophes; "ǣ" is "æ", "ae": what it folds to, folded too
        kept = "".join(c if c == ch else _fold_char(c) for c in kept)
    return _YO.get(kept, kept)


_YO = {"ё": "е"}  # Russian writes ё as е as often as not


def _is_cyrillic(c: str) -> bool:
    return "\u0400" <= c <= "\u04ff"


class _Pieces(dict[int, str]):
    """`_fold_char` of each character met, for `str.translate`, so that a text is folded in one C-level
    pass instead of a Python step per character. A character whose fold depends on its neighbours (a
    combining mark), or that a table cannot hold (see `_keeps`), maps to `_OTHER`: the text is then
    folded character by character. Bounded: the characters are what people send."""

    LIMIT = 20_000

    def __init__(self, keeps: Callable[[str], bool]) -> None:
        super().__init__()
        self._keeps = keeps

    def __missing__(self, code: int) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        ch = chr(code)
        piece = _OTHER if unicodedata.combining(ch) else _fold_char(ch)
        folded = self[code] = piece if piece == " " or self._keeps(piece) else _OTHER
        return folded


_OTHER = "\x00"  # never a fold: a NUL is folded as a space
# For `fold_map`: one character for one (a dropped or doubled character moves the map).
_ONE = _Pieces(lambda piece: len(piece) == 1 and not piece.isspace() and piece != _OTHER)
# For `fold`: any piece (a dropped character too) without whitespace, which `split` would cut.
_ANY = _Pieces(lambda piece: not any(c.isspace() for c in piece) and piece != _OTHER)
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def fold_map(text: str) -> tuple[str, list[int]]:
    """Fold text and also return, for each folded character, the index of the input character it came from.

    The readers find places and times in the folded text but must report spans in the text the
    sender wrote, so that the needs reader can ignore exactly those words.
    """
    folded = text.translate(_ONE)
    if (
        _OTHER in folded
        or "  " in folded
        or folded[:1] == " "
        or folded[-1:] == " "
        or ("i" in folded and _CYRILLIC.search(folded))
    ):
        return _fold_map(text)
    return folded, list(range(len(folded)))


def _fold_map(text: str) -> tuple[str, list[int]]:
    """`fold_map` character by character: marks, dropped and doubled characters, runs of spaces."""
    out: list[str] = []
    where: list[int] = []
    prev_space = True
    prev_base_script = ""
    for i, ch in enumerate(text):
        if unicodedata.combining(ch):
            # Marks arrive separately in decomposed input: keep them only after scripts that need them.
            if prev_base_script and prev_base_script not in _STRIP_MARKS_AFTER and out:
                joined = unicodedata.normalize("NFC", out[-1] + ch)
                if len(joined) == 1:
                    out[-1] = joined
                else:  # no precomposed letter: the mark stays a character of its own, mapped to itself
                    out.append(ch)
                    where.append(i)
            continue
        piece = _fold_char(ch)
        if not piece:
            continue
        if piece == " ":
            if prev_space:
                continue
            prev_space = True
        else:
            prev_space = False
            prev_base_script = _script(piece[0]) if not piece[0].isascii() else "LATIN"
        for c in piece:
            out.append(c)
            where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    for k, c in enumerate(out):  # "рокiв" typed with a Latin i on a Russian keyboard: Ukrainian і
        if c == "i" and any(0 <= j < len(out) and _is_cyrillic(out[j]) for j in (k - 1, k + 1)):
            out[k] = "і"
    return "".join(out), where


def fold(text: str) -> str:
    """Lowercase, accent-free, single-spaced text: "  Sélestat’s  CŒUR " -> "selestat's coeur".

    Digits of every script become ASCII digits. Latin (and Greek, Arabic) letters lose their
    diacritics; Cyrillic, Georgian and other scripts keep their letters as written (й stays й), but
    for ё, read е as Russian writers do, and a Latin i inside a Cyrillic word, read і.
    Apostrophes and dashes become ASCII, whitespace runs one space, control and bidi characters
    disappear.
    """
    folded = text.translate(_ANY)
    if _OTHER in folded:
        return _fold_map(text)[0]
    folded = " ".join(folded.split())
    if "i" in folded and _CYRILLIC.search(folded):
        return _fold_map(text)[0]
    return folded


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of the folded text with their (start, end) character span in the *input* text."""
    folded, where = fold_map(text)
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(folded):
        out.append((m.group(), where[m.start()], where[m.end() - 1] + 1))
    return out


GAP = "~"  # in a term, up to three words of the sender's own: "veux ~ mourir" reads "veux juste mourir"


_SPACE = r"\s+"
_STEM = r"\w*"  # after a word ending in "*": any ending
_GAP = r"(?:\S+\s+){0,3}"  # what "~" reads: up to three words, each with the space after it


# A word, or groups of alternatives (brace expansion): "{veux,envie de}", "v{i,s}", "{يضرب,ضرب}{ني,ها}".
_PIECE = re.compile(r"[^\s{}]*(?:\{[^{}]*\}[^\s{}]*)+|\S+")


def term_pieces(term: str) -> list[str]:
    """The words of a term, a "{…}" group (with what is glued to it) counting as one."""
    return _PIECE.findall(term)


def expand_piece(piece: str) -> list[str]:
    """The alternatives of a "{…}" piece, with what is glued to them ("v{i,s}" → vi, vs; "{a,b}{x,y}"
    → ax, ay, bx, by)."""
    head, _, rest = piece.partition("{")
    if not rest:
        return [piece.strip()]
    choices, _, tail = rest.partition("}")
    return [f"{head}{choice}{more}".strip() for choice in choices.split(",") for more in expand_piece(tail)]


def _atoms(term: str) -> list[str]:
    """A term as the pieces of its expression: each letter (escaped), any ending, spaces, a gap, and a
    group of alternatives as one piece."""
    atoms: list[str] = []
    for word in term_pieces(term):
        if atoms and atoms[-1] != _GAP:
            atoms.append(_SPACE)
        if word == GAP:
            atoms.append(_GAP)
        elif "{" in word:
            atoms.append(f"(?:{alternation(expand_piece(word))})")
        else:
            atoms.extend(re.escape(c) for c in word.rstrip("*"))
            if word.endswith("*"):
                atoms.append(_STEM)
    return atoms


@dataclass
class _Node:
    """A trie of terms, letter by letter: the expression tries a shared beginning once, and fails on
    the first letter that no term has, however many terms there are."""

    children: dict[str, _Node] = field(default_factory=dict)
    end: bool = False  # a term ends here
    longest: int = 0  # atoms of the longest term through this node, to try it first

    def add(self, atoms: list[str]) -> None:
        node = self
        for i, atom in enumerate(atoms):
            node.longest = max(node.longest, len(atoms) - i)
            node = node.children.setdefault(atom, _Node())
        node.end = True

    def regex(self) -> str:
        """What may follow this node; the longest terms tried first, as a longest-first alternation
        of whole terms would."""
        parts = []
        for atom, child in sorted(self.children.items(), key=lambda kv: (-kv[1].longest, kv[0])):
            chain = [atom]
            while len(child.children) == 1 and not child.end:  # a run with no branch: one literal
                ((atom, child),) = child.children.items()
                chain.append(atom)
            head = "".join(chain)
            if not child.children:
                parts.append(head)
            elif child.end:
                parts.append(f"{head}(?:{child.regex()})?")
            else:
                parts.append(f"{head}(?:{child.regex()})")
        return "|".join(parts)


def alternation(terms: Iterable[str]) -> str:
    """Terms as one regular-expression alternation, longest first: the spaces of a term match any
    spacing, a word ending in "*" any ending ("frapp*"), a "~" up to three other words, and a group
    "{veux,voudrais,envie de}" any of its alternatives ("{veux,envie de} ~ {mourir,crever}"). Terms are
    compared as given: fold them first to match folded text. The terms are read as a trie, so
    thousands of phrases cost little more than a few."""
    root = _Node()
    for term in set(terms):
        if term.strip(f" *{GAP}"):
            root.add(_atoms(term))
    return root.regex() or "(?!x)x"  # an empty list matches nothing


def tokens(text: str) -> list[str]:
    """Word tokens (letters and digits) of the folded text; apostrophes, hyphens and punctuation split."""
    return _TOKEN.findall(fold(text))
