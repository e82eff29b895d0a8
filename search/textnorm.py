"""Text normalisation shared by the message readers: accent folding, case folding, tokens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
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
    return kept


def fold_map(text: str) -> tuple[str, list[int]]:
    """Fold text and also return, for each folded character, the index of the input character it came from.

    The readers find places and times in the folded text but must report spans in the text the
    sender wrote, so that the needs reader can ignore exactly those words.
    """
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
    return "".join(out), where


def fold(text: str) -> str:
    """Lowercase, accent-free, single-spaced text: "  Sélestat’s  CŒUR " -> "selestat's coeur".

    Digits of every script become ASCII digits. Latin (and Greek, Arabic) letters lose their
    diacritics; Cyrillic, Georgian and other scripts keep their letters as written (й stays й).
    Apostrophes and dashes become ASCII, whitespace runs one space, control and bidi characters
    disappear.
    """
    return fold_map(text)[0]


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of the folded text with their (start, end) character span in the *input* text."""
    folded, where = fold_map(text)
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(folded):
        out.append((m.group(), where[m.start()], where[m.end() - 1] + 1))
    return out


def alternation(terms: Iterable[str]) -> str:
    """Terms as one regular-expression alternation, longest first: the spaces of a term match any
    spacing, and a final "*" any ending ("frapp*"). Terms are compared as given: fold them first to
    match folded text."""
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        body = re.escape(term.rstrip("*")).replace(r"\ ", r"\s+")
        if body:
            parts.append(body + (r"\w*" if term.endswith("*") else ""))
    return "|".join(parts) or "(?!x)x"  # an empty list matches nothing


def tokens(text: str) -> list[str]:
    """Word tokens (letters and digits) of the folded text; apostrophes, hyphens and punctuation split."""
    return _TOKEN.findall(fold(text))
