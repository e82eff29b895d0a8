"""Opening hours as stored: weekly slots in minutes and dated periods, parsed from Soliguide JSON."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_END = 24 * 60

_HHMM_RE = re.compile(r"^\d{3,4}$")
_TIME_RE = re.compile(r"^(\d{1,2})(?:\s*[:hH.]\s*(\d{2})?)?$")


class HoursError(ValueError):
    """A time or a weekly schedule that cannot be read; the message says which value."""


@dataclass(frozen=True, slots=True)
class Slot:
    """Minutes since local midnight, ``start < end``; ``end == 1440`` means midnight."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Week:
    """Seven days of slots, Monday first; each day sorted, merged, within 0..1440."""

    days: tuple[tuple[Slot, ...], ...]

    def is_empty(self) -> bool:
        return not any(self.days)

    def to_json(self) -> list[list[list[int]]]:
        return [[[s.start, s.end] for s in day] for day in self.days]

    @classmethod
    def from_json(cls, data: Sequence[Sequence[Sequence[int]]]) -> Week:
        return cls(tuple(tuple(Slot(int(a), int(b)) for a, b in day) for day in data))

    @classmethod
    def always(cls) -> Week:
        return cls(tuple((Slot(0, DAY_END),) for _ in WEEKDAYS))


@dataclass(frozen=True, slots=True)
class Period:
    """A dated period (temporary closure, hours or message): in effect when start <= t <= end, `end`
    being its last instant (a period read by `parse_period` ends a microsecond before midnight).

    Soliguide raises `actif` 15 days before the start, so the flag alone never puts a period in
    effect; a period with no end is open-ended.
    """

    start: datetime
    end: datetime | None = None
    text: str | None = None

    def covers(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at <= self.end)

    def to_json(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Period:
        end = data.get("end")
        return cls(
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(end) if end else None,
            text=data.get("text"),
        )


def parse_time(value: object, *, is_end: bool = False) -> int:
    """Minutes since midnight from Soliguide's HHMM integers (930) or legacy strings ("09:30", "9h30").

    Soliguide closes a day at 2359, which we read as midnight so that a night split across
    midnight joins up again.
    """
    if isinstance(value, bool):
        raise HoursError(f"time {value!r} is not a time")
    if isinstance(value, int):
        hours, minutes = divmod(value, 100)
    elif isinstance(value, str):
        text = value.strip()
        if _HHMM_RE.match(text):
            hours, minutes = divmod(int(text), 100)
        elif match := _TIME_RE.match(text):
            hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        else:
            raise HoursError(f"time {value!r} is not a time")
    else:
        raise HoursError(f"time {value!r} is not a time")
    if not (0 <= minutes < 60) or not (0 <= hours <= 24) or (hours == 24 and minutes):
        raise HoursError(f"time {value!r} is out of range")
    total = hours * 60 + minutes
    if is_end and total in (0, DAY_END - 1):
        return DAY_END
    return total


def _merge(slots: list[Slot]) -> tuple[Slot, ...]:
    merged: list[Slot] = []
    for slot in sorted(slots, key=lambda s: s.start):
        if merged and slot.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Slot(last.start, max(last.end, slot.end))
        else:
            merged.append(slot)
    return tuple(merged)


def parse_week(data: object) -> Week | None:
    """A `newhours`-style object → Week; None when no day has any slot (hours unknown).

    A slot whose end is before its start runs past midnight and is split onto the next day, the
    way Soliguide itself stores night stops.
    """
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise HoursError("hours are not an object")
    if data.get("h24") is True:
        return Week.always()
    days: list[list[Slot]] = [[] for _ in WEEKDAYS]
    for index, name in enumerate(WEEKDAYS):
        day = data.get(name)
        if day is None:
            continue
        if not isinstance(day, Mapping):
            raise HoursError(f"{name} is not an object")
        slots = day.get("timeslot") or []
        if not isinstance(slots, list):
            raise HoursError(f"{name}.timeslot is not a list")
        if day.get("open") is False:
            continue
        for slot in slots:
            if not isinstance(slot, Mapping):
                raise HoursError(f"{name}.timeslot has a non-object slot")
            start = parse_time(slot.get("start"))
            end = parse_time(slot.get("end"), is_end=True)
            if start >= DAY_END:
                raise HoursError(f"{name} slot starts at midnight's end")
            if end > start:
                days[index].append(Slot(start, end))
            else:
                days[index].append(Slot(start, DAY_END))
                if end > 0:
                    days[(index + 1) % 7].append(Slot(0, end))
    week = Week(tuple(_merge(d) for d in days))
    return None if week.is_empty() else week


def parse_instant(value: object) -> datetime | None:
    """An ISO 8601 date from a Soliguide export (UTC "…Z", or Mongo's {"$date": …}) → aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping) and "$date" in value:
        value = value["$date"]
    if not isinstance(value, str):
        raise HoursError(f"date {value!r} is not a date")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise HoursError(f"date {value!r} is not a date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _utc_day(value: object) -> date | None:
    instant = parse_instant(value)
    return None if instant is None else instant.astimezone(UTC).date()


_LAST_INSTANT = timedelta(microseconds=1)


def parse_period(
    data: object, text_keys: Sequence[str] = ("description",), *, tz: tzinfo | None = None
) -> Period | None:
    """A `tempInfos.*` or service `close` object → Period, or None when it has no start date.

    Soliguide's periods are calendar days: it stores days D1..D2 as `dateDebut = D1T00:00:00Z` and
    `dateFin = D2T23:59:59Z` and reads both by their UTC date (BasePlaceTempInfo), whatever the hour
    written. Read as instants, a Paris closure would start at 01:00 and end on the day after its last
    one, and overseas the edges would move by hours. So the period runs from local midnight of D1 to
    the last instant before local midnight after D2, in `tz`, the place's time zone (Paris when
    None); "fermé jusqu'au D2" then names D2.
    """
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise HoursError("period is not an object")
    first = _utc_day(data.get("dateDebut"))
    if first is None:
        return None
    last = _utc_day(data.get("dateFin"))
    if last is not None and last < first:
        raise HoursError("period ends before it starts")
    zone = tz or PARIS
    start = datetime.combine(first, time(), tzinfo=zone)
    end = None
    if last is not None:
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone) - _LAST_INSTANT
    parts = [str(data[k]).strip() for k in text_keys if data.get(k)]
    return Period(start=start, end=end, text=" — ".join(p for p in parts if p) or None)


SEARCH_ZONE = "Europe/Paris"  # hour masks are read in this zone; places elsewhere set every bit
PARIS = ZoneInfo(SEARCH_ZONE)  # the service's time zone: every "now", "ce soir" and hour mask is read in it
WEEK_HOURS = 7 * 24
ALL_HOURS = (1 << WEEK_HOURS) - 1


def hour_mask(weeks: Sequence[Week | None]) -> int:
    """Bit h (hour h of the week, Monday 00:00 local = 0) is set when any slot of any of these weeks
    touches that hour; unknown hours (None) set every bit. Search skips reading the hours of a
    service whose mask rules out being open, or opening soon, at the asked time."""
    if any(week is None for week in weeks):
        return ALL_HOURS
    mask = 0
    for week in weeks:
        assert week is not None
        for day, slots in enumerate(week.days):
            for slot in slots:
                first, last = slot.start // 60, (slot.end - 1) // 60
                for hour in range(first, last + 1):
                    mask |= 1 << (day * 24 + hour)
    return mask
