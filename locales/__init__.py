"""Every sentence a user can read and every word the readers know, one folder per language.

A language is a folder `locales/<code>/` holding `language.tsv` (what the code must know of it), its
gettext catalogs (`LC_MESSAGES/*.po`) and its word lists (`needs.tsv`, `commands.tsv`, `safety.tsv`,
`filters.tsv`, `when.tsv`, `places.tsv`); the formats are in locales/README.md. Adding a language is
adding a folder: the list below is read from the folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "Language",
    "gettext",
    "from_tag",
    "info",
    "shared_text",
    "translations",
    "prefixes",
    "rows",
    "word_lists",
    "words",
]

DEFAULT = "fr"  # the service is French: a town or a postcode alone is read as French
FALLBACK = "en"  # a sentence a catalog lacks is said in English


@dataclass(frozen=True, slots=True)
class Language:
    """locales/<code>/language.tsv."""

    code: str
    order: int  # position in the language menu
    detect_order: int  # tie order when a message's words fit several languages of its script
    script: str  # the Unicode script of its letters: LATIN, ARABIC, CYRILLIC, GEORGIAN…
    direction: str  # ltr | rtl
    list_separator: str  # ", " or "، "
    letters: tuple[
        tuple[str, float], ...
    ]  # letters only some languages of the script write, and their weight
    fold: tuple[tuple[str, str], ...]  # spelling variants read as one letter when matching words
    prefixes: tuple[str, ...]  # particles written onto a word (Arabic "و", "ب", "ال"): longest first
    time_format: str  # Babel pattern of a clock time ("H:mm", French "H'h'mm")
    time_format_whole_hour: str  # the same on the hour (French "H'h'": "19h")
    first_of_month: str  # how the 1st of a month is written ("1er" in French)
    sentence_case: bool  # a sentence starts with a capital (not Georgian: Mtavruli is for titles)


def _root() -> Traversable:
    return resources.files("locales")


def rows(lang: str, name: str) -> list[tuple[str, ...]]:
    """locales/<lang>/<name>.tsv as tab-separated rows (comments and blank lines left out); empty
    for a language we do not have or a file it does not have."""
    file = _root() / lang / f"{name}.tsv"
    return _rows(file) if lang in _LANGUAGES and file.is_file() else []


def _rows(file: Traversable) -> list[tuple[str, ...]]:
    """Tab-separated rows without comments and blank lines."""
    rows = []
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(tuple(line.split("\t")))
    return rows


def _read_language(folder: Traversable) -> Language:
    values: dict[str, list[tuple[str, ...]]] = {}
    for row in _rows(folder / "language.tsv"):
        values.setdefault(row[0], []).append(row[1:])

    def one(key: str, default: str) -> str:
        found = values.get(key)
        text = found[0][0] if found else default
        return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text

    folds = tuple(
        tuple(pair.split("=", 1))
        for row in values.get("fold", [])
        for pair in row[0].split("|")
        if "=" in pair
    )
    return Language(
        code=folder.name,
        order=int(one("order", "999")),
        detect_order=int(one("detect_order", "999")),
        script=one("script", "LATIN").upper(),
        direction=one("direction", "ltr"),
        list_separator=one("list_separator", ", "),
        letters=tuple((row[0], float(row[1])) for row in values.get("letters", [])),
        fold=tuple((a, b) for a, b in folds),
        prefixes=tuple(
            sorted(
                {p for row in values.get("prefixes", []) for p in row[0].split("|") if p},
                key=len,
                reverse=True,
            )
        ),
        time_format=one("time_format", "H:mm"),
        time_format_whole_hour=one("time_format_whole_hour", one("time_format", "H:mm")),
        first_of_month=one("first_of_month", "1"),
        sentence_case=one("sentence_case", "yes") != "no",
    )


def _discover() -> dict[str, Language]:
    found = [
        _read_language(folder)
        for folder in _root().iterdir()
        if folder.is_dir() and (folder / "language.tsv").is_file()
    ]
    return {lang.code: lang for lang in sorted(found, key=lambda lang: (lang.order, lang.code))}


_LANGUAGES = _discover()
LANGUAGES: tuple[str, ...] = tuple(_LANGUAGES)


def from_tag(tag: str | None) -> str | None:
    """Our language for a language tag ("uk-UA", "pt_BR", "fr"), or None."""
    code = (tag or "").replace("_", "-").split("-", 1)[0].lower()
    return code if code in _LANGUAGES else None


def info(lang: str) -> Language:
    """What the code knows of a language; an unknown code reads as the default language."""
    return _LANGUAGES.get(lang) or _LANGUAGES[DEFAULT]


@lru_cache(maxsize=256)
def word_lists(lang: str, name: str) -> dict[str, tuple[str, ...]]:
    """locales/<lang>/<name>.tsv as key → terms, in file order; empty when the file is absent."""
    found: dict[str, list[str]] = {}
    for row in rows(lang, name):
        terms = found.setdefault(row[0], [])
        for term in (row[1] if len(row) > 1 else "").split("|"):
            if term.strip() and term.strip() not in terms:
                terms.append(term.strip())
    return {key: tuple(terms) for key, terms in found.items()}


def words(name: str, key: str) -> tuple[str, ...]:
    """The terms of one key of a word list, every language together (in language order)."""
    found: dict[str, None] = {}
    for lang in LANGUAGES:
        found.update(dict.fromkeys(word_lists(lang, name).get(key, ())))
    return tuple(found)


def prefixes() -> tuple[str, ...]:
    """Particles written onto words in any of our languages, longest first."""
    return tuple(sorted({p for lang in LANGUAGES for p in info(lang).prefixes}, key=len, reverse=True))


def shared_text(name: str) -> str:
    """A data file under locales/ that belongs to no one language (town names in other scripts…)."""
    return (_root() / name).read_text(encoding="utf-8")


def _load(lang: str, domain: str) -> NullTranslations:
    """The .po is compiled in memory, so the repository holds no binary .mo files."""
    path = _root() / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=domain)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


@cache
def translations(lang: str, domain: str) -> NullTranslations:
    """The catalog for lang, falling back to English, then to the msgid itself; built once."""
    lang = lang if lang in _LANGUAGES else FALLBACK
    primary = _load(lang, domain)
    if lang != FALLBACK:
        primary.add_fallback(_load(FALLBACK, domain))
    return primary


def gettext(lang: str, domain: str, msgid: str, **values: object) -> str:
    text = translations(lang, domain).gettext(msgid)
    return text.format(**values) if values else text
