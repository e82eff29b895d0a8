"""OpenStreetMap opening_hours → a week and a holiday policy, or unknown hours with the reason."""

from __future__ import annotations

from datetime import date

import pytest

from db.osm_hours import read_opening_hours
from db.schedule import DAY_END, Week

START = date(2026, 11, 1)
H = 60


def days(week: Week | None) -> list[list[tuple[int, int]]]:
    assert week is not None
    return [[(s.start, s.end) for s in day] for day in week.days]


def test_the_schema_example_is_a_week_closed_on_holidays() -> None:
    read = read_opening_hours("Mo-Fr 08:30-12:30; PH off", start=START)
    assert read.problem is None and read.closed_holidays == "CLOSED"
    assert days(read.week) == [[(8 * H + 30, 12 * H + 30)]] * 5 + [[], []]


def test_two_slots_a_day_and_no_word_on_holidays() -> None:
    read = read_opening_hours("Mo-Fr 09:00-12:00,14:00-17:00; Sa 10:00-12:00", start=START)
    assert read.problem is None and read.closed_holidays == "UNKNOWN"  # holidays: as usual, never said
    assert days(read.week)[0] == [(9 * H, 12 * H), (14 * H, 17 * H)]
    assert days(read.week)[5] == [(10 * H, 12 * H)] and days(read.week)[6] == []


@pytest.mark.parametrize(
    ("expression", "policy"),
    [
        ("24/7", "UNKNOWN"),
        ("Mo-Su 00:00-24:00; PH off", "CLOSED"),
        ("Mo-Su 10:00-18:00; PH 10:00-18:00", "OPEN"),
    ],
)
def test_every_day_and_the_three_holiday_policies(expression: str, policy: str) -> None:
    read = read_opening_hours(expression, start=START)
    assert read.problem is None and read.closed_holidays == policy
    assert all(day for day in days(read.week))


def test_a_night_runs_past_midnight_into_the_next_day() -> None:
    read = read_opening_hours("Fr 22:00-06:00", start=START)
    assert days(read.week)[4] == [(22 * H, DAY_END)] and days(read.week)[5] == [(0, 6 * H)]


def test_closed_always_is_a_known_empty_week() -> None:
    read = read_opening_hours("off", start=START)
    assert read.problem is None and read.week is not None and read.week.is_empty()


def test_no_expression_is_unknown_without_a_problem() -> None:
    assert read_opening_hours(None, start=START).week is None
    assert read_opening_hours("  ", start=START).problem is None


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("du lundi au vendredi de 9h à 12h", "syntax"),
        ("Mo-Fr 09:00-12:00; Aug off", "date"),
        ("Mo[1] 09:00-12:00", "date"),
        ("week 1-53/2 Mo 10:00-12:00", "date"),
        ("2026 Mo-Fr 09:00-12:00", "date"),
        ("Mo-Fr 09:00-12:00; Dec 25 off", "holidays"),
        ("Mo-Fr 09:00-17:00; PH 10:00-12:00", "holidays"),
        ("Mo-Su 10:00-18:00; PH open", "holidays"),  # open all day on holidays
        ("Mo-Fr 09:00-17:00; SH off", "school"),
        ("sunrise-sunset", "solar"),
        ("Mo-Fr 10:00+", "open end"),
        ('Mo-Fr 09:00-12:00 "sur rendez-vous"', "comment"),
        ("Mo-Fr 08:00-12:00 || unknown", "comment|fallback"),
        ("Mo 09:00-12:00 unknown", "unknown"),
        ("Mo-Fr 09:00-12:00; Sa unknown", "unknown"),
    ],
)
def test_what_a_week_cannot_say_is_kept_unknown_with_its_reason(expression: str, why: str) -> None:
    """Never a week that would say "open" on a day the expression says otherwise."""
    read = read_opening_hours(expression, start=START)
    assert read.week is None and read.problem
    words = {
        "syntax": "syntax",
        "date": "date",
        "holidays": "holidays",
        "school": "school",
        "solar": "solar",
        "open end": "open end",
        "comment": "comment",
        "comment|fallback": "fallback",
        "unknown": "unknown",
    }
    assert words[why] in read.problem


def test_a_year_ahead_sees_a_month_still_to_come() -> None:
    """Checked from 1 September, "Aug off" is eleven months away: still seen."""
    read = read_opening_hours("Mo-Fr 09:00-12:00; Aug off", start=date(2026, 9, 1))
    assert read.week is None and read.problem and "date" in read.problem
