"""Words of the conversation in the user's language: catalog look-ups and Babel numbers, dates, times."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

import locales

DOMAIN = "conversation"
LANGUAGES = locales.LANGUAGES
DEFAULT_LANG = "fr"


def t(lang: str, msgid: str, **values: object) -> str:
    return locales.gettext(lang, DOMAIN, msgid, **values)


def nt(lang: str, singular: str, plural: str, n: int, **values: object) -> str:
    return locales.ngettext(lang, DOMAIN, singular, plural, n, **values)


def distance(meters: float, lang: str) -> str:
    """ "350 m" under a kilometre (rounded to 10 m), "1,2 km" above, decimals as the locale writes them."""
    if meters < 1000:
        return t(lang, "{meters} m", meters=format_decimal(max(10, round(meters, -1)), locale=lang))
    km = meters / 1000
    shown = format_decimal(round(km, 1) if km < 10 else round(km), format="#,##0.#", locale=lang)
    return t(lang, "{km} km", km=shown)


def kilometres(km: float, lang: str) -> str:
    return t(lang, "{km} km", km=format_decimal(km, format="#,##0.#", locale=lang))


def clock(value: time, lang: str) -> str:
    """French says 19h / 19h30; other languages get CLDR's short time."""
    if lang == "fr":
        return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"
    return format_time(value, format="short", locale=lang).replace("\u202f", " ")


def long_date(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=lang)


def weekday(day: datetime, lang: str) -> str:
    return format_date(day.date(), format="EEEE", locale=lang)


@cache
def autonym(lang: str) -> str:
    """A language in its own name ("français", "العربية"), from CLDR."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:] if lang != "ka" else name
