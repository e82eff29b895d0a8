"""The weekly hours of the sample's places: real-life patterns, stored the Soliguide way."""

from __future__ import annotations

import random
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Slots = dict[int, list[tuple[int, int]]]  # weekday → [(start, end)] in minutes, end <= 1440
Doc = dict[str, Any]


def add_slot(slots: Slots, day: int, start: int, end: int) -> None:
    """A slot in minutes; one that runs past midnight is split onto the next day, as Soliguide stores it."""
    if end > 1440:
        slots.setdefault(day % 7, []).append((start, 1440))
        slots.setdefault((day + 1) % 7, []).append((0, end - 1440))
    else:
        slots.setdefault(day % 7, []).append((start, end))


def minutes(hhmm: int) -> int:
    return hhmm // 100 * 60 + hhmm % 100


def _days(slots: Slots, days: range | list[int] | tuple[int, ...], *spans: tuple[int, int]) -> Slots:
    for d in days:
        for a, b in spans:
            end = minutes(b)
            add_slot(slots, d, minutes(a), end if end > minutes(a) else end + 1440)
    return slots


def pattern(rng: random.Random, name: str) -> Slots:
    """Real-life weekly patterns, in local time (HHMM below, minutes in the result)."""
    r = rng.random()
    week = range(5)
    s: Slots = {}
    if name == "office":
        am = (rng.choice((830, 900, 900, 900)), rng.choice((1200, 1200, 1230)))
        pm = (rng.choice((1330, 1400, 1400)), rng.choice((1630, 1700, 1700, 1730)))
        _days(s, week, am)
        _days(s, [d for d in week if not (r < 0.3 and d == 2)], pm)  # often closed Wednesday afternoon
        return s
    if name == "office_half":
        days = sorted(rng.sample(range(5), rng.randint(1, 3)))
        return _days(s, days, rng.choice(((900, 1200), (1400, 1700), (930, 1230), (1330, 1630))))
    if name == "distribution":
        days = sorted(rng.sample(range(6 if r < 0.2 else 5), rng.randint(1, 3)))
        return _days(
            s, days, rng.choice(((900, 1130), (1400, 1630), (1330, 1600), (930, 1200), (1600, 1830)))
        )
    if name == "morning":
        return _days(s, range(6 if r < 0.4 else 5), rng.choice(((800, 1130), (830, 1200), (900, 1200))))
    if name == "breakfast":
        return _days(s, range(7 if r < 0.3 else 5), rng.choice(((800, 1000), (830, 1000), (730, 930))))
    if name == "day_centre":
        if r < 0.3:
            _days(s, week, (900, 1700))
        else:
            _days(s, week, (830, 1230), (1330, 1700))
        if rng.random() < 0.4:
            _days(s, [5], (900, 1200))
        if rng.random() < 0.15:
            _days(s, [6], (1000, 1300))
        return s
    if name == "evening_meal":
        return _days(s, range(7), rng.choice(((1830, 2000), (1900, 2030), (1815, 1945))))
    if name == "meal":
        if r < 0.55:
            return _days(s, range(7 if rng.random() < 0.4 else 5), (1130, 1330))
        if r < 0.85:
            return _days(s, range(7), (1830, 2000))
        return _days(s, (5, 6), (1200, 1400))  # weekend-only, when the weekday canteens are closed
    if name == "weekend":
        return _days(s, (5, 6), (1000, 1200), (1400, 1700)) if r < 0.6 else _days(s, [5], (1000, 1600))
    if name == "h24" or (name == "h24_or_day" and r < 0.6):
        return _days(s, range(7), (0, 2359))
    if name == "h24_or_day":
        return _days(s, range(7), (700, 2100))
    if name == "night":
        nights = range(7) if r < 0.7 else range(5)
        return _days(s, nights, (rng.choice((1800, 1900, 1900, 2000)), rng.choice((700, 800, 800, 900))))
    if name == "shop":
        shop_days = range(1, 6) if r < 0.5 else range(5)
        if rng.random() < 0.3:
            return _days(s, sorted(rng.sample(list(shop_days), 2)), (1400, 1730))
        return _days(s, shop_days, (1000, 1200), (1400, 1800))
    if name == "library":
        _days(s, (1, 3, 4), (1400, 1800))
        return _days(s, (2, 5), (1000, 1200), (1400, 1800))
    if name == "course":
        days = sorted(rng.sample(range(5), 2))
        return _days(s, days, rng.choice(((1400, 1600), (1830, 2030), (930, 1130))))
    if name == "health":
        _days(s, week, (830, 1230), (1330, 1730))
        return _days(s, [5], (900, 1200)) if r < 0.15 else s
    if name == "bagagerie":
        return _days(s, range(7), (700, 1000), (1700, 2000))
    if name == "maraude":
        return _days(
            s, sorted(rng.sample(range(7), rng.randint(2, 4))) if r < 0.6 else range(7), (1930, 2230)
        )
    raise ValueError(f"unknown hours pattern {name!r}")


def merge_slots(slots: Slots, *more: Slots) -> Slots:
    out: Slots = {}
    for src in (slots, *more):
        for d, spans in src.items():
            out.setdefault(d, []).extend(spans)
    for d, spans in out.items():
        merged: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        out[d] = merged
    return out


def _hhmm(minutes: int) -> int:
    return 2359 if minutes >= 1440 else minutes // 60 * 100 + minutes % 60


def week_json(slots: Slots, holidays: str) -> Doc:
    week: Doc = {}
    for d, name in enumerate(WEEKDAYS):
        spans = sorted(slots.get(d, ()))
        week[name] = {
            "open": bool(spans),
            "timeslot": [{"start": _hhmm(a), "end": _hhmm(b)} for a, b in spans],
        }
    week["closedHolidays"] = holidays
    week["description"] = None
    return week
