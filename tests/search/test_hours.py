"""Opening hours: DST nights, overnight slots, holidays, closures, temporary hours, wording."""

from __future__ import annotations

import ast
import re
import string
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search.hours as hours_module
from db.schedule import Period, Slot, Week
from locales import LANGUAGES, gettext
from search.hours import Openness, OpenState, Timing, describe, describe_week, state_at, week_slots

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


def test_slot_starting_inside_skipped_hour() -> None:
    timing = Timing("Europe/Paris", week(su=[(2 * H + 30, 4 * H)]))
    before = state_at(timing, paris(2026, 3, 29, 1, 59))
    assert before.open is False
    assert before.opens_at is not None
    assert before.opens_at.astimezone(UTC) == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 CEST
    assert (before.opens_at.hour, before.opens_at.minute) == (3, 0)
    during = state_at(timing, paris(2026, 3, 29, 3, 10))
    assert during.open is True and during.closes_at == paris(2026, 3, 29, 4)
    assert describe(before, paris(2026, 3, 29, 1, 59), "fr") == "ouvre à 3h"
    assert week_slots(timing, date(2026, 3, 29)) == ((time(2, 30), time(4)),)


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


def test_overnight_slot_is_one_opening() -> None:
    timing = Timing("Europe/Paris", week(mo=[(19 * H, 24 * H)], tu=[(0, 8 * H)]))
    monday, tuesday = paris(2026, 3, 2, 23, 30), paris(2026, 3, 3, 2)
    for at in (monday, tuesday):
        state = state_at(timing, at)
        assert state.open is True and state.reason == "hours"
        assert state.closes_at == paris(2026, 3, 3, 8)
    assert describe(state_at(timing, monday), monday, "fr") == "ouvert jusqu'à demain 8h"
    assert describe(state_at(timing, monday), monday, "en") == "open until 8:00 tomorrow"
    assert describe(state_at(timing, tuesday), tuesday, "fr") == "ouvert jusqu'à 8h"
    evening = state_at(timing, paris(2026, 3, 2, 18))
    assert evening.open is False and evening.opens_at == paris(2026, 3, 2, 19)
    assert state_at(timing, paris(2026, 3, 3, 8)).open is False
    assert state_at(timing, paris(2026, 3, 2, 19)).open is True


def test_contiguous_slots_do_not_close_between_them() -> None:
    timing = Timing("Europe/Paris", week(mo=[(9 * H, 12 * H), (12 * H, 14 * H)]))
    assert state_at(timing, paris(2026, 3, 2, 11)).closes_at == paris(2026, 3, 2, 14)


def test_opens_at_across_the_weekend_and_wording() -> None:
    timing = Timing("Europe/Paris", OFFICE)
    friday = paris(2026, 3, 6, 19)
    state = state_at(timing, friday)
    assert state.open is False and state.opens_at == paris(2026, 3, 9, 9) and state.reason == "hours"
    assert describe(state, friday, "fr") == "fermé, ouvre lundi à 9h"
    assert describe(state, friday, "en") == "closed, opens Monday at 9:00"
    saturday = paris(2026, 3, 7, 10)
    sat_state = state_at(timing, saturday)
    assert sat_state.today == () and sat_state.opens_at == paris(2026, 3, 9, 9)
    assert describe(sat_state, saturday, "fr") == "fermé aujourd'hui, ouvre lundi à 9h"
    assert describe(sat_state, saturday, "en") == "closed today, opens Monday at 9:00"
    sunday = paris(2026, 3, 8, 10)
    assert describe(state_at(timing, sunday), sunday, "fr") == "fermé aujourd'hui, ouvre demain à 9h"
    assert describe(state_at(timing, sunday), sunday, "en") == "closed today, opens tomorrow at 9:00"


def test_open_until_and_opens_at_later_today() -> None:
    timing = Timing("Europe/Paris", OFFICE)
    noon = paris(2026, 3, 6, 12)
    state = state_at(timing, noon)
    assert state.open is True and state.closes_at == paris(2026, 3, 6, 18, 30)
    assert state.today == ((time(9), time(18, 30)),)
    assert describe(state, noon, "fr") == "ouvert jusqu'à 18h30"
    assert describe(state, noon, "en") == "open until 18:30"
    lunch = paris(2026, 3, 2, 12, 30)
    lunch_state = state_at(timing, lunch)
    assert lunch_state.opens_at == paris(2026, 3, 2, 14)
    assert describe(lunch_state, lunch, "fr") == "ouvre à 14h"
    assert describe(lunch_state, lunch, "en") == "opens at 14:00"
    late = paris(2026, 3, 2, 18)
    assert describe(state_at(timing, late), late, "fr") == "fermé, ouvre demain à 9h"
    assert describe(state_at(timing, late), late, "en") == "closed, opens tomorrow at 9:00"


def test_open_until_midnight() -> None:
    timing = Timing("Europe/Paris", week(mo=[(18 * H, 24 * H)]))
    at = paris(2026, 3, 2, 20)
    state = state_at(timing, at)
    assert state.closes_at == paris(2026, 3, 3)
    assert describe(state, at, "fr") == "ouvert jusqu'à minuit"
    assert describe(state, at, "en") == "open until midnight"


def test_24_7() -> None:
    timing = Timing("Europe/Paris", Week.always())
    at = paris(2026, 3, 2, 3)
    state = state_at(timing, at)
    assert state.open is True and state.closes_at is None
    assert describe(state, at, "fr") == "ouvert 24h/24"
    assert describe(state, at, "en") == "open 24/7"
    closing = Period(paris(2026, 3, 5, 10), paris(2026, 3, 6, 10))
    soon = state_at(Timing("Europe/Paris", Week.always(), closures=(closing,)), at)
    assert soon.closes_at == paris(2026, 3, 5, 10)
    assert describe(soon, at, "fr") == "ouvert jusqu'à jeudi 10h"
    assert describe(soon, at, "en") == "open until Thursday at 10:00"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        state_at(Timing("Europe/Paris", OFFICE), datetime(2026, 3, 2, 10))  # noqa: DTZ001


# --- holidays -----------------------------------------------------------------------------------


@pytest.mark.parametrize("department", ["57", "67", "68"])
@pytest.mark.parametrize("day", [date(2026, 4, 3), date(2026, 12, 26)])
def test_alsace_moselle_holidays_close_a_closed_on_holidays_place(department: str, day: date) -> None:
    at = datetime.combine(day, time(10), tzinfo=PARIS)
    alsace = state_at(Timing("Europe/Paris", DAILY, department=department, closed_holidays="CLOSED"), at)
    assert alsace.open is False and alsace.reason == "holiday" and alsace.today == ()
    assert describe(alsace, at, "fr") == "fermé (jour férié)"
    assert describe(alsace, at, "en") == "closed (public holiday)"
    paris_place = state_at(Timing("Europe/Paris", DAILY, department="75", closed_holidays="CLOSED"), at)
    assert paris_place.open is True and paris_place.reason == "hours"


@pytest.mark.parametrize("policy", ["OPEN", "UNKNOWN", "UNKOWN"])
def test_other_holiday_policies_keep_regular_hours(policy: str) -> None:
    for at in (paris(2026, 4, 3, 10), paris(2026, 12, 25, 10)):
        state = state_at(Timing("Europe/Paris", DAILY, department="68", closed_holidays=policy), at)
        assert state.open is True and state.reason == "hours"


def test_national_holiday_closes_everywhere_and_next_opening_skips_it() -> None:
    timing = Timing("Europe/Paris", OFFICE, department="68", closed_holidays="CLOSED")
    thursday = paris(2026, 4, 2, 18)  # Good Friday, weekend, then Easter Monday: back on Tuesday
    state = state_at(timing, thursday)
    assert state.opens_at == paris(2026, 4, 7, 9)
    assert describe(state, thursday, "fr") == "fermé, ouvre mardi à 9h"
    paris_office = Timing("Europe/Paris", OFFICE, department="75", closed_holidays="CLOSED")
    assert state_at(paris_office, thursday).opens_at == paris(2026, 4, 3, 9)
    assert week_slots(timing, date(2026, 4, 6)) == ()
    assert week_slots(paris_office, date(2026, 4, 6)) == ()  # Easter Monday is national
    assert week_slots(paris_office, date(2026, 4, 3)) == ((time(9), time(18, 30)),)


def test_holiday_ends_an_overnight_opening_at_midnight() -> None:
    timing = Timing("Europe/Paris", NIGHT, closed_holidays="CLOSED")
    state = state_at(timing, paris(2026, 12, 24, 22))
    assert state.closes_at == paris(2026, 12, 25)
    assert state_at(timing, paris(2026, 12, 25, 2)).reason == "holiday"


# --- temporary closures -------------------------------------------------------------------------


CLOSURE = Period(paris(2026, 3, 3, 10), paris(2026, 3, 5, 11))


def test_closure_boundaries() -> None:
    timing = Timing("Europe/Paris", DAILY, closures=(CLOSURE,))
    start, end = CLOSURE.start, CLOSURE.end
    assert end is not None
    assert state_at(timing, start - SECOND).open is True
    assert state_at(timing, start - SECOND).closes_at == start
    at_start = state_at(timing, start)
    assert at_start.open is False and at_start.reason == "temporary_closure"
    assert at_start.closed_until == end
    assert at_start.opens_at == end + timedelta(microseconds=1)  # open hours resume just after the end
    at_end = state_at(timing, end)
    assert at_end.open is False and at_end.reason == "temporary_closure"
    after = state_at(timing, end + SECOND)
    assert after.open is True and after.reason == "hours" and after.closes_at == paris(2026, 3, 5, 17)
    assert describe(at_start, start, "fr") == "fermé temporairement jusqu'au 5 mars"
    assert describe(at_start, start, "en") == "temporarily closed until March 5"


def test_closure_ending_at_night_reopens_with_the_next_slot() -> None:
    closure = Period(paris(2026, 3, 3), paris(2026, 3, 4, 23, 59, 59))
    state = state_at(Timing("Europe/Paris", DAILY, closures=(closure,)), paris(2026, 3, 3, 12))
    assert state.opens_at == paris(2026, 3, 5, 9)
    assert describe(state, paris(2026, 3, 3, 12), "fr") == "fermé temporairement jusqu'au 4 mars"


def test_long_closure_still_finds_the_reopening() -> None:
    closure = Period(paris(2026, 3, 1), paris(2026, 4, 30, 23, 59, 59))
    timing = Timing("Europe/Paris", OFFICE, closed_holidays="CLOSED", closures=(closure,))
    state = state_at(timing, paris(2026, 3, 10, 12))
    assert state.opens_at == paris(2026, 5, 4, 9)  # May 1 is a Friday, then the weekend


def test_open_ended_closure() -> None:
    closure = Period(paris(2026, 3, 3, 10))
    timing = Timing("Europe/Paris", DAILY, closures=(closure,))
    assert state_at(timing, paris(2026, 3, 3, 10) - SECOND).open is True
    for at in (paris(2026, 3, 3, 10), paris(2027, 1, 1, 12)):
        state = state_at(timing, at)
        assert state.open is False and state.opens_at is None and state.closed_until is None
        assert describe(state, at, "fr") == "fermé temporairement"
        assert describe(state, at, "en") == "temporarily closed"


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

SUMMER = Period(paris(2026, 3, 2), paris(2026, 3, 8, 23, 59, 59))


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


def test_opening_more_than_a_week_ahead_is_dated() -> None:
    period = Period(paris(2026, 3, 2), paris(2026, 3, 11, 23, 59, 59))
    timing = Timing("Europe/Paris", OFFICE, temp_hours=(period, None))
    at = paris(2026, 3, 2, 10)
    state = state_at(timing, at)
    assert state.opens_at == paris(2026, 3, 12, 9)
    assert describe(state, at, "fr") == "fermé, ouvre le 12 mars à 9h"
    assert describe(state, at, "en") == "closed, opens on March 12 at 9:00"


def test_temporary_hours_on_unknown_regular_hours() -> None:
    timing = Timing("Europe/Paris", None, temp_hours=(SUMMER, DAILY))
    assert state_at(timing, paris(2026, 3, 4, 10)).open is True
    outside = state_at(timing, paris(2026, 3, 10, 10))
    assert outside.openness is Openness.UNKNOWN and outside.open is None


# --- unknown hours and status -------------------------------------------------------------------


def test_unknown_hours() -> None:
    at = paris(2026, 3, 4, 10)
    state = state_at(Timing("Europe/Paris", None), at)
    assert state.openness is Openness.UNKNOWN and state.open is None and state.reason == "unknown"
    assert state.opens_at is None and state.closes_at is None and state.today == ()
    assert describe(state, at, "fr") == "horaires inconnus, appelez avant"
    assert describe(state, at, "en") == "hours unknown, call first"
    assert week_slots(Timing("Europe/Paris", None), date(2026, 3, 4)) is None


@pytest.mark.parametrize("status", ["DRAFT", "OFFLINE", "PERMANENTLY_CLOSED"])
def test_not_online_is_closed(status: str) -> None:
    at = paris(2026, 3, 4, 10)
    state = state_at(Timing("Europe/Paris", Week.always(), status=status), at)
    assert state.open is False and state.reason == "status" and state.opens_at is None
    assert describe(state, at, "fr") == "fermé" and describe(state, at, "en") == "closed"


def test_status_precedes_closures_which_precede_holidays() -> None:
    closure = Period(paris(2026, 4, 1), paris(2026, 4, 5))
    timing = Timing("Europe/Paris", DAILY, department="68", closed_holidays="CLOSED", closures=(closure,))
    assert state_at(timing, paris(2026, 4, 3, 10)).reason == "temporary_closure"
    assert state_at(replace(timing, status="OFFLINE"), paris(2026, 4, 3, 10)).reason == "status"


# --- other zones ----------------------------------------------------------------------------------


def test_french_guiana() -> None:
    timing = Timing("America/Cayenne", week(we=[(8 * H, 12 * H)]), department="973", closed_holidays="CLOSED")
    at = datetime(2026, 3, 4, 11, tzinfo=UTC)  # 08:00 in Cayenne (UTC-3)
    state = state_at(timing, at)
    assert state.open is True
    assert state.closes_at == datetime(2026, 3, 4, 12, tzinfo=CAYENNE)
    assert state.closes_at is not None and state.closes_at.tzinfo == CAYENNE
    assert state_at(timing, datetime(2026, 3, 4, 10, 59, tzinfo=UTC)).open is False
    assert describe(state, at, "fr") == "ouvert jusqu'à 12h"
    abolition = state_at(timing, datetime(2026, 6, 10, 9, tzinfo=CAYENNE))  # a Wednesday, local holiday
    assert abolition.reason == "holiday"


# --- wording --------------------------------------------------------------------------------------


def test_describe_week() -> None:
    assert describe_week(OFFICE, "fr") == (
        "Lundi : 9h–12h, 14h–17h",
        "Mardi : 9h–17h",
        "Mercredi : 9h–17h",
        "Jeudi : 9h–17h",
        "Vendredi : 9h–18h30",
        "Samedi : fermé",
        "Dimanche : fermé",
    )
    assert describe_week(OFFICE, "en")[0] == "Monday: 9:00–12:00, 14:00–17:00"
    assert describe_week(OFFICE, "en")[6] == "Sunday: closed"
    assert describe_week(NIGHT, "fr")[0] == "Lundi : 19h–8h"
    split = describe_week(week(mo=[(19 * H, 24 * H)], tu=[(0, 8 * H)], we=[(20 * H, 24 * H)]), "fr")
    assert split[:4] == ("Lundi : 19h–8h", "Mardi : fermé", "Mercredi : 20h–24h", "Jeudi : fermé")
    assert describe_week(Week.always(), "fr")[3] == "Jeudi : 24h/24"
    assert describe_week(None, "fr") == ()
    for lang in LANGUAGES:
        lines = describe_week(OFFICE, lang)
        assert len(lines) == 7 and all(lines)


def test_a_search_on_another_day_names_days_instead_of_today_and_tomorrow() -> None:
    """ "vetements dimanche" sent on a Tuesday: "demain" would mean Wednesday to the reader."""
    timing = Timing("Europe/Paris", OFFICE)
    sunday, tuesday = paris(2026, 3, 8, 8), paris(2026, 3, 3, 10)
    state = state_at(timing, sunday)
    assert describe(state, sunday, "fr") == "fermé aujourd'hui, ouvre demain à 9h"
    assert describe(state, sunday, "fr", now=tuesday) == "fermé dimanche, ouvre lundi à 9h"
    assert describe(state, sunday, "en", now=tuesday) == "closed Sunday, opens Monday at 9:00"
    night = Timing("Europe/Paris", NIGHT)
    friday_night = paris(2026, 3, 6, 22)
    assert describe(state_at(night, friday_night), friday_night, "fr", now=tuesday) == (
        "ouvert jusqu'à samedi 8h"
    )
    thursday_evening = paris(2026, 3, 5, 19)
    evening = state_at(timing, thursday_evening)
    assert describe(evening, thursday_evening, "fr", now=tuesday) == "fermé, ouvre vendredi à 9h"
    # the same day as now: today and tomorrow are right
    assert describe(evening, thursday_evening, "fr", now=paris(2026, 3, 5, 8)) == "fermé, ouvre demain à 9h"
    for lang in LANGUAGES:
        text = describe(state, sunday, lang, now=tuesday)
        assert "{" not in text and text != describe(state, sunday, lang)


def test_georgian_and_caseless_scripts_are_not_capitalised() -> None:
    """str.capitalize turns Georgian Mkhedruli into Mtavruli ("Ორშაბათი"), which is not sentence case."""
    assert describe_week(OFFICE, "ka")[0].startswith("ორშაბათი")
    assert describe_week(OFFICE, "ru")[0].startswith("Понедельник")
    assert describe_week(OFFICE, "uk")[0].startswith("Понеділок")
    assert describe_week(OFFICE, "ar")[0].startswith("الاثنين")
    for lang in LANGUAGES:
        for line in describe_week(OFFICE, lang) + describe_week(OFFICE, lang, compact=True):
            assert not any("\u1c90" <= c <= "\u1cbf" for c in line), (lang, line)  # Mtavruli block


def test_every_language_uses_the_24_hour_clock() -> None:
    late = Timing("Europe/Paris", week(mo=[(14 * H, 21 * H + 30)]))
    monday = paris(2026, 3, 2, 15)
    for lang in LANGUAGES:
        texts = [*describe_week(OFFICE, lang), describe(state_at(late, monday), monday, lang)]
        joined = " ".join(texts)
        assert not re.search(r"\b(?:AM|PM|a\.m\.|p\.m\.)\b|\sص|\sم\b|ق\.ظ|ب\.ظ", joined), (lang, joined)
        if lang != "fr":
            assert "21:30" in joined and "17:00" in joined, (lang, joined)


def test_compact_week_groups_runs_of_days_and_leaves_closed_days_out() -> None:
    assert describe_week(OFFICE, "ru", compact=True) == (
        "Пн: 9:00–12:00, 14:00–17:00",
        "Вт–Чт: 9:00–17:00",
        "Пт: 9:00–18:30",
    )
    assert describe_week(OFFICE, "ar")[0] == "الاثنين: 9:00–12:00، 14:00–17:00"


def test_french_first_of_the_month() -> None:
    closure = Timing(
        "Europe/Paris", OFFICE, closures=(Period(paris(2026, 11, 20), paris(2026, 12, 1, 23, 59)),)
    )
    at = paris(2026, 11, 24, 10)
    assert describe(state_at(closure, at), at, "fr") == "fermé temporairement jusqu'au 1er décembre"
    assert describe(state_at(closure, at), at, "en") == "temporarily closed until December 1"


def test_unknown_hours_in_brief() -> None:
    at = paris(2026, 3, 2)
    state = state_at(Timing("Europe/Paris", None), at)
    assert describe(state, at, "fr", brief=True) == "horaires inconnus"
    assert describe(state, at, "ru", brief=True) == "часы неизвестны"


def test_messages_fit_in_an_sms() -> None:
    cases = [
        (Timing("Europe/Paris", OFFICE), paris(2026, 3, 7, 10)),
        (Timing("Europe/Paris", OFFICE), paris(2026, 3, 6, 12)),
        (Timing("Europe/Paris", week(we=[(10 * H + 30, 11 * H)])), paris(2026, 3, 5, 12)),
        (
            Timing("Europe/Paris", DAILY, closures=(Period(paris(2026, 9, 1), paris(2026, 9, 30)),)),
            paris(2026, 9, 2, 10),
        ),
        (Timing("Europe/Paris", None), paris(2026, 3, 2)),
    ]
    for timing, at in cases:
        for lang in ("fr", "en"):
            text = describe(state_at(timing, at), at, lang)
            assert len(text) <= 45, text


def _msgids() -> set[str]:
    tree = ast.parse(Path(hours_module.__file__).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_t":
            arg = node.args[1]
            assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), ast.dump(node)
            found.add(arg.value)
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_is_translated(lang: str) -> None:
    msgids = _msgids()
    assert len(msgids) >= 15
    path = resources.files("locales").joinpath(f"{lang}/LC_MESSAGES/hours.po")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain="hours")
    assert catalog.locale is not None and str(catalog.locale) == lang
    headers = dict(catalog.mime_headers)
    assert headers["Language"] == lang and "nplurals=" in headers["Plural-Forms"]
    for msgid in msgids:
        message = catalog.get(msgid)
        assert message is not None and isinstance(message.string, str) and message.string, (lang, msgid)
        assert _fields(message.string) == _fields(msgid), (lang, msgid)
        values = {name: f"<{name}>" for name in _fields(msgid)}
        rendered = gettext(lang, "hours", msgid, **values)
        assert "{" not in rendered and all(v in rendered for v in values.values())
        if lang != "en" and msgid != "{day}: {hours}":
            assert rendered != msgid.format(**values), (lang, msgid)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_describe_speaks_every_language(lang: str) -> None:
    at = paris(2026, 3, 7, 10)
    for timing in (
        Timing("Europe/Paris", OFFICE),
        Timing("Europe/Paris", None),
        Timing("Europe/Paris", NIGHT),
        Timing("Europe/Paris", DAILY, closures=(CLOSURE,)),
    ):
        for moment in (at, paris(2026, 3, 4, 12), paris(2026, 3, 2, 23)):
            text = describe(state_at(timing, moment), moment, lang)
            assert text and "{" not in text


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


def test_a_place_about_to_close_says_how_long_is_left() -> None:
    week = Week(tuple((Slot(9 * 60, 20 * 60),) for _ in range(7)))
    timing = Timing(tz="Europe/Paris", week=week)
    at = datetime(2026, 11, 17, 19, 42, tzinfo=ZoneInfo("Europe/Paris"))
    state = state_at(timing, at)
    assert describe(state, at, "fr") == "ferme dans 18 min, à 20h"
    assert describe(state, at, "en") == "closes in 18 min, at 20:00"
    earlier = datetime(2026, 11, 17, 19, 29, tzinfo=ZoneInfo("Europe/Paris"))
    assert describe(state_at(timing, earlier), earlier, "fr") == "ouvert jusqu'à 20h"
