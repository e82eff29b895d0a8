"""Which of the 12 service languages a message is written in, from its script and its words."""

from __future__ import annotations

from collections import Counter, defaultdict

from search.lexicon import correct, lexicon, match_key, written_words
from search.textnorm import token_spans

__all__ = ["LANGUAGES", "DEFAULT", "detect_language"]

LANGUAGES = ("fr", "en", "ar", "es", "ru", "ps", "fa", "uk", "ca", "ka", "ro", "pt")
DEFAULT = "fr"  # the service is French: a town or a postcode alone is read as French
_LATIN = ("fr", "en", "es", "pt", "ca", "ro")  # tie order: the likelier sender first

_PASHTO = frozenset("ټډړږښګڼېۍځڅ")
_PERSIAN = frozenset("پچژگیک")  # also Pashto's, never Arabic's
_ARABIC = frozenset("ةىيكأإؤ")  # Arabic spellings Persian and Pashto writers do not use
_UKRAINIAN = frozenset("іїєґ")
_RUSSIAN = frozenset("ыэъё")
# Letters that only some Latin-script languages write.
_LETTER_HINTS: dict[str, tuple[str, ...]] = {
    "ã": ("pt",),
    "õ": ("pt",),
    "ñ": ("es",),
    "¿": ("es",),
    "¡": ("es",),
    "ă": ("ro",),
    "ș": ("ro",),
    "ş": ("ro",),
    "ț": ("ro",),
    "ţ": ("ro",),
    "ŀ": ("ca",),
    "œ": ("fr",),
    "ù": ("fr",),
    "û": ("fr",),
    "ë": ("fr",),
    "è": ("fr", "ca"),
    "ò": ("ca",),
}


def _script(ch: str) -> str | None:
    code = ord(ch)
    if 0x10A0 <= code <= 0x10FF or 0x1C90 <= code <= 0x1CBF:
        return "ka"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic" if ch.isalpha() else None
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    return None


def _votes(text: str, langs: tuple[str, ...]) -> defaultdict[str, float]:
    """How many of the message's words each language's lexicon knows; town names know none.

    A word spelt as the lexicon writes it, accents included, counts a little more; a typo counts
    a little for the language of the word it was corrected to.
    """
    lex = lexicon()
    votes: defaultdict[str, float] = defaultdict(float)
    written = written_words(text)
    for (word, _, _), raw in zip(token_spans(text), written, strict=True):
        key = match_key(word)
        if key.isdigit():
            continue
        hits = [lang for lang in langs if key in lex.by_lang[lang]]
        weight = 1.0
        if not hits:
            stem = next((key[:n] for n in range(len(key), 3, -1) if key[:n] in lex.stems), None)
            if stem is not None:
                hits = [lang for lang in langs if stem in lex.by_lang[lang]]
        if not hits:
            fixed = correct(key)
            if fixed is not None:
                hits = [lang for lang in langs if fixed[0] in lex.by_lang[lang]]
                weight = 0.3
        for lang in hits:
            votes[lang] += weight
            if not raw.isascii() and raw in lex.accented[lang]:
                votes[lang] += 0.5
    return votes


def _pick(scores: defaultdict[str, float], order: tuple[str, ...], hint: str | None) -> str | None:
    """The best-scoring language; the hint, then the order, settles a tie. None without evidence."""
    if hint in order:
        scores[hint] += 0.25
    best = max(scores.values(), default=0.0)
    if best <= 0:
        return None
    return next(lang for lang in order if scores[lang] == best)


def detect_language(text: str, *, hint: str | None = None) -> str:
    """The message's language, one of the 12 codes.

    Script first (Georgian, Arabic, Cyrillic letters outvote any Latin town name), letters only some
    languages write next, then the lexicon words the message uses. With no evidence: the hint (the
    language the conversation already uses), else French.
    """
    hint = hint if hint in LANGUAGES else None
    text = text[:2000]
    scripts = Counter(s for s in map(_script, text) if s)
    if scripts:
        script = scripts.most_common(1)[0][0]
        if script == "ka":
            return "ka"
        if script == "cyrillic":
            scores = _votes(text, ("ru", "uk"))
            scores["uk"] += 2 * sum(ch in _UKRAINIAN for ch in text.lower())
            scores["ru"] += 2 * sum(ch in _RUSSIAN for ch in text.lower())
            return _pick(scores, ("ru", "uk"), hint) or "ru"
        scores = _votes(text, ("ar", "fa", "ps"))
        scores["ps"] += 3 * sum(ch in _PASHTO for ch in text)
        scores["fa"] += 2 * sum(ch in _PERSIAN for ch in text)
        scores["ps"] += sum(ch in _PERSIAN for ch in text)
        scores["ar"] += 2 * sum(ch in _ARABIC for ch in text)
        return _pick(scores, ("ar", "fa", "ps"), hint) or "ar"
    scores = _votes(text, _LATIN)
    for ch in text.lower():
        for lang in _LETTER_HINTS.get(ch, ()):
            scores[lang] += 0.5
    return _pick(scores, _LATIN, hint) or hint or DEFAULT
