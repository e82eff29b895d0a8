"""Directory text made safe to embed in a reply: one line, nothing invisible, no link a phone can open."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Bidi controls reorder what follows them on screen ("\u202elmth.exe" reads "exe.html"): they end a word.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that draw as nothing: a name padded with them could push its end onto a line of
# its own on a phone's screen, as if the bot had written it.
_BLANK = frozenset("\u115f\u1160\u2800\u3164\uffa0")
_SPACES = re.compile(r"\s+")
# "https://", "hxxp:/\", "intent://": the scheme of a hierarchical URI goes, what follows is defused below.
# It is found from its leftmost letter, even right after "é" ("éhttps://") or a dot (".fr://").
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:[/\\]+", re.IGNORECASE)
# "tel:0899…", "sms:+33…", "javascript:…", "mailto:…": a URI without "//" needs its colon glued to the
# next character; a space there leaves a word and a colon, as a person would write them ("12h:30" stays).
_OPAQUE = re.compile(r"(?<![a-z0-9])[a-z][a-z0-9+.\-]*:(?=\S)", re.IGNORECASE)
# Labels joined by dots, including those NFKC leaves alone and that a browser or the SMS alphabet read
# as ".": the ideographic full stop and the middle dot ("evil·example" arrives as "evil.example").
_DOTS = ".\u3002\u00b7"
_DOT = re.compile(f"[{_DOTS}]")
_HOST = re.compile(rf"[\w\-]+(?:{_DOT.pattern}[\w\-]+)+")
_TLD = re.compile(r"(?:[^\W\d_]{2,}|xn--[\w\-]+)", re.IGNORECASE)  # a top-level domain, IDNs included
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# Not letters to a regular expression, but letters once the SMS alphabet folds them ("c°m" → "com").
_FOLD_TO_LETTERS = frozenset("°×")
DEFUSED_DOT = "[.]"


@lru_cache(maxsize=4096)
def defuse(text: str) -> str:
    """A string from the directory (a name, an address, a temporary message, a closure's reason, a
    condition), written by third parties, made fit to sit inside a line the bot writes.

    - **One line.** Line breaks and every other control or separator become a space, runs of
      spaces one space: "Foyer\\nAppelez le 08 99…" cannot start a line that reads as the bot's own.
      Bidi overrides (U+202E…) and blank-drawing fillers become a space too; characters that draw
      nothing (zero-width space, soft hyphen, joiners, BOM) go, so the text reads as it was seen.
    - **No live link.** A phone makes clickable whatever looks like a URL, an e-mail address or a
      domain ("www.x.fr", "bit.ly/abc", "asso.fr"), and sms_render keeps links from being trimmed. So
      a scheme with "//" is dropped ("https://evil.example/x" → "evil[.]example/x"), a colon glued to
      a word gets a space ("tel:0899…" → "tel: 0899…", "javascript:…" → "javascript: …"), and every
      dot of a host name or IPv4 address is written "[.]" (the usual way to defang a link). We defuse
      rather than delete: a real description often names a website, and "soliguide[.]fr" still says
      where to look, while no phone opens it and nothing looks like the bot's own links. The price is
      a typo such as "fermé.Ouvert" read as a host and shown "fermé[.]Ouvert"; phone numbers, times
      ("9h30", "12:30") and decimals are left alone: a place's phone number is not a forged line.

    Links are looked for twice: as a screen shows the text (Telegram, console), then as an SMS
    delivers it, where the GSM-7 alphabet folds "ḩttps", "c°m", "ł" or "x·y" to ASCII (fullwidth
    "ｈｔｔｐｓ：／／" and other compatibility forms are folded by NFKC first of all). The result is
    idempotent, and cached: a name is defused once per size tried while a page is fitted."""
    text = unicodedata.normalize("NFKC", text)
    if not (text.isascii() and text.isprintable()):
        # NFKC again once the invisible are gone: "e\u200b\u0301" becomes "é" only then.
        text = unicodedata.normalize("NFKC", _visible(text))
    readings = (None,) if text.isascii() else (None, _as_read)  # ASCII reads the same on both
    before = None
    while text != before:  # a scheme dropped can uncover a host: until nothing changes
        before = text = _SPACES.sub(" ", text).strip()
        for read in readings:
            text = _edit(_SCHEME, text, read, lambda found: "")
            text = _edit(_HOST, text, read, _defanged)
            text = _edit(_OPAQUE, text, read, lambda found: f"{found} ")
    return text


def _visible(text: str) -> str:
    """Separators and controls as spaces, what draws nothing removed, and an accent on no letter
    ("evil.\u0301fr", ":\u0301//") dropped, as the SMS alphabet would, joining what it split."""
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in _BIDI or char in _BLANK or category in ("Cc", "Zl", "Zp", "Zs"):
            out.append(" ")
        elif category == "Cf":
            continue
        elif category[0] == "M" and not (out and (out[-1].isalnum() or _is_mark(out[-1]))):
            continue
        else:
            out.append(char)
    return "".join(out)


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


def _as_read(text: str) -> str:
    """The text as an SMS delivers it, character for character: a letter without its accent (any
    other letter for one), an accent alone or a symbol the alphabet spells as a letter for a letter,
    every dot for ".": "ḩttps", "c°m", "b\u0301a" and "x·y" arrive as "https", "com", "ba", "x.y"."""
    return "".join(_read(char) for char in text)


@lru_cache(maxsize=4096)
def _read(char: str) -> str:
    if char.isascii():
        return char
    if char in _DOTS:
        return "."
    if _is_mark(char) or char in _FOLD_TO_LETTERS:
        return "a"
    if char.isalpha():
        bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        return bare if len(bare) == 1 and bare.isascii() else "a"  # "ł" arrives as "l", "œ" as "oe"
    return char


def _edit(
    pattern: re.Pattern[str], text: str, read: Callable[[str], str] | None, change: Callable[[str], str]
) -> str:
    """`change` made to each span of the text where `pattern` is found in it as `read` reads it."""
    probe = read(text) if read else text
    out: list[str] = []
    done = 0
    for match in pattern.finditer(probe):
        out += [text[done : match.start()], change(text[match.start() : match.end()])]
        done = match.end()
    out.append(text[done:])
    return "".join(out)


def _defanged(run: str) -> str:
    """Every dot of a host name written "[.]": a run of labels with "www" in one, or that ends with a
    top-level domain (a lone accented letter too: "œ" arrives as "oe"), or an IPv4 address."""
    raw = _DOT.split(run)
    labels = [_as_read(label) for label in raw]
    www = any("www" in label.lower() for label in labels[:-1])
    tld = _TLD.fullmatch(labels[-1]) or (raw[-1].isalpha() and not raw[-1].isascii())
    return _DOT.sub(DEFUSED_DOT, run) if www or tld or _IPV4.fullmatch(run) else run
