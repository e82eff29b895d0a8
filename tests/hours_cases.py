"""Weeks, periods and instants the hours tests share (search/test_hours.py, handlers/test_opening.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db import Period, Slot, Week

PARIS = ZoneInfo("Europe/Paris")
CAYENNE = ZoneInfo("America/Cayenne")
SECOND = timedelta(seconds=1)
DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


def week(**days: list[tuple[int, int]]) -> Week:
    return Week(tuple(tuple(Slot(a, b) for a, b in days.get(name, [])) for name in DAYS))


def every_day(*slots: tuple[int, int]) -> Week:
    return week(**{name: list(slots) for name in DAYS})


def paris(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0, fold: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=PARIS, fold=fold)


H = 60
NIGHT = every_day((0, 8 * H), (19 * H, 24 * H))  # a shelter open 19:00–08:00, stored split at midnight
OFFICE = week(
    mo=[(9 * H, 12 * H), (14 * H, 17 * H)],
    tu=[(9 * H, 17 * H)],
    we=[(9 * H, 17 * H)],
    th=[(9 * H, 17 * H)],
    fr=[(9 * H, 18 * H + 30)],
)
DAILY = every_day((9 * H, 17 * H))
CLOSURE = Period(paris(2026, 3, 3, 10), paris(2026, 3, 5, 11))
SUMMER = Period(paris(2026, 3, 2), paris(2026, 3, 8, 23, 59, 59))
