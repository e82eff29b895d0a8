"""Which of our languages a message is written in, from its script, its letters and its words."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from functools import cache

import locales
from search.lexicon import correct, lexicon, match_key, written_words
from search.textnorm import alternation, token_spans

__all__ = ["LANGUAGES", "DEFAULT", "detect_language", "words_of"]

LANGUAGES = locales.LANGUAGES
DEFAULT = locales.DEFAULT
# The languages of each script, the likelier sender first (locales/<lang>/language.tsv).
_BY_SCRIPT: dict[str, tuple[str, ...]] = {}
for _lang in sorted(LANGUAGES, key=lambda code: locales.info(code).detect_order):
    _BY_SCRIPT[locales.info(_lang).script] = (*_BY_SCRIPT.get(locales.info(_lang).script, ()), _lang)
_LATIN = _BY_SCRIPT.get("LATIN", (DEFAULT,))
# Letters only some languages of a script write, and how much each says: Pashto's ټ, Ukrainian's ї.
_LETTERS: dict[str, tuple[tuple[str, float], ...]] = {}
for _lang in LANGUAGES:
    for _chars, _weight in locales.info(_lang).letters:
        for _char in _chars:
            _LETTERS[_char] = (*_LETTERS.get(_char, ()), (_lang, _weight))


def _script(ch: str) -> str | None:
    """The script of a letter, as Unicode names it (ARABIC, CYRILLIC…), when one of our languages
    writes it and it is not Latin."""
    if not ch.isalpha() or ch.isascii():
        return None
    script = unicodedata.name(ch, "").split(" ", 1)[0]
    return script if script != "LATIN" and script in _BY_SCRIPT else None


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


def words_of(text: str, lang: str) -> float:
    """How many of the message's words this language's lexicon knows (a typo counts 0.3)."""
    return _votes(text[:2000], (lang,))[lang]


def _pick(scores: defaultdict[str, float], order: tuple[str, ...], hint: str | None) -> str | None:
    """The best-scoring language; the hint, then the order, settles a tie. None without evidence."""
    if hint in order:
        scores[hint] += 0.25
    best = max(scores.values(), default=0.0)
    if best <= 0:
        return None
    return next(lang for lang in order if scores[lang] == best)


def detect_language(text: str, *, hint: str | None = None) -> str:
    """The message's language, one of ours.

    Script first (Georgian, Arabic, Cyrillic letters outvote any Latin town name), letters only some
    languages write next, then the lexicon words the message uses. With no evidence: the hint (the
    language the conversation already uses), else the first language of the script, else French.
    """
    hint = hint if hint in LANGUAGES else None
    text = text[:2000]
    scripts = Counter(s for s in map(_script, text) if s)
    script = scripts.most_common(1)[0][0] if scripts else "LATIN"
    langs = _BY_SCRIPT.get(script) or _LATIN
    if len(langs) == 1:
        return langs[0]
    tokens = [t for t, _, _ in token_spans(text)]
    words = " ".join(tokens)
    said = not _no_french_keys().isdisjoint(tokens)  # most messages: no pattern to compile
    rest = _no_french().sub(" ", words) if said else words
    if rest != words and len([w for w in rest.split() if w.isalpha()]) >= _REST_WORDS:
        # "je parle pas français. english. i need sleep": the words saying which language they cannot
        # speak are not the language they write in; said alone ("no hablo frances"), they are
        text = rest
    scores = _votes(text, langs)
    for ch in text.lower():
        for lang, weight in _LETTERS.get(ch, ()):
            if lang in langs:
                scores[lang] += weight
    found = _pick(scores, langs, hint)
    if found is not None:
        return found
    return (hint or DEFAULT) if script == "LATIN" else langs[0]


_REST_WORDS = 2  # words left beside "I don't speak French" for them to tell the language


@cache
def _no_french_phrases() -> tuple[tuple[str, ...], ...]:
    """ "I don't speak French" in any of our languages (commands.tsv `no_french`), as folded words."""
    phrases = (tuple(t for t, _, _ in token_spans(p)) for p in locales.words("commands", "no_french"))
    return tuple(words for words in phrases if words)


@cache
def _no_french_keys() -> frozenset[str]:
    """The longest word of each phrase ("francais", "французькою"): a message with none of them says
    no such thing."""
    return frozenset(max(words, key=len) for words in _no_french_phrases())


@cache
def _no_french() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(' '.join(words) for words in _no_french_phrases())})(?!\w)")
