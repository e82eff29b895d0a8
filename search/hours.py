"""Opening hours at an instant: open?, until when, next opening; values only (the words are in handlers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from importlib.metadata import version
from zoneinfo import ZoneInfo

from db import DAY_END, Period, Slot, Week
from search.prebuilt import load_or_build

__all__ = ["Timing", "Openness", "OpenState", "prepare_holidays", "state_at", "week_slots"]

HORIZON = timedelta(days=14)
_TICK = timedelta(microseconds=1)  # a period covers its end instant, so it stops one tick later
# Alsace-Moselle keeps Good Friday and 26 December; overseas departments have their own days, and
# so do the collectivities Soliguide numbers 977 (Saint-Barthélemy: 9 October) and 978 (Saint-Martin).
_SUBDIVS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
    "977": "BL",
    "978": "MF",
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
    holiday_unsure: bool = False  # open (or opening) on a public holiday the place says nothing of

    @property
    def open(self) -> bool | None:
        return None if self.openness is Openness.UNKNOWN else self.openness is Openness.OPEN


@cache
def _holidays(subdiv: str | None, year: int) -> frozenset[date]:
    """Kept between processes (search/prebuilt.py), named after the holidays package's version: to
    give France's days, the package imports its 250 countries (0.2 s at a process's first search)."""
    name = f"holidays_{version('holidays')}_FR_{subdiv or ''}_{year}"
    days: list[int] = load_or_build(name, lambda: _days(subdiv, year), list, list)
    return frozenset(date.fromordinal(day) for day in days)


def prepare_holidays(year: int) -> None:
    """The public holidays of `year` and the next, in every subdivision, kept (search/prebuilt.py): a
    web worker's child process makes them at start, so that the worker never imports the package."""
    for subdiv in dict.fromkeys((None, *_SUBDIVS.values())):
        for each in (year, year + 1):
            _holidays(subdiv, each)


def _days(subdiv: str | None, year: int) -> list[int]:
    import holidays

    return sorted(day.toordinal() for day in holidays.country_holidays("FR", subdiv=subdiv, years=year))


def _public_holiday(timing: Timing, day: date) -> bool:
    return day in _holidays(_SUBDIVS.get(timing.department or ""), day.year)


def _is_holiday(timing: Timing, day: date) -> bool:
    return timing.closed_holidays == "CLOSED" and _public_holiday(timing, day)


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


def _instants(day: date, minutes: Iterable[int], tz: ZoneInfo) -> list[datetime]:
    """Both readings of each wall-clock minute of `day` (they differ only in the repeated hour): one,
    on a day whose clock does not change (an offset from its midnight, without asking the zone)."""
    offset = _steady_offset(tz, day)
    if offset is not None:
        base = datetime.combine(day, time(), tzinfo=UTC) - offset
        return [base + timedelta(minutes=minute) for minute in minutes]
    midnight = datetime.combine(day, time())
    return [
        (midnight + timedelta(minutes=minute)).replace(tzinfo=tz, fold=fold).astimezone(UTC)
        for minute in minutes
        for fold in (0, 1)
    ]


@lru_cache(maxsize=4096)
def _steady_offset(tz: ZoneInfo, day: date) -> timedelta | None:
    """The UTC offset of the whole local day, or None when the clock changes during it. A change
    shows in the readings of its midnights and noon (both folds: a gap or a repeated hour reads two
    offsets), unless two changes undid each other within 12 hours, which no zone has done (the
    nearest two of any zone in 1970–2037 are 96 hours apart); nor may _transition find one."""
    midnight = datetime.combine(day, time())
    offsets = {
        (midnight + timedelta(hours=hours)).replace(tzinfo=tz, fold=fold).utcoffset()
        for hours in (0, 12, 24)
        for fold in (0, 1)
    }
    if len(offsets) != 1 or _transition(tz, day) is not None:
        return None
    return offsets.pop()


@lru_cache(maxsize=4096)
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
        found.update(_instants(day, minutes, tz))
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


WEEKS_KEPT = 4096  # weeks whose intervals _weekly keeps (the last ones read)
_weeks: dict[int, tuple[Week, tuple[tuple[int, int], ...]]] = {}


def _weekly(week: Week) -> tuple[tuple[int, int], ...]:
    """The week as merged intervals in minutes since Monday 00:00, joined across midnights; an
    interval running past Sunday midnight continues into Monday (its end is then > WEEK_MINUTES).
    Kept by the week's identity, each with its week so that its id is not reused meanwhile: hashing
    a week hashes each of its slots in Python (1 µs of the 11 of a state from the week alone), and a
    cache by value kept every week read, through every rebuild of the index, for the worker's life."""
    kept = _weeks.get(id(week))
    if kept is not None and kept[0] is week:
        return kept[1]
    merged: list[tuple[int, int]] = []
    edges = ((d * DAY_END + s.start, d * DAY_END + s.end) for d, day in enumerate(week.days) for s in day)
    for start, end in sorted(edges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if len(merged) > 1 and merged[-1][1] == WEEK_MINUTES and merged[0][0] == 0:
        merged[-1] = (merged[-1][0], WEEK_MINUTES + merged[0][1])
    if len(_weeks) >= WEEKS_KEPT:
        _weeks.clear()
    intervals = tuple(merged)
    _weeks[id(week)] = (week, intervals)
    return intervals


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
    """Open, closed or unknown at `at`, with the end of this opening or the next one. On a public
    holiday, a place that does not say whether it opens then is `holiday_unsure`: its usual hours
    are a guess."""
    state = _state_at(timing, at)
    if timing.closed_holidays != "UNKNOWN" or timing.status != "ONLINE":
        return state
    tz = ZoneInfo(timing.tz)
    when = _aware(at) if state.openness is Openness.OPEN else state.opens_at
    if when is not None and _public_holiday(timing, when.astimezone(tz).date()):
        return replace(state, holiday_unsure=True)
    return state


def _state_at(timing: Timing, at: datetime) -> OpenState:
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
        first = min(_instants(day, (slot.start,), tz))
        last = max(_instants(day, (slot.end,), tz)) - _TICK
        if not any(p.covers(first) and p.covers(last) for p in timing.closures):
            kept.append(slot)
    return tuple((time(s.start // 60, s.start % 60), time(s.end // 60 % 24, s.end % 60)) for s in kept)
