"""The SMS alphabet: GSM-7 transliteration, segment counting and cutting a text into pages that fit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

# 3GPP TS 23.038 default alphabet (one septet each) and its extension table (escape + septet: two each).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("^{}\\[~]|€\f")
LATIN_LANGUAGES = frozenset({"fr", "en", "es", "ca", "ro", "pt"})

# What NFKD cannot fold well, or folds to something outside the alphabet (ç → c, not Ç; œ → oe).
_TABLE = str.maketrans(
    {
        "ç": "c",
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "‚": "'",
        "′": "'",
        "´": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‹": '"',
        "›": '"',
        "″": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "‒": "-",
        "―": "-",
        "−": "-",
        "‐": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u200b": "",
        "…": "...",
        "·": ".",
        "•": "-",
        "°": "o",
        "×": "x",
        "\t": " ",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "→": "->",
        "←": "<-",
        "½": "1/2",
    }
)


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: Encoding
    units: int  # septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2)
    count: int


_NOT_GSM = re.compile("[^" + re.escape("".join(sorted(BASIC | EXTENSION))) + "]")


def is_gsm(text: str) -> bool:
    return _NOT_GSM.search(text) is None


def _fold(char: str) -> str:
    """One character into the alphabet: accents dropped by NFKD unless the accented letter is in it."""
    if char in BASIC or char in EXTENSION:
        return char
    mapped = char.translate(_TABLE)
    if mapped != char and is_gsm(mapped):
        return mapped
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if bare and is_gsm(bare):
        return bare
    if unicodedata.category(char).startswith("Z"):
        return " "
    if unicodedata.category(char) in ("Cc", "Cf", "Mn"):
        return ""
    return "?"


def to_gsm(text: str) -> str:
    """Latin-script replies stay in GSM-7: one stray "ê" would switch the whole SMS to UCS-2 and
    cut a segment from 160 characters to 70, so we transliterate rather than pay three times."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\s+·\s+", " - ", text)  # "address · phone": a separator, not Catalan's l·l
    text = re.sub(r"«[\s\u00a0\u202f]*", "«", re.sub(r"[\s\u00a0\u202f]*»", "»", text))  # « Noël » → "Noël"
    return "".join(_fold(c) for c in text)


def septets(text: str) -> int:
    return len(text) + sum(text.count(c) for c in EXTENSION)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> Segments:
    """How many parts the network sends: 160/153 septets in GSM-7, 70/67 UTF-16 units in UCS-2.

    An escape pair or a surrogate pair is never split across parts, so we pack part by part."""
    if is_gsm(text):
        encoding, units, single, multi, size = Encoding.GSM7, septets(text), 160, 153, septets
    else:
        encoding, units, single, multi, size = Encoding.UCS2, utf16_units(text), 70, 67, utf16_units
    if units <= single:
        return Segments(encoding, units, 1 if units else 0)
    if units == len(text):  # no double-width character: no pair to keep whole, plain division
        return Segments(encoding, units, -(-units // multi))
    count, used = 1, 0
    for char in text:
        width = size(char)
        if used + width > multi:
            count, used = count + 1, 0
        used += width
    return Segments(encoding, units, count)


def fits(text: str, max_segments: int) -> bool:
    return segments(text).count <= max_segments


def compact(text: str) -> str:
    """Every character costs money on SMS: blank lines and indentation go, runs of spaces shrink."""
    lines = (re.sub(r"[ \t]{2,}", " ", line.strip()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def for_sms(text: str, lang: str) -> str:
    text = compact(text)
    return to_gsm(text) if lang in LATIN_LANGUAGES else text


def _pieces(line: str, max_segments: int) -> Iterator[str]:
    """A single line too long for one page is cut between words, or mid-word as a last resort."""
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate, max_segments):
            current = candidate
            continue
        if current:
            yield current
        while not fits(word, max_segments):
            cut = len(word)
            while cut > 1 and not fits(word[:cut], max_segments):
                cut = max(1, cut * 3 // 4)
            while cut + 1 <= len(word) and fits(word[: cut + 1], max_segments):
                cut += 1
            yield word[:cut]
            word = word[cut:]
        current = word
    if current:
        yield current


def _pack(units: list[str], max_segments: int, sep: str = "\n") -> list[str]:
    pages: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{sep}{unit}" if current else unit
        if fits(candidate, max_segments):
            current = candidate
            continue
        if current:
            pages.append(current)
        current = unit
    if current:
        pages.append(current)
    return pages


def paginate(text: str, max_segments: int, blocks: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Pages of at most `max_segments` each, cut between blocks (a result and its address lines stay
    together), then between lines, then between words when one line is longer than a page."""
    units: list[str] = []
    for block in blocks if blocks is not None else tuple(text.split("\n")):
        if fits(block, max_segments):
            units.append(block)
            continue
        for line in block.split("\n"):
            units.extend(_pieces(line, max_segments) if not fits(line, max_segments) else (line,))
    return tuple(_pack(units, max_segments))


def sms_blocks(text: str, lang: str) -> tuple[str, ...]:
    """A reply's lines grouped as the conversation indents them (an indented line continues the one
    above), compacted and, for Latin scripts, in GSM-7."""
    groups: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if groups and line[:1].isspace():
            groups[-1].append(line)
        else:
            groups.append([line])
    return tuple(for_sms("\n".join(group), lang) for group in groups)
