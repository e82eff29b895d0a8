"""The SMS alphabet: GSM-7 transliteration, segment counting and cutting a text into pages that fit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

# 3GPP TS 23.038 default alphabet (one septet each) and its extension table (escape + septet: two each).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("^{}\\[~]|€\f")

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
        "ı": "i",
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
    """One character into the alphabet when it has a sensible Latin spelling (accents dropped by NFKD
    unless the accented letter is in it). A letter or digit of another script is returned as it is:
    it has no spelling here, and a "?" in its place would make the message unreadable."""
    if char in BASIC or char in EXTENSION:
        return char
    mapped = char.translate(_TABLE)
    if mapped != char and is_gsm(mapped):
        return mapped
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if bare and is_gsm(bare):
        return bare
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))  # Arabic-Indic or Persian digits: the same number
    if category.startswith("Z"):
        return " "
    if category in ("Cc", "Cf", "Mn"):
        return ""
    if category[0] in "LMN":
        return char
    return "?"  # a symbol or an emoji: not a word of the message


class _Folds(dict[int, str]):
    """`_fold` of each character met, for `str.translate`: the per-character work is done once per
    character, then a text is one C-level pass (a Python call per character cost a millisecond for a
    page of results, several times a reply while pages are cut)."""

    LIMIT = 20_000  # distinct characters kept; replies may quote what people wrote, so it is bounded

    def __missing__(self, code: int) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        folded = self[code] = _fold(chr(code))
        return folded


_FOLDS = _Folds()
_MIDDOT = re.compile(r"\s+·\s+")
_OPEN_QUOTE = re.compile(r"«[\s\u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[\s\u00a0\u202f]*»")


def transliterate(text: str) -> str:
    """The text folded into GSM-7 wherever a Latin spelling exists; letters of other scripts stay."""
    text = unicodedata.normalize("NFC", text)
    if "·" in text:  # each pattern scans the whole text: only when its character is there
        text = _MIDDOT.sub(" - ", text)  # "address · phone": a separator, not Catalan's l·l
    if "«" in text or "»" in text:
        text = _OPEN_QUOTE.sub("«", _CLOSE_QUOTE.sub("»", text))  # « Noël » → "Noël"
    return _NOT_GSM.sub(_fold_match, text)


def _fold_match(found: re.Match[str]) -> str:
    """Only the characters outside the alphabet are looked up: a page is a few among hundreds."""
    return _FOLDS[ord(found.group())]


def to_gsm(text: str) -> str | None:
    """Latin-script replies stay in GSM-7: one stray "ê" would switch the whole SMS to UCS-2 and
    cut a segment from 160 characters to 70, so we transliterate rather than pay three times.

    None when a letter of another script remains: that message has to go out in UCS-2."""
    folded = transliterate(text)
    return folded if is_gsm(folded) else None


_EXTENSION_CHAR = re.compile("[" + re.escape("".join(sorted(EXTENSION))) + "]")


def septets(text: str) -> int:
    return len(text) + len(_EXTENSION_CHAR.findall(text))


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


_SPACES = re.compile(r"[ \t]{2,}")


def compact(text: str) -> str:
    """Every character costs money on SMS: blank lines and indentation go, runs of spaces shrink."""
    lines = (line.strip() for line in text.splitlines())
    if "  " in text or "\t" in text:
        lines = (_SPACES.sub(" ", line) for line in lines)
    return "\n".join(line for line in lines if line)


def for_sms(text: str) -> str:
    """Compact, then GSM-7 when every character has a Latin spelling; otherwise the text unchanged,
    to be sent as UCS-2 (70/67 per part): Arabic or Georgian names cannot be transliterated."""
    text = compact(text)
    folded = to_gsm(text)
    return text if folded is None else folded


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


def sms_blocks(text: str) -> tuple[str, ...]:
    """A reply's lines grouped as the conversation indents them (an indented line continues the one
    above), compacted, and in GSM-7 unless a letter of another script forces the whole reply to UCS-2.

    The choice is made once for the whole reply, so that a Russian reply does not lose its "é"
    in one block and keep it in the next."""
    folded = to_gsm(text)
    chosen = text if folded is None else folded
    groups: list[list[str]] = []
    for line in chosen.splitlines():
        if not line.strip():
            continue
        if groups and line[:1].isspace():
            groups[-1].append(line)
        else:
            groups.append([line])
    return tuple(compact("\n".join(group)) for group in groups)


ELLIPSIS = "..."  # "…" is not in GSM-7: in GSM-7 it would cost a switch to UCS-2


def ellipsize(line: str) -> str:
    """One ellipsis at the end, never "...." after a sentence that already ends with a full stop."""
    return line.rstrip(" .…") + ELLIPSIS


def _shortened(line: str, fits_with: Callable[[str], bool]) -> str | None:
    """The longest prefix of `line` (cut at a word when one is near) that still fits, or None."""
    low, high = 0, len(line)
    while low < high:  # the largest k with fits_with(ellipsize(line[:k]))
        mid = (low + high + 1) // 2
        if fits_with(ellipsize(line[:mid])):
            low = mid
        else:
            high = mid - 1
    prefix = line[:low]
    space = prefix.rfind(" ")
    if space >= len(prefix) - 12 and space > 0:
        prefix = prefix[:space]
    return ellipsize(prefix) if prefix.strip(" .…") else None


def squeeze(
    head: Sequence[str],
    tail: Sequence[str],
    max_segments: int,
    *,
    rank: Callable[[int, str], int],
    truncated: bool = False,
) -> str:
    """One page holding every `tail` line (instructions, links) and as much of `head` as fits.

    A footer alone on its own SMS costs a whole message and an instruction cut off leaves the person
    stuck, so content gives way instead: head lines of the lowest `rank` go first, from the end; a
    line of rank 2 or more is shortened with one "..." when that is enough, else dropped. With
    `truncated`, the last head line kept ends with "..." to say that something is missing."""
    lines = list(head)
    ranks = [rank(i, line) for i, line in enumerate(lines)]

    def render(candidate: Sequence[str]) -> str:
        shown = list(candidate)
        if truncated and shown:
            shown[-1] = ellipsize(shown[-1])
        return "\n".join([*shown, *tail])

    while lines and not fits(render(lines), max_segments):
        worst = min(range(len(lines)), key=lambda i: (ranks[i], -i))
        if ranks[worst] >= 2:

            def fits_with(line: str, at: int = worst) -> bool:
                return fits(render([*lines[:at], line, *lines[at + 1 :]]), max_segments)

            short = _shortened(lines[worst], fits_with)
            enough = len(short or "") >= max(15, len(lines[worst]) // 2) or (len(lines) == 1 and not tail)
            if short is not None and enough:
                lines[worst] = short
                break
        del lines[worst], ranks[worst]
    return render(lines)  # longer than a page only when the tail alone is: the caller pages it
