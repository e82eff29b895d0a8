"""Every sentence a user can read: gettext catalogs per language and domain, loaded with Babel."""

from __future__ import annotations

from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = ["LANGUAGES", "RTL_LANGUAGES", "translations", "gettext"]

LANGUAGES = ("fr", "en", "ar", "es", "ru", "ps", "fa", "uk", "ca", "ka", "ro", "pt")
RTL_LANGUAGES = frozenset({"ar", "fa", "ps"})
FALLBACK = "en"


def _load(lang: str, domain: str) -> NullTranslations:
    """The .po is compiled in memory, so the repository holds no binary .mo files."""
    path = resources.files("locales").joinpath(f"{lang}/LC_MESSAGES/{domain}.po")
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
    lang = lang if lang in LANGUAGES else FALLBACK
    primary = _load(lang, domain)
    if lang != FALLBACK:
        primary.add_fallback(_load(FALLBACK, domain))
    return primary


def gettext(lang: str, domain: str, msgid: str, **values: object) -> str:
    text = translations(lang, domain).gettext(msgid)
    return text.format(**values) if values else text
