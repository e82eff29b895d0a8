"""Opening hours at an instant: open now?, until when, next opening, and the words to say it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_skeleton, format_time, get_day_names

from db.schedule import DAY_END, Period, Slot, Week
from locales import gettext

__all__ = ["Timing", "Openness", "OpenState", "state_at", "week_slots", "describe", "describe_week"]

HORIZON = timedelta(days=14)
CLOSING_SOON = timedelta(minutes=30)
DOMAIN = "hours"
_TICK = timedelta(microseconds=1)  # a period covers its end instant, so it stops one tick later
# Alsace-Moselle keeps Good Friday and 26 December; overseas departments have their own days.
_SUBDIVS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@dataclass(frozen=True, slots=True)
class Timing:
    """Everything needed to decide whether one service is open; the caller picks which week applies."""

    tz: str
    week: Week | None
    department: str | None = None
    closed_holidays: str = "UNKNOWN"
    closures: tuple[Period, ...] = ()
    temp_hours: tuple[Period, Week | None] | None = None
    status: str = "ONLINE"


class Openness(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class OpenState:
    """The answer at one instant. `today` lists the effective slots of that local day (an end of
    00:00 means midnight), empty when the whole day is closed or unknown; `closed_until` is the end
    of the temporary closure in effect, so that we can say until when."""

    openness: Openness
    reason: str
    closes_at: datetime | None
    opens_at: datetime | None
    today: tuple[tuple[time, time], ...]
    closed_until: datetime | None = None

    @property
    def open(self) -> bool | None:
        return None if self.openness is Openness.UNKNOWN else self.openness is Openness.OPEN


@cache
def _holidays(subdiv: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", subdiv=subdiv, years=year).keys())


def _is_holiday(timing: Timing, day: date) -> bool:
    if timing.closed_holidays != "CLOSED":
        return False
    return day in _holidays(_SUBDIVS.get(timing.department or ""), day.year)


def _regime(timing: Timing, at: datetime, day: date) -> tuple[bool | None, str, Week | None]:
    """(open?, reason, week to read) before looking at the clock; open? None means: read the week."""
    if timing.status != "ONLINE":
        return False, "status", None
    if any(p.covers(at) for p in timing.closures):
        return False, "temporary_closure", None
    if _is_holiday(timing, day):
        return False, "holiday", None
    if timing.temp_hours is not None and timing.temp_hours[0].covers(at):
        week = timing.temp_hours[1]
        return (False if week is None else None), "temporary_hours", week
    if timing.week is None:
        return None, "unknown", None
    return None, "hours", timing.week


def _state(timing: Timing, at: datetime, tz: ZoneInfo) -> tuple[bool | None, str]:
    """Wall-clock semantics: open when the local minute of `at` falls in a slot of its local weekday,
    so both passes of October's repeated hour read the same slots."""
    local = at.astimezone(tz)
    fixed, reason, week = _regime(timing, at, local.date())
    if week is None:
        return fixed, reason
    minute = local.hour * 60 + local.minute
    return any(s.start <= minute < s.end for s in week.days[local.weekday()]), reason


def _instants(day: date, minute: int, tz: ZoneInfo) -> Iterator[datetime]:
    """Both readings of a wall-clock minute (they differ only in the repeated hour)."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    for fold in (0, 1):
        yield naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)


def _transition(tz: ZoneInfo, day: date) -> datetime | None:
    """The UTC offset change in the 24 h window around `day`, found by bisection (zoneinfo hides it)."""
    lo = datetime.combine(day, time(), tzinfo=UTC) - timedelta(hours=15)
    hi = lo + timedelta(days=1)
    offset = lo.astimezone(tz).utcoffset()
    if hi.astimezone(tz).utcoffset() == offset:
        return None
    a, b = 0, 86_400  # seconds after lo; the offset at a is the old one, at b the new one
    while b - a > 1:
        mid = (a + b) // 2
        if (lo + timedelta(seconds=mid)).astimezone(tz).utcoffset() == offset:
            a = mid
        else:
            b = mid
    return lo + timedelta(seconds=b)


def _candidates(timing: Timing, tz: ZoneInfo, first: date, last: date) -> list[datetime]:
    """Every instant where the state may change: slot edges (a change at midnight is always one), DST
    jumps and period edges. Both folds of each edge are kept; the spurious ones cost one lookup."""
    weeks = [w for w in (timing.week, timing.temp_hours[1] if timing.temp_hours else None) if w is not None]
    found: set[datetime] = set()
    day = first
    while day <= last:
        minutes = {m for w in weeks for s in w.days[day.weekday()] for m in (s.start, s.end)}
        found.update(i for m in minutes for i in _instants(day, m, tz))
        if (jump := _transition(tz, day)) is not None:
            found.add(jump)
        day += timedelta(days=1)
    periods = timing.closures + ((timing.temp_hours[0],) if timing.temp_hours else ())
    for period in periods:
        found.add(period.start.astimezone(UTC))
        if period.end is not None:
            found.add(period.end.astimezone(UTC) + _TICK)
    return sorted(found)


def _next(
    timing: Timing, tz: ZoneInfo, since: datetime, wanted: Callable[[bool | None], bool]
) -> datetime | None:
    """First instant after `since` (within the horizon) whose state is `wanted`; the first day is
    scanned alone because almost every answer is found there."""
    start = since.astimezone(tz).date()
    checked = since
    for days, limit in ((2, timedelta(days=1)), (HORIZON.days + 2, HORIZON)):
        for at in _candidates(timing, tz, start - timedelta(days=1), start + timedelta(days=days)):
            if at <= checked:
                continue
            if at > since + limit:
                break
            if wanted(_state(timing, at, tz)[0]):
                return at.astimezone(tz)
        checked = since + limit
    return None


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("state_at needs an aware datetime")
    return at.astimezone(UTC)  # compare in UTC: same-tzinfo comparisons ignore fold


WEEK_MINUTES = 7 * DAY_END


@cache
def _weekly(week: Week) -> tuple[tuple[int, int], ...]:
    """The week as merged intervals in minutes since Monday 00:00, joined across midnights; an
    interval running past Sunday midnight continues into Monday (its end is then > WEEK_MINUTES)."""
    merged: list[tuple[int, int]] = []
    edges = ((d * DAY_END + s.start, d * DAY_END + s.end) for d, day in enumerate(week.days) for s in day)
    for start, end in sorted(edges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if len(merged) > 1 and merged[-1][1] == WEEK_MINUTES and merged[0][0] == 0:
        merged[-1] = (merged[-1][0], WEEK_MINUTES + merged[0][1])
    return tuple(merged)


def _quiet(timing: Timing, now: datetime, tz: ZoneInfo) -> bool:
    """Nothing but the regular week matters over the horizon: no period starts or runs, no holiday
    closes the place, no clock change. Then the week alone answers, without scanning instants."""
    if timing.status != "ONLINE" or timing.week is None:
        return False
    horizon = now + HORIZON + timedelta(days=1)
    periods = timing.closures + ((timing.temp_hours[0],) if timing.temp_hours else ())
    if any(p.start <= horizon and (p.end is None or p.end >= now) for p in periods):
        return False
    if (now - timedelta(days=1)).astimezone(tz).utcoffset() != horizon.astimezone(tz).utcoffset():
        return False
    return timing.closed_holidays != "CLOSED" or not _holiday_within_horizon(
        _SUBDIVS.get(timing.department or ""), now.astimezone(tz).date()
    )


@cache
def _holiday_within_horizon(subdiv: str | None, first: date) -> bool:
    days = (first + timedelta(days=d) for d in range(HORIZON.days + 2))
    return any(day in _holidays(subdiv, day.year) for day in days)


def _quiet_state(week: Week, now: datetime, tz: ZoneInfo) -> OpenState:
    local = now.astimezone(tz)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time())
    minute = local.weekday() * DAY_END + local.hour * 60 + local.minute
    day = week.days[local.weekday()]
    today = tuple((time(s.start // 60, s.start % 60), time(s.end // 60 % 24, s.end % 60)) for s in day)

    def instant(minutes: int) -> datetime:
        return (monday + timedelta(minutes=minutes)).replace(tzinfo=tz)

    intervals = _weekly(week)
    if not intervals:  # a week with no slot at all: closed, and nothing to open in the horizon
        return OpenState(Openness.CLOSED, "hours", None, None, today)
    for start, end in intervals:
        for shift in (0, WEEK_MINUTES):
            if start <= minute + shift < end:
                closes = None if end - start >= WEEK_MINUTES else instant(end - shift)
                return OpenState(Openness.OPEN, "hours", closes, None, today)
    following = [start for start, _ in intervals if start > minute] or [intervals[0][0] + WEEK_MINUTES]
    return OpenState(Openness.CLOSED, "hours", None, instant(following[0]), today)


def state_at(timing: Timing, at: datetime) -> OpenState:
    """Open, closed or unknown at `at`, with the end of this opening or the next one."""
    now, tz = _aware(at), ZoneInfo(timing.tz)
    if timing.week is not None and _quiet(timing, now, tz):
        return _quiet_state(timing.week, now, tz)
    is_open, reason = _state(timing, now, tz)
    times = week_slots(timing, now.astimezone(tz).date()) or ()
    if is_open is None:
        return OpenState(Openness.UNKNOWN, reason, None, None, ())
    if is_open:
        closes = _next(timing, tz, now, lambda o: o is not True)
        return OpenState(Openness.OPEN, reason, closes, None, times)
    if reason == "status":
        return OpenState(Openness.CLOSED, reason, None, None, ())
    until: datetime | None = None
    since = now
    if reason == "temporary_closure":
        ends = [p.end for p in timing.closures if p.covers(now)]
        if any(e is None for e in ends):
            return OpenState(Openness.CLOSED, reason, None, None, times)
        until = max(e.astimezone(UTC) for e in ends if e is not None)
        since = until
    opens = _next(timing, tz, since, lambda o: o is True)
    return OpenState(Openness.CLOSED, reason, None, opens, times, until and until.astimezone(tz))


def week_slots(timing: Timing, day: date) -> tuple[tuple[time, time], ...] | None:
    """Effective slots of a local date (None = unknown). Temporary hours apply when their period
    covers the local noon; a slot lying wholly inside a temporary closure is dropped."""
    tz = ZoneInfo(timing.tz)
    noon = datetime.combine(day, time(12), tzinfo=tz).astimezone(UTC)
    if timing.status != "ONLINE" or _is_holiday(timing, day):
        return ()
    week = timing.week
    if timing.temp_hours is not None and timing.temp_hours[0].covers(noon):
        if (week := timing.temp_hours[1]) is None:
            return ()
    if week is None:
        return None
    kept: list[Slot] = []
    for slot in week.days[day.weekday()]:
        first = min(_instants(day, slot.start, tz))
        last = max(_instants(day, slot.end, tz)) - _TICK
        if not any(p.covers(first) and p.covers(last) for p in timing.closures):
            kept.append(slot)
    return tuple((time(s.start // 60, s.start % 60), time(s.end // 60 % 24, s.end % 60)) for s in kept)


def _t(lang: str, msgid: str, **values: object) -> str:
    return gettext(lang, DOMAIN, msgid, **values)


def _clock(value: time, lang: str, *, end: bool = False) -> str:
    """French writes 18h / 18h30 (and 24h for an end at midnight); every other language the 24-hour
    clock of France ("18:30"): an AM/PM misread turns an evening opening into a morning one."""
    hour = 24 if end and value == time() else value.hour
    if lang == "fr":
        return f"{hour}h{value.minute:02d}" if value.minute else f"{hour}h"
    if hour == 24:
        return "24:00"
    return format_time(value, format="H:mm", locale=lang)


_CASED_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def _capitalized(text: str) -> str:
    """Sentence case only where the script has it: Georgian's Mtavruli letters are capitals of a
    different use ("ᲝᲠᲨᲐᲑᲐᲗᲘ" shouting), and Arabic or Persian have no case at all."""
    first = text[:1]
    if first and unicodedata.name(first, "").startswith(_CASED_SCRIPTS):
        return first.upper() + text[1:]
    return text


def _join(items: list[str], lang: str) -> str:
    return ("، " if lang in ("ar", "fa", "ps") else ", ").join(items)


def _day_name(day: date, lang: str) -> str:
    return str(get_day_names("wide", locale=lang)[day.weekday()])


def _date(day: date, lang: str) -> str:
    """ "5 mars", "March 5"; French says the first of the month "1er"."""
    text = str(format_skeleton("MMMMd", day, locale=lang))
    if lang == "fr" and day.day == 1 and text.startswith("1 "):
        return "1er " + text[2:]
    return text


def describe(
    state: OpenState, at: datetime, lang: str, now: datetime | None = None, *, brief: bool = False
) -> str:
    """A few words for an SMS: open until when, or when it opens next.

    Args:
        now: the real present, when `at` is a searched instant. If their local dates differ
            ("clothes on Sunday" asked on a Tuesday), "today"/"tomorrow" would be read from the
            phone's today, so days are named ("closed Sunday, opens Monday at 9h").
        brief: for a list line that shows the phone number next to it (SMS in UCS-2 scripts):
            "hours unknown", the phone says the rest."""
    if state.openness is Openness.UNKNOWN:
        return _t(lang, "hours unknown") if brief else _t(lang, "hours unknown, call first")
    if state.reason == "status":
        return _t(lang, "closed")
    if state.reason == "temporary_closure":
        if state.closed_until is None:
            return _t(lang, "temporarily closed")
        return _t(
            lang, "temporarily closed until {date}", date=_date((state.closed_until - _TICK).date(), lang)
        )
    if state.reason == "holiday":
        return _t(lang, "closed (public holiday)")
    target = state.closes_at if state.open else state.opens_at
    if target is None:
        return _t(lang, "open 24/7") if state.open else _t(lang, "closed")
    searched = _aware(at).astimezone(target.tzinfo)
    today = searched.date()
    named = now is not None and _aware(now).astimezone(target.tzinfo).date() != today
    ahead = (target.date() - today).days
    clock = _clock(target.time(), lang)
    day = _day_name(target.date(), lang)
    if state.open:
        left = target.astimezone(UTC) - searched.astimezone(UTC)
        if left <= CLOSING_SOON:  # someone on foot may arrive to a closed door: say how long is left
            minutes = max(1, -(-int(left.total_seconds()) // 60))
            return _t(lang, "closes in {minutes} min, at {time}", minutes=minutes, time=clock)
        if target.time() == time() and ahead == 1:
            return _t(lang, "open until midnight")
        if ahead == 0:
            return _t(lang, "open until {time}", time=clock)
        if ahead == 1 and not named:
            return _t(lang, "open until {time} tomorrow", time=clock)
        return _t(lang, "open until {day} at {time}", day=day, time=clock)
    if ahead == 0:
        return _t(lang, "opens at {time}", time=clock)
    if ahead > 6:
        return _t(lang, "closed, opens on {date} at {time}", date=_date(target.date(), lang), time=clock)
    if state.today:  # it did or will open today: "closed today" would be wrong
        if ahead == 1 and not named:
            return _t(lang, "closed, opens tomorrow at {time}", time=clock)
        return _t(lang, "closed, opens {day} at {time}", day=day, time=clock)
    if named:
        return _t(
            lang,
            "closed {weekday}, opens {day} at {time}",
            weekday=_day_name(today, lang),
            day=day,
            time=clock,
        )
    if ahead == 1:
        return _t(lang, "closed today, opens tomorrow at {time}", time=clock)
    return _t(lang, "closed today, opens {day} at {time}", day=day, time=clock)


def _merged_nights(week: Week) -> list[list[tuple[int, int]]]:
    """The week's slots per day, a night running past midnight joined onto its first day."""
    days = [list(d) for d in week.days]
    shown: list[list[tuple[int, int]]] = [[(s.start, s.end) for s in d] for d in days]
    for i in range(7):
        following = days[(i + 1) % 7]
        if days[i] and 0 < days[i][-1].start and days[i][-1].end == DAY_END and following:
            head = following[0]
            if head.start == 0 and head.end < DAY_END and (head.start, head.end) in shown[(i + 1) % 7]:
                shown[i][-1] = (days[i][-1].start, head.end)
                shown[(i + 1) % 7].remove((head.start, head.end))
    return shown


def _hours(slots: list[tuple[int, int]], lang: str) -> str:
    if slots == [(0, DAY_END)]:
        return _t(lang, "open 24 hours")
    if not slots:
        return _t(lang, "closed")
    return _join(
        [
            f"{_clock(time(a // 60, a % 60), lang)}–{_clock(time(b // 60 % 24, b % 60), lang, end=True)}"
            for a, b in slots
        ],
        lang,
    )


def describe_week(week: Week | None, lang: str, *, compact: bool = False) -> tuple[str, ...]:
    """Seven lines, Monday first; a night running past midnight reads as one range on its first day.
    Empty when the hours are unknown (say so with `describe`).

    `compact` is for SMS in UCS-2 scripts, where 67 characters make a segment: runs of days with
    the same hours share one line under abbreviated names ("Пн–Пт: 9:00–17:00")."""
    if week is None:
        return ()
    shown = _merged_nights(week)
    if compact:
        return _compact_week(shown, lang)
    names = get_day_names("wide", context="stand-alone", locale=lang)
    return tuple(
        _t(lang, "{day}: {hours}", day=_capitalized(str(names[i])), hours=_hours(slots, lang))
        for i, slots in enumerate(shown)
    )


def _compact_week(shown: list[list[tuple[int, int]]], lang: str) -> tuple[str, ...]:
    names = get_day_names("abbreviated", context="stand-alone", locale=lang)
    lines: list[str] = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and shown[j + 1] == shown[i]:
            j += 1
        if shown[i]:  # closed days are the ones not listed
            first = _capitalized(str(names[i]))
            days = first if i == j else f"{first}–{_capitalized(str(names[j]))}"
            lines.append(_t(lang, "{day}: {hours}", day=days, hours=_hours(shown[i], lang)))
        i = j + 1
    return tuple(lines)
