"""Opening hours as values: DST nights, overnight slots, holidays, closures, temporary hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.schedule import Period, Slot, Week
from search import hours
from search.hours import Openness, OpenState, Timing, _instants, state_at, week_slots
from tests.hours_cases import (
    CLOSURE,
    DAILY,
    NIGHT,
    OFFICE,
    SECOND,
    SUMMER,
    H,
    every_day,
    paris,
    week,
)


def utc_steps(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    out, t = [], start.astimezone(UTC)
    while t < end.astimezone(UTC):
        out.append(t)
        t += step
    return out


# --- DST nights -------------------------------------------------------------------------------


def test_march_night_shelter_open_all_night_and_closes_at_eight() -> None:
    timing = Timing("Europe/Paris", NIGHT)
    instants = utc_steps(paris(2026, 3, 28, 19), paris(2026, 3, 29, 8), timedelta(minutes=5))
    assert len(instants) == 12 * 12  # the night is one hour shorter: 12 h of real time
    for at in instants:
        state = state_at(timing, at)
        assert state.openness is Openness.OPEN, at
        assert state.closes_at == paris(2026, 3, 29, 8)
        assert state.closes_at is not None and state.closes_at.utcoffset() == timedelta(hours=2)
        assert (state.closes_at.hour, state.closes_at.minute) == (8, 0)
    assert state_at(timing, paris(2026, 3, 29, 8)).open is False
    assert state_at(timing, paris(2026, 3, 29, 8) - SECOND).open is True


def test_october_night_shelter_open_through_repeated_hour() -> None:
    timing = Timing("Europe/Paris", NIGHT)
    instants = utc_steps(paris(2026, 10, 24, 19), paris(2026, 10, 25, 8), timedelta(minutes=5))
    assert len(instants) == 14 * 12  # one hour longer
    for at in instants:
        state = state_at(timing, at)
        assert state.open is True, at
        assert state.closes_at is not None
        assert state.closes_at.astimezone(UTC) == datetime(2026, 10, 25, 7, tzinfo=UTC)
        assert (state.closes_at.hour, state.closes_at.utcoffset()) == (8, timedelta(hours=1))
    for fold in (0, 1):
        assert state_at(timing, paris(2026, 10, 25, 2, 30, fold=fold)).open is True


def test_slot_ending_inside_repeated_hour_reads_the_wall_clock() -> None:
    timing = Timing("Europe/Paris", week(su=[(0, 2 * H + 30)]))
    first = state_at(timing, paris(2026, 10, 25, 2, 15))
    assert first.open is True
    assert first.closes_at is not None
    assert first.closes_at.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    gap = state_at(timing, paris(2026, 10, 25, 2, 45))
    assert gap.open is False and gap.opens_at is not None  # the clock goes back to 02:00
    assert gap.opens_at.astimezone(UTC) == datetime(2026, 10, 25, 1, tzinfo=UTC)
    second = state_at(timing, paris(2026, 10, 25, 2, 15, fold=1))
    assert second.open is True and second.closes_at is not None
    assert second.closes_at.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert state_at(timing, paris(2026, 10, 25, 2, 45, fold=1)).open is False


# --- overnight and ordinary days ----------------------------------------------------------------


def test_contiguous_slots_do_not_close_between_them() -> None:
    timing = Timing("Europe/Paris", week(mo=[(9 * H, 12 * H), (12 * H, 14 * H)]))
    assert state_at(timing, paris(2026, 3, 2, 11)).closes_at == paris(2026, 3, 2, 14)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        state_at(Timing("Europe/Paris", OFFICE), datetime(2026, 3, 2, 10))  # noqa: DTZ001


# --- holidays -----------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["OPEN", "UNKNOWN", "UNKOWN"])
def test_other_holiday_policies_keep_regular_hours(policy: str) -> None:
    for at in (paris(2026, 4, 3, 10), paris(2026, 12, 25, 10)):
        state = state_at(Timing("Europe/Paris", DAILY, department="68", closed_holidays=policy), at)
        assert state.open is True and state.reason == "hours"


@pytest.mark.parametrize(
    ("department", "day", "holiday"),
    [
        ("977", date(2026, 10, 9), True),  # Saint-Barthélemy: abolition of slavery, 9 October
        ("971", date(2026, 10, 9), False),  # not Guadeloupe's (27 May)
        ("978", date(2026, 5, 28), True),  # Saint-Martin
        ("974", date(2026, 12, 20), True),  # La Réunion
        ("75", date(2026, 12, 20), False),
    ],
)
def test_overseas_collectivities_keep_their_own_holidays(department: str, day: date, holiday: bool) -> None:
    zone = ZoneInfo("Indian/Reunion" if department == "974" else "America/St_Barthelemy")
    at = datetime.combine(day, time(10), tzinfo=zone)
    timing = Timing(zone.key, DAILY, department=department, closed_holidays="CLOSED")
    assert (state_at(timing, at).reason == "holiday") is holiday


def test_holiday_ends_an_overnight_opening_at_midnight() -> None:
    timing = Timing("Europe/Paris", NIGHT, closed_holidays="CLOSED")
    state = state_at(timing, paris(2026, 12, 24, 22))
    assert state.closes_at == paris(2026, 12, 25)
    assert state_at(timing, paris(2026, 12, 25, 2)).reason == "holiday"


# --- temporary closures -------------------------------------------------------------------------


def test_long_closure_still_finds_the_reopening() -> None:
    closure = Period(paris(2026, 3, 1), paris(2026, 4, 30, 23, 59, 59))
    timing = Timing("Europe/Paris", OFFICE, closed_holidays="CLOSED", closures=(closure,))
    state = state_at(timing, paris(2026, 3, 10, 12))
    assert state.opens_at == paris(2026, 5, 4, 9)  # May 1 is a Friday, then the weekend


def test_overlapping_closures_reopen_after_the_last() -> None:
    second = Period(paris(2026, 3, 5), paris(2026, 3, 9, 23, 59))
    state = state_at(Timing("Europe/Paris", DAILY, closures=(CLOSURE, second)), paris(2026, 3, 4, 12))
    assert state.opens_at == paris(2026, 3, 10, 9)


def test_week_slots_drop_slots_inside_a_closure() -> None:
    timing = Timing("Europe/Paris", DAILY, closures=(CLOSURE,))
    assert week_slots(timing, date(2026, 3, 4)) == ()
    assert week_slots(timing, date(2026, 3, 3)) == ((time(9), time(17)),)  # partly open that day
    assert week_slots(timing, date(2026, 3, 6)) == ((time(9), time(17)),)


# --- temporary hours ----------------------------------------------------------------------------


def test_temporary_hours_apply_only_inside_their_period() -> None:
    short = every_day((10 * H, 12 * H))
    timing = Timing("Europe/Paris", OFFICE, temp_hours=(SUMMER, short))
    inside_early = state_at(timing, paris(2026, 3, 3, 9, 30))
    assert inside_early.open is False and inside_early.reason == "temporary_hours"
    assert inside_early.opens_at == paris(2026, 3, 3, 10)
    inside = state_at(timing, paris(2026, 3, 7, 11))  # a Saturday, closed in the regular week
    assert inside.open is True and inside.reason == "temporary_hours"
    assert inside.closes_at == paris(2026, 3, 7, 12)
    before = state_at(timing, paris(2026, 2, 27, 9, 30))
    assert before.open is True and before.reason == "hours"
    after = state_at(timing, paris(2026, 3, 9, 9, 30))
    assert after.open is True and after.reason == "hours"
    sunday = state_at(timing, paris(2026, 3, 8, 13))
    assert sunday.opens_at == paris(2026, 3, 9, 9)  # the regular week takes over on Monday
    assert week_slots(timing, date(2026, 3, 4)) == ((time(10), time(12)),)
    assert week_slots(timing, date(2026, 3, 11)) == ((time(9), time(17)),)


def test_temporary_hours_without_week_close_the_period() -> None:
    timing = Timing("Europe/Paris", OFFICE, temp_hours=(SUMMER, None))
    state = state_at(timing, paris(2026, 3, 4, 10))
    assert state.open is False and state.reason == "temporary_hours"
    assert state.opens_at == paris(2026, 3, 9, 9)
    assert week_slots(timing, date(2026, 3, 4)) == ()


def test_temporary_hours_on_unknown_regular_hours() -> None:
    timing = Timing("Europe/Paris", None, temp_hours=(SUMMER, DAILY))
    assert state_at(timing, paris(2026, 3, 4, 10)).open is True
    outside = state_at(timing, paris(2026, 3, 10, 10))
    assert outside.openness is Openness.UNKNOWN and outside.open is None


# --- unknown hours and status -------------------------------------------------------------------


def test_status_precedes_closures_which_precede_holidays() -> None:
    closure = Period(paris(2026, 4, 1), paris(2026, 4, 5))
    timing = Timing("Europe/Paris", DAILY, department="68", closed_holidays="CLOSED", closures=(closure,))
    assert state_at(timing, paris(2026, 4, 3, 10)).reason == "temporary_closure"
    assert state_at(replace(timing, status="OFFLINE"), paris(2026, 4, 3, 10)).reason == "status"


# --- other zones ----------------------------------------------------------------------------------


# --- property: agree with a minute-by-minute reading of the wall clock ----------------------------

ZONES = ("Europe/Paris", "America/Cayenne", "America/New_York")
ANCHORS = (
    datetime(2026, 3, 28, 20, tzinfo=UTC),
    datetime(2026, 10, 24, 20, tzinfo=UTC),
    datetime(2026, 3, 7, 20, tzinfo=UTC),
    datetime(2026, 12, 23, 20, tzinfo=UTC),
    datetime(2026, 4, 2, 12, tzinfo=UTC),
    datetime(2026, 10, 31, 20, tzinfo=UTC),
)
ALSACE = holidays.country_holidays("FR", subdiv="6AE", years=range(2025, 2028))


@st.composite
def weeks(draw: st.DrawFn) -> Week:
    days = []
    for _ in range(7):
        edges = sorted(draw(st.sets(st.integers(0, 1440 // 15).map(lambda q: q * 15), max_size=6)))
        if len(edges) % 2:
            edges = edges[:-1]
        days.append(tuple(Slot(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True)))
    if draw(st.booleans()):  # sometimes a night stored split across midnight
        i = draw(st.integers(0, 6))
        days[i] = tuple(s for s in days[i] if s.end <= 20 * H) + (Slot(21 * H, 24 * H),)
        days[(i + 1) % 7] = (Slot(0, 7 * H),) + tuple(s for s in days[(i + 1) % 7] if s.start >= 8 * H)
    return Week(tuple(days))


def brute(timing: Timing, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(timing.tz))
    if timing.closed_holidays == "CLOSED" and local.date() in ALSACE:
        return False
    minute = local.hour * 60 + local.minute
    return any(s.start <= minute < s.end for s in timing.week.days[local.weekday()])  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weeks(),
    st.sampled_from(ZONES),
    st.sampled_from(ANCHORS),
    st.integers(0, 3 * 86_400),
    st.sampled_from(["CLOSED", "OPEN"]),
)
def test_agrees_with_brute_force(week_: Week, zone: str, anchor: datetime, offset: int, policy: str) -> None:
    timing = Timing(zone, week_, department="68", closed_holidays=policy)
    at = anchor + timedelta(seconds=offset)
    state = state_at(timing, at)
    now = brute(timing, at)
    assert state.open is now
    change = state.closes_at if now else state.opens_at
    if now:
        assert state.opens_at is None
    else:
        assert state.closes_at is None
    # the first whole UTC minute after `at` whose wall-clock reading differs
    t = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    expected = None
    for _ in range(3 * 1440):
        if brute(timing, t) is not now:
            expected = t
            break
        t += timedelta(minutes=1)
    if expected is None:
        assert change is None or change > at + timedelta(days=3) - timedelta(minutes=1)
    else:
        # compare and subtract in UTC: in the repeated hour an aware datetime equals nothing in
        # another zone (PEP 495), and arithmetic on a zoned datetime is wall-clock arithmetic
        assert change is not None and change.tzinfo == ZoneInfo(zone)
        assert change.astimezone(UTC) == expected
        assert state_at(timing, change).open is (not now)
        assert state_at(timing, change.astimezone(UTC) - SECOND).open is now


def test_open_state_open_property() -> None:
    assert OpenState(Openness.UNKNOWN, "unknown", None, None, ()).open is None
    assert OpenState(Openness.OPEN, "hours", None, None, ()).open is True
    assert OpenState(Openness.CLOSED, "hours", None, None, ()).open is False


@settings(max_examples=300, deadline=None)
@given(
    week=st.lists(
        st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 1440)), max_size=3), min_size=7, max_size=7
    ),
    minutes=st.integers(0, 400 * 24 * 60),
    holidays_closed=st.booleans(),
)
def test_quiet_fast_path_agrees_with_the_full_scan(
    week: list[list[tuple[int, int]]], minutes: int, holidays_closed: bool
) -> None:
    """With nothing but the week in play, state_at answers from the week alone; a far closure forces
    the general scan, which must give the same answer."""
    days = tuple(tuple(Slot(a, b) for a, b in sorted({(min(a, b - 1), b) for a, b in d})) for d in week)
    parsed = Week(tuple(tuple(sorted(set(d), key=lambda s: s.start)) for d in days))
    merged = Week(tuple(_merge_slots(d) for d in parsed.days))
    if merged.is_empty():
        return
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    policy = "CLOSED" if holidays_closed else "OPEN"
    fast = Timing(tz="Europe/Paris", week=merged, department="68", closed_holidays=policy)
    far = Period(at + timedelta(days=14, hours=23), at + timedelta(days=20))
    slow = Timing(tz="Europe/Paris", week=merged, department="68", closed_holidays=policy, closures=(far,))
    a, b = state_at(fast, at), state_at(slow, at)
    assert (a.openness, a.today) == (b.openness, b.today)
    assert (a.closes_at and a.closes_at.astimezone(UTC)) == (b.closes_at and b.closes_at.astimezone(UTC))
    assert (a.opens_at and a.opens_at.astimezone(UTC)) == (b.opens_at and b.opens_at.astimezone(UTC))


def _merge_slots(day: tuple[Slot, ...]) -> tuple[Slot, ...]:
    out: list[Slot] = []
    for slot in sorted(day, key=lambda s: s.start):
        if out and slot.start <= out[-1].end:
            out[-1] = Slot(out[-1].start, max(out[-1].end, slot.end))
        else:
            out.append(slot)
    return tuple(out)


# Zones whose clocks change at midnight (Santiago, Havana), by 30 minutes (Lord Howe), by two hours
# (Troll), that skipped a whole day (Apia, 30 December 2011) or are 14 hours ahead (Kiritimati),
# beside France's.
ODD_ZONES = (
    "Europe/Paris",
    "America/Cayenne",
    "America/Santiago",
    "America/Havana",
    "Australia/Lord_Howe",
    "Antarctica/Troll",
    "Pacific/Apia",
    "Pacific/Tahiti",
    "Pacific/Kiritimati",
)


@pytest.mark.parametrize("zone", ODD_ZONES)
@pytest.mark.parametrize("year", [2011, 2026])
def test_wall_clock_readings_are_the_zones_own(zone: str, year: int) -> None:
    """A day whose clock does not change reads its minutes as an offset from its midnight, without
    asking the zone: every edge of every day of the year reads as zoneinfo reads it, both folds."""
    tz = ZoneInfo(zone)
    minutes = range(0, 1441, 30)
    day, steady = date(year, 1, 1), 0
    while day.year == year:
        midnight = datetime.combine(day, time())
        expected = {
            (midnight + timedelta(minutes=m)).replace(tzinfo=tz, fold=fold).astimezone(UTC)
            for m in minutes
            for fold in (0, 1)
        }
        assert set(_instants(day, minutes, tz)) == expected, day
        steady += len(_instants(day, (0,), tz)) == 1
        day += timedelta(days=1)
    assert steady >= 300  # the quick reading is the usual one


def test_a_weeks_intervals_are_kept_for_the_last_weeks_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """By identity, each kept with its week: equal weeks answer alike, and a dropped one is made again."""
    monkeypatch.setattr(hours, "WEEKS_KEPT", 8)
    monkeypatch.setattr(hours, "_weeks", {})
    weeks = [Week(((Slot(i, i + 60),), (), (), (), (), (), ())) for i in range(20)]
    for i, each in enumerate(weeks):
        assert hours._weekly(each) == ((i, i + 60),)
    assert len(hours._weeks) <= 8
    assert hours._weekly(weeks[0]) == ((0, 60),)  # dropped, made again
    again = Week(((Slot(5, 65),), (), (), (), (), (), ()))  # equal to weeks[5], another object
    assert hours._weekly(again) == hours._weekly(weeks[5]) == ((5, 65),)
