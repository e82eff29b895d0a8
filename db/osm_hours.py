"""OpenStreetMap `opening_hours` expressions read into solibot's weekly hours, or refused with a reason.

data·inclusion writes hours in OSM syntax (`Mo-Fr 08:30-12:30; PH off`); solibot stores a week of
slots and a holiday policy (db/schedule.py), the Soliguide model search reads. The expression is
parsed and evaluated by opening-hours-py (the OSM reference grammar, in Rust), day by day over the
coming year; it is kept only when that year is exactly one repeating week plus one of the three
holiday policies. Anything else (months, week numbers, a date, sunrise, school holidays, an open
end, a comment, `unknown`, other hours on public holidays) cannot be told by a week without claiming
"open" on some day it is not: such hours are kept as unknown and the reason is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import opening_hours
from opening_hours import OpeningHours, State

from db.schedule import DAY_END, Slot, Week

__all__ = ["HORIZON_DAYS", "OsmHours", "read_opening_hours"]

HORIZON_DAYS = 371  # a year and a week: every weekday, every public holiday and month is seen once
MAX_LENGTH = 1000  # longer than any real expression; the parser is not handed arbitrary text

_COMMENT = re.compile(r'"[^"]*"')
_PH = re.compile(r"\bPH\b")
# What evaluation over a year cannot see, or sees wrongly without more context than the text: the
# parser knows no school holidays (SH would never apply), has no coordinates for solar times (it
# puts sunrise at 07:00), and reads an open end (10:00+) as open until midnight.
_LEXICAL = (
    (re.compile(r"\bSH\b"), "school holidays (SH) are not known"),
    (re.compile(r"\b(?:sunrise|sunset|dawn|dusk)\b"), "solar times (sunrise, sunset) vary by day"),
    (re.compile(r"\d\+|\+\s*(?:;|,|$)"), "an open end (10:00+) has no closing time"),
    (re.compile(r"\|\|"), "a fallback rule (||) says what happens otherwise"),
)
_Day = tuple[Slot, ...]
# The parser's syntax error (an Exception); its type stub does not declare it.
_ParserError: type[Exception] = getattr(opening_hours, "ParserError", ValueError)


@dataclass(frozen=True, slots=True)
class OsmHours:
    """What an expression says in solibot's terms: `week` None means unknown hours, and `problem`
    says why when there was an expression (None when it was simply absent)."""

    week: Week | None
    closed_holidays: str = "UNKNOWN"  # OPEN, CLOSED or UNKNOWN, as Soliguide's `closedHolidays`
    problem: str | None = None


def read_opening_hours(expression: str | None, *, start: date) -> OsmHours:
    """The expression as a week and a holiday policy, checked day by day from `start` over
    HORIZON_DAYS; unknown hours with a reason when it is not one repeating week.

    Public holidays are those of the parser's calendar for France (the national days). A place that
    says `PH off` is read as closed on public holidays: search then also closes it on the holidays
    of its own department (Good Friday and 26 December in Alsace-Moselle, the overseas days), which
    is what the place means by PH there.
    """
    if expression is None or not expression.strip():
        return OsmHours(None)
    return _read(" ".join(expression.split()), start)


@lru_cache(maxsize=16_384)
def _read(expression: str, start: date) -> OsmHours:
    if len(expression) > MAX_LENGTH:
        return OsmHours(None, problem=f"longer than {MAX_LENGTH} characters")
    if _COMMENT.search(expression):
        return OsmHours(None, problem="a comment qualifies the hours")
    for pattern, why in _LEXICAL:
        if pattern.search(expression):
            return OsmHours(None, problem=why)
    try:
        parsed = OpeningHours(expression, country="FR", auto_country=False, auto_timezone=False)
    except _ParserError:
        return OsmHours(None, problem="not OpenStreetMap opening_hours syntax")
    days = _days(parsed, start)
    if days is None:
        return OsmHours(None, problem="some hours are 'unknown'")
    holidays = _public_holidays(start)
    week: list[_Day | None] = [None] * 7
    for day, slots in days.items():
        if day in holidays:
            continue
        seen = week[day.weekday()]
        if seen is None:
            week[day.weekday()] = slots
        elif seen != slots:
            return OsmHours(None, problem="the hours change with the date (months, weeks or years)")
    regular = Week(tuple(d or () for d in week))
    policy = _holiday_policy(expression, regular, {d: s for d, s in days.items() if d in holidays})
    if policy is None:
        return OsmHours(None, problem="public holidays have hours of their own")
    return OsmHours(regular, policy)


def _days(parsed: OpeningHours, start: date) -> dict[date, _Day] | None:
    """The open slots of each local day over the horizon (wall-clock, no time zone: a week is
    wall-clock too); None when any interval is `unknown`."""
    first = datetime.combine(start, time())
    last = first + timedelta(days=HORIZON_DAYS)
    days: dict[date, list[Slot]] = {first.date() + timedelta(days=n): [] for n in range(HORIZON_DAYS)}
    for begin, end, state, _comment in parsed.intervals(first, last):
        if state == State.UNKNOWN:
            return None
        if state != State.OPEN:
            continue
        cursor = begin
        while cursor < end:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time())
            stop = min(end, midnight)
            minutes = cursor.hour * 60 + cursor.minute
            until = DAY_END if stop == midnight else stop.hour * 60 + stop.minute
            if until > minutes:
                days[cursor.date()].append(Slot(minutes, until))
            cursor = stop
    return {day: _merged(slots) for day, slots in days.items()}


def _merged(slots: list[Slot]) -> _Day:
    out: list[Slot] = []
    for slot in sorted(slots, key=lambda s: s.start):
        if out and slot.start <= out[-1].end:
            out[-1] = Slot(out[-1].start, max(out[-1].end, slot.end))
        else:
            out.append(slot)
    return tuple(out)


def _holiday_policy(expression: str, regular: Week, holidays: dict[date, _Day]) -> str | None:
    """CLOSED when every public holiday is closed, OPEN when the expression names PH and keeps the
    usual hours on them, UNKNOWN when it does not mention them (holidays then follow the week, as OSM
    says, but the place never told); None for any other holiday hours."""
    if not holidays:
        return "UNKNOWN"
    usual = all(slots == regular.days[day.weekday()] for day, slots in holidays.items())
    named = bool(_PH.search(expression))
    if named and all(not slots for slots in holidays.values()):
        return "CLOSED" if not usual or not regular.is_empty() else "UNKNOWN"
    if usual:
        return "OPEN" if named else "UNKNOWN"
    return None


@lru_cache(maxsize=64)
def _public_holidays(start: date) -> frozenset[date]:
    """The parser's own calendar over the horizon, asked from the parser itself, so that what it
    evaluates as a holiday and what is set aside here are the same days."""
    first = datetime.combine(start, time())
    found: set[date] = set()
    only = OpeningHours("PH", country="FR", auto_country=False, auto_timezone=False)
    for begin, end, state, _comment in only.intervals(first, first + timedelta(days=HORIZON_DAYS)):
        day = begin.date()
        while state == State.OPEN and datetime.combine(day, time()) < end:
            found.add(day)
            day += timedelta(days=1)
    return frozenset(found)
