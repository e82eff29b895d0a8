"""Words of the conversation in the user's language: catalog look-ups and Babel numbers, dates, times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal

import locales
from search import detect_language

DOMAIN = "conversation"
LANGUAGES = locales.LANGUAGES
DEFAULT_LANG = locales.DEFAULT


@lru_cache(maxsize=32)  # LANGUAGES: 12
def babel_locale(lang: str) -> Locale:
    """The CLDR locale of a language, parsed once: Babel's formatters parse a locale given by name at
    every call (about eight times a reply)."""
    return Locale.parse(lang)


def reply_language(text: str, hint: str | None = None) -> str:
    """The language to answer a message in when the conversation could not be read (a channel's own
    notice): the message's, else the hint's."""
    return detect_language(text, hint=locales.from_tag(hint) if hint else None)


def t(lang: str, msgid: str, **values: object) -> str:
    return locales.gettext(lang, DOMAIN, msgid, **values)


def tr(lang: str, msgid: str, **values: object) -> str:
    """A sentence of sending a place by SMS and reporting a place wrong (catalog `sending`, issue 13)."""
    return locales.gettext(lang, "sending", msgid, **values)


def join(items: Iterable[str], lang: str) -> str:
    """A short enumeration ("femmes, familles"), with the comma the script uses (Arabic "،")."""
    return locales.info(lang).list_separator.join(items)


def capitalized(text: str, lang: str) -> str:
    """First letter up ("Dimanche vers 8h") where the language writes sentences so: Georgian's
    Mtavruli capitals are not sentence case, and Arabic has no case at all."""
    return text[:1].upper() + text[1:] if locales.info(lang).sentence_case else text


def distance(meters: float, lang: str) -> str:
    """ "350 m" under a kilometre (rounded to 10 m), "1,2 km" above, decimals as the locale writes them.
    The rounding comes first, so 996 m reads "1 km", not "1 000 m"."""
    rounded = max(10, int(round(meters, -1)))
    if rounded < 1000:
        return t(lang, "{meters} m", meters=format_decimal(rounded, locale=babel_locale(lang)))
    km = meters / 1000
    shown = format_decimal(
        round(km, 1) if km < 10 else round(km), format="#,##0.#", locale=babel_locale(lang)
    )
    return t(lang, "{km} km", km=shown)


def kilometres(km: float, lang: str) -> str:
    return t(lang, "{km} km", km=format_decimal(km, format="#,##0.#", locale=babel_locale(lang)))


def clock(value: time, lang: str, *, end: bool = False) -> str:
    """The 24-hour clock of France in every language ("19:30"; French "19h30", "19h"), never AM/PM:
    the places keep French hours and a 7 PM misread as 7 AM is a night outside. With `end`,
    midnight closes the day: "24h", "24:00" (Babel's "k", hours 1 to 24)."""
    language = locales.info(lang)
    pattern = language.time_format if value.minute else language.time_format_whole_hour
    if end and value == time():
        pattern = pattern.replace("H", "k")
    return format_time(value, format=pattern, locale=babel_locale(lang))


def _first_of_month(text: str, day: date, lang: str) -> str:
    """French writes the first of the month "1er décembre" (locales/<lang>/language.tsv)."""
    first = locales.info(lang).first_of_month
    if day.day == 1 and text.startswith("1 ") and first != "1":
        return f"{first} {text[2:]}"
    return text


def long_date(day: date, lang: str) -> str:
    """ "18 septembre 2026", "September 18, 2026"."""
    return _first_of_month(format_date(day, format="long", locale=babel_locale(lang)), day, lang)


def day_month(day: date, lang: str) -> str:
    """ "5 mars", "March 5"."""
    return _first_of_month(str(format_skeleton("MMMMd", day, locale=babel_locale(lang))), day, lang)


def weekday(day: date, lang: str) -> str:
    """ "lundi", "Monday" (a datetime is read as its date)."""
    return format_date(day, format="EEEE", locale=babel_locale(lang))


@cache
def autonym(lang: str) -> str:
    """A language in its own name ("français", "العربية"), from CLDR."""
    name = babel_locale(lang).get_display_name(lang) or lang
    return capitalized(name, lang)
