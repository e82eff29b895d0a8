"""When a free-text message means ("ce soir", "demain à 9h", "samedi", "tonight"), as a time window."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple

import locales
from db import PARIS
from search.textnorm import alternation, fold_map, token_spans

__all__ = ["TimeWindow", "find_when", "for_the_night", "PARIS"]

log = logging.getLogger(__name__)

MAX_CHARS = 1500
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_KEYS = frozenset({"today", "tomorrow", "after_tomorrow", "weekend", *WEEKDAYS})
# Parts of the day: (start hour, end hour); an end past 24 runs into the next morning.
PARTS = {
    "morning": (8, 12),
    "noon": (12, 14),
    "afternoon": (14, 18),
    "evening": (18, 24),
    "night": (20, 32),
    "tonight": (18, 32),
}
PART_ORDER = ("tonight", "night", "evening", "afternoon", "noon", "morning")
PHRASE_KEYS = ("now", "today", *PARTS, "tomorrow", "after_tomorrow", "weekend", "next", *WEEKDAYS)


def _words(key: str) -> tuple[str, ...]:
    return locales.words("when", key)


# "18h", "18h30", "18 h 30", "18:30", "6pm", "6 pm", "6:30pm", "9am", "20 heures", "الساعة 6", "6 صبح".
_CLOCK = re.compile(
    rf"(?:(?:{alternation(_words('clock_prefix'))})\s?(?=\d))?(?<![\w:/.,])(\d{{1,2}})"
    rf"(?:\s?({alternation(_words('clock_unit'))})\s?(\d{{2}})?"
    rf"|:(\d{{2}})|\s?({alternation(_words('am') + _words('pm'))})"
    rf"|(?<=\d)(?=\s?(?:{alternation(_words('clock_suffix'))})))(?![\w/])",
    re.IGNORECASE,
)
_PM = frozenset(word.lower() for word in _words("pm"))
_AM = frozenset(word.lower() for word in _words("am"))

# "dans 2 heures", "dans une heure", "in 30 min", "en una hora", "daqui a 2 horas", "через час":
# a delay from the sending instant, read on the folded text before any clock time ("2 heures" is
# not 2 a.m.).
_MINUTES = frozenset(_words("minute_unit"))
_RELATIVE = re.compile(
    rf"(?<!\w)(?:{alternation(_words('relative_cue'))})\s+"
    rf"(\d{{1,3}}|{alternation(_words('one') + _words('two') + _words('three'))})?\s*"
    rf"({alternation(_words('hour_unit') + _words('minute_unit'))})(?!\w)"
)
_WORD_NUMBERS = (
    dict.fromkeys(_words("one"), 1) | dict.fromkeys(_words("two"), 2) | dict.fromkeys(_words("three"), 3)
)
# A word before a time that puts it in the past: "depuis ce matin", "since this morning" (a persona
# trial, 2026-12-06: a pregnant woman in pain "depuis ce matin", at 18:00, was searched tomorrow at 8)
_SINCE = frozenset(t for w in _words("since") for t, _, _ in token_spans(w))
# A word just before a clock time that makes it the end of the window: "avant 22h", "before 9pm".
_BEFORE = frozenset(_words("before"))

# Calendar dates: "25 décembre", "le 1er janvier", "december 25th", "25/12", "25 de diciembre"; the
# days of fixed holidays by name ("jour de Noël", "nouvel an", "christmas day"); and a day of the
# month alone after a word that asks about a day ("c ouvert le 25 ?", "manger le 24 au soir"): "le 3"
# alone is a result of the list ("le 3 est fermé"), not the 3rd.
_PAST_DAYS = 300  # a date without its year this far behind is gone by; farther, it is next year's
_MONTHS = {word: month for month in range(1, 13) for word in _words(f"month{month}")}
_NTH = r"(\d{1,2})(?:er|re|st|nd|rd|th|º|o)?"
_YEAR = r"(?:\s+(\d{4}))?"
# The eves first: at the same place, "on new year's eve" is the 31st, not "on new year's".
_HOLIDAY_KEYS = (
    ("christmas_eve", 12, 24),
    ("new_years_eve", 12, 31),
    ("christmas", 12, 25),
    ("new_year", 1, 1),
)
# A message with no digit and none of these words names no date: most, whose reading then compiles
# nothing (a first `solibot chat --once` pays for what it reads)
_CALENDAR_WORDS = frozenset(
    w
    for phrase in (*_MONTHS, *(p for key, _, _ in _HOLIDAY_KEYS for p in _words(key)))
    for w, _, _ in token_spans(phrase)
)


_WORD = re.compile(r"[^\W_]+")


class _Calendar(NamedTuple):
    day_month: re.Pattern[str]  # "25 décembre", "1er janvier 2027", "25 de diciembre"
    month_day: re.Pattern[str]  # "december 25th" (not "may 2 people", Romanian "mai 2": more)
    numeric: re.Pattern[str]  # "25/12", "25/12/2026"
    cued_day: re.Pattern[str]  # "ouvert le 25", "le 24 au soir"
    holidays: re.Pattern[str]  # "jour de Noël", "nouvel an", "christmas eve"
    # A street's name ("rue du 14 juillet", "place du 8 mai 1945") or a day gone by ("depuis le 2 mai",
    # "né le 12/03/90"): no date to search.
    not_after: re.Pattern[str]


@cache
def _patterns() -> _Calendar:
    month = alternation(_MONTHS)
    month_first = alternation(word for word in _MONTHS if word not in ("may", "mai"))
    units = alternation(_words("clock_unit") + _words("hour_unit") + _words("minute_unit"))
    return _Calendar(
        re.compile(rf"(?<![\w/.:]){_NTH}\s+(?:de\s+|of\s+)?({month}){_YEAR}(?!\w)"),
        re.compile(rf"(?<!\w)({month_first})\s+{_NTH}(?![\w/:]){_YEAR}"),
        re.compile(r"(?<![\w/.:])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\w/])"),
        re.compile(
            rf"(?<!\w)(?:{alternation(_words('date_cue'))})\s+{_NTH}(?![\w/:])(?!\s*(?:{units})(?!\w))"
            rf"|(?<!\w)(?:{alternation(_words('date_article'))})\s+{_NTH}\s+"
            rf"(?={alternation(_words('date_part'))}(?!\w))"
        ),
        re.compile(
            "(?<!\\w)(?:"
            + "|".join(f"({alternation(_words(key))})" for key, _, _ in _HOLIDAY_KEYS)
            + ")(?!\\w)"
        ),
        re.compile(rf"(?<!\w)(?:{alternation(_words('not_after'))})(?:\s+(?:du|des|de|le|la|l'|the))?\s*$"),
    )


@dataclass(frozen=True, slots=True)
class TimeWindow:
    start: datetime
    end: datetime
    # label: now today tonight evening night noon morning afternoon tomorrow after_tomorrow day weekend time
    label: str
    span: tuple[int, int] | None  # characters of the input that said it, first to last
    said: tuple[tuple[int, int], ...] = ()  # each time phrase, when several ("hoje … essa noite")


@cache
def _lexicon() -> tuple[dict[tuple[str, ...], str], int]:
    """Every language's time phrases as token tuples; a phrase two keys list keeps the first key."""
    phrases: dict[tuple[str, ...], str] = {}
    longest = 1
    for key in PHRASE_KEYS:
        for form in _words(key):
            toks = tuple(t for t, _, _ in token_spans(form))
            if toks and toks not in phrases:
                phrases[toks] = key
                longest = max(longest, len(toks))
    return phrases, longest


def find_when(text: str, now: datetime) -> TimeWindow | None:
    """The window a message asks about, relative to the instant it was sent; None if it names no time."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return _find(text[:MAX_CHARS], _aware(now).astimezone(PARIS))
    except Exception:  # noqa: BLE001 - a parsing bug must not lose the user's message
        log.exception("find_when failed")
        return None


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=PARIS)


def _at(day: date, hour: float) -> datetime:
    """Wall-clock hour on a day in Paris; hours past 24 fall on the next day."""
    extra, h = divmod(hour, 24)
    minutes = round((h % 1) * 60)
    naive = datetime.combine(day + timedelta(days=int(extra)), time(int(h), minutes))
    return naive.replace(tzinfo=PARIS)


def _relative(text: str, now: datetime) -> TimeWindow | None:
    folded, where = fold_map(text)
    m = _RELATIVE.search(folded)
    if m is None:
        return None
    count = m.group(1)
    amount = int(count) if count and count.isdigit() else _WORD_NUMBERS.get(count or "", 1)
    unit = m.group(2)
    minutes = amount if unit in _MINUTES else amount * 60
    if not 0 < minutes <= 24 * 60:
        return None
    at = now + timedelta(minutes=minutes)
    span = (where[m.start()], where[m.end() - 1] + 1)
    return TimeWindow(max(now, at - timedelta(minutes=15)), at + timedelta(hours=1), "time", span)


def _find(text: str, now: datetime) -> TimeWindow | None:
    relative = _relative(text, now)
    if relative is not None:
        return relative
    phrases, longest = _lexicon()
    spans = token_spans(text)
    toks = [t for t, _, _ in spans]
    found: dict[str, tuple[int, int]] = {}  # key -> character span of its first mention
    i = 0
    while i < len(toks):
        for m in range(min(longest, len(toks) - i), 0, -1):
            key = phrases.get(tuple(toks[i : i + m]))
            if key is None:
                continue
            if not (i and toks[i - 1] in _SINCE):  # "mal au ventre depuis ce matin": a time gone by
                found.setdefault(key, (spans[i][1], spans[i + m - 1][2]))
            i += m - 1
            break
        i += 1
    today = now.date()
    calendar = _calendar(text, today)
    clock = _clock(text, calendar[1] if calendar else None)
    if not found and clock is None and calendar is None:
        return None
    marks = list(found.values()) + ([clock[2]] if clock else []) + ([calendar[1]] if calendar else [])
    span = (min(s for s, _ in marks), max(e for _, e in marks))
    said = tuple(sorted(marks))

    day: date | None = None
    day_key = next((k for k in found if k in DAY_KEYS), None)
    # "demain" at 1:30, not yet slept: the day that dawns, as "ce soir" then is the night going on
    dawn = now.hour < NOT_YET_SLEPT and day_key in ("tomorrow", "after_tomorrow")
    if calendar is not None:  # a date said outweighs "demain" or a weekday said with it
        day, day_key, dawn = calendar[0], None, False
    elif day_key == "tomorrow":
        day = today + timedelta(days=0 if dawn else 1)
    elif day_key == "after_tomorrow":
        day = today + timedelta(days=1 if dawn else 2)
    elif day_key == "today":
        day = today
    elif day_key in WEEKDAYS:
        ahead = (WEEKDAYS.index(day_key) - today.weekday()) % 7
        if ahead == 0 and ("next" in found or now.hour >= 20):
            ahead = 7
        day = today + timedelta(days=ahead)
    elif day_key == "weekend":
        sat = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            sat = today - timedelta(days=1)
        start = max(now, _at(sat, 0)) if sat <= today else _at(sat, 0)
        if clock is None and not any(k in PARTS for k in found):
            return TimeWindow(start, _at(sat, 23 + 59 / 60) + timedelta(days=1), "weekend", span, said)
        day = sat if sat >= today else today

    part = next((k for k in PART_ORDER if k in found), None)
    if part == "evening" and day is None and clock is None and now.hour < 6:
        part = "tonight"  # "ce soir" at 1 a.m., not yet slept: the night in progress, not tomorrow's evening
    if clock is not None:
        hour, minute, _ = clock
        if part in ("evening", "night", "tonight", "afternoon") and hour < 12:
            hour += 12
        at_day = day or today
        start = _at(at_day, hour + minute / 60)
        if day is None and start < now - timedelta(hours=1) or dawn and start < now:
            # gone by today: tomorrow's ("demain à 1h" said at 2:00 is the next night's 1:00)
            start = _at(at_day + timedelta(days=1), hour + minute / 60)
        before = [t for t, _, e in spans if e <= clock[2][0]]
        if before and before[-1] in _BEFORE:  # "avant 22h": from now (or the day's start) until then
            opening = now if start.date() == today else _at(start.date(), 8)
            if opening < start:
                return TimeWindow(opening, start, "time", span, said)
        return TimeWindow(start, start + timedelta(hours=1), "time", span, said)
    if part is not None:
        lo, hi = PARTS[part]
        at_day = day or today
        if day is None and part in ("night", "tonight") and now.hour < 6:
            at_day = today - timedelta(days=1)  # "cette nuit" at 2 a.m. is the night in progress
        start, end = _at(at_day, lo), _at(at_day, hi) - (timedelta(minutes=1) if hi == 24 else timedelta(0))
        if day is None and end <= now:
            start, end = start + timedelta(days=1), end + timedelta(days=1)
        if start < now < end and day in (None, today):
            start = now
        return TimeWindow(start, end, part, span, said)
    if day is not None:
        if day == today and not dawn:
            end = max(_at(today, 20), now + timedelta(hours=2))
            return TimeWindow(now, end, "today", span, said)
        label = day_key if day_key in ("tomorrow", "after_tomorrow") else "day"
        return TimeWindow(_at(day, 8), _at(day, 20), label or "day", span, said)
    if "now" in found:
        return TimeWindow(now, now + timedelta(hours=1), "now", span, said)
    return None


# Windows naming a whole day, which a request for a bed means as the night that follows it.
_DAY_LABELS = frozenset({"today", "tomorrow", "after_tomorrow", "day"})
MORNING_AFTER = 8  # a night's shelter runs until the next morning
NOT_YET_SLEPT = 5  # before this hour, "demain" is the day that dawns


def for_the_night(window: TimeWindow) -> TimeWindow:
    """A day asked about for a bed ("un lit aujourd'hui", "нічліг на сьогодні", "dormir samedi"):
    the day and the night after it, until 08:00 the next morning, like "ce soir" or "tonight".
    Windows that name a part of the day or a clock time are kept as they are."""
    if window.label not in _DAY_LABELS:
        return window
    end = _at(window.start.astimezone(PARIS).date(), 24 + MORNING_AFTER)
    return TimeWindow(window.start, max(window.end, end), window.label, window.span, window.said)


def _calendar(text: str, today: date) -> tuple[date, tuple[int, int]] | None:
    """The first calendar date to come that the message names (see _Calendar's patterns), the
    next one from today when it names no year, with the characters that said it; None for none, an
    impossible date ("31/02"), a date gone by or a street's name. "24/7" and "7/7" are opening hours."""
    folded, where = fold_map(text)
    if not any(c.isdigit() for c in folded) and not _CALENDAR_WORDS.intersection(_WORD.findall(folded)):
        return None
    calendar = _patterns()
    found: list[tuple[int, int, int, int | None, int]] = []  # (start, day, month, year, end)
    for m in calendar.day_month.finditer(folded):
        found.append((m.start(), int(m.group(1)), _MONTHS[m.group(2)], _year(m.group(3), today), m.end()))
    for m in calendar.month_day.finditer(folded):
        found.append((m.start(), int(m.group(2)), _MONTHS[m.group(1)], _year(m.group(3), today), m.end()))
    for m in calendar.numeric.finditer(folded):
        first, second, year = int(m.group(1)), int(m.group(2)), m.group(3)
        hours = second == 7 and (first <= 7 or first == 24)  # "24/7", "5/7": days of the week
        # "25/12", "05/01", "25/12/2026"; not "7/7" nor "24/24" (hours), nor "3/4" ("3 or 4 of us")
        if not hours and (
            year or first != second and (len(m.group(1)) == len(m.group(2)) == 2 or first > 12)
        ):
            found.append((m.start(), first, second, _year(year, today), m.end()))
    for m in calendar.holidays.finditer(folded):
        group = next(i for i in range(len(_HOLIDAY_KEYS)) if m.group(i + 1))
        _, month, number = _HOLIDAY_KEYS[group]
        found.append((m.start(), number, month, None, m.end()))
    if not found:
        for m in calendar.cued_day.finditer(folded):
            group = 1 if m.group(1) else 2
            found.append((m.start(group), int(m.group(group)), 0, None, m.end(group)))
            break
    for start, number, month, year, end in sorted(found):
        if calendar.not_after.search(folded[:start]):
            continue
        day = _day_of_month(number, today) if month == 0 else _next(number, month, year, today)
        if day is not None:
            return day, (where[start], where[end - 1] + 1)
    return None


def _year(said: str | None, today: date) -> int | None:
    """A year as written: "2027", "27"; "90" is 1990."""
    if said is None:
        return None
    year = int(said)
    if len(said) == 2:
        year += 2000 if year <= today.year % 100 + 1 else 1900
    return year


def _next(number: int, month: int, year: int | None, today: date) -> date | None:
    """That day, this year or the next; None when it is gone by (a year said, or not long ago)."""
    try:
        day = date(year or today.year, month, number)
        if year is None and day < today and (today - day).days > _PAST_DAYS:
            day = date(today.year + 1, month, number)
    except ValueError:
        return None
    return day if day >= today else None


def _day_of_month(number: int, today: date) -> date | None:
    """The next day numbered so: this month's, or the next month that has it ("le 30" on 31 January is
    30 March)."""
    first = today.year * 12 + today.month - 1 + (number < today.day)  # months counted from year 0
    for months in range(first, first + 3):
        try:
            return date(months // 12, months % 12 + 1, number)
        except ValueError:
            continue
    return None


def _clock(text: str, date_span: tuple[int, int] | None = None) -> tuple[int, int, tuple[int, int]] | None:
    """An explicit clock time. A bare number is not one: "paris 18", "68100" or "2 enfants" stay numbers;
    nor is the day of a date (`date_span`: "le 25 à 12h" is 12:00)."""
    for m in _CLOCK.finditer(text):
        if date_span is not None and date_span[0] <= m.start() < date_span[1]:
            continue
        hour = int(m.group(1))
        minute = int(m.group(3) or m.group(4) or 0)
        suffix = (m.group(5) or "").lower()
        if m.group(4) is not None and m.group(2) is None and not suffix and hour > 23:
            continue
        if suffix in _PM and hour < 12:
            hour += 12
        elif suffix in _AM and hour == 12:
            hour = 0
        if suffix and not 1 <= int(m.group(1)) <= 12:
            continue
        if hour > 23 or minute > 59:
            continue
        if m.group(2) and text[m.end() : m.end() + 1] == "/":
            continue  # "24h/24", "7h/7": opening hours, not a time
        return hour, minute, (m.start(), m.end())
    return None
