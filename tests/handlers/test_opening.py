"""Opening hours in words, from the state the search computes: every case said right, in every language."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

import handlers.opening as opening_module
from db.schedule import Period, Slot, Week
from handlers.opening import closure_lines, describe, describe_week, hours_in_force
from locales import LANGUAGES, gettext
from search.hours import Openness, Timing, state_at, week_slots
from tests.hours_cases import (
    CAYENNE,
    CLOSURE,
    DAILY,
    NIGHT,
    OFFICE,
    PARIS,
    SECOND,
    H,
    every_day,
    paris,
    week,
)


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


def test_open_ended_closure() -> None:
    closure = Period(paris(2026, 3, 3, 10))
    timing = Timing("Europe/Paris", DAILY, closures=(closure,))
    assert state_at(timing, paris(2026, 3, 3, 10) - SECOND).open is True
    for at in (paris(2026, 3, 3, 10), paris(2027, 1, 1, 12)):
        state = state_at(timing, at)
        assert state.open is False and state.opens_at is None and state.closed_until is None
        assert describe(state, at, "fr") == "fermé temporairement"
        assert describe(state, at, "en") == "temporarily closed"


def test_open_until_more_than_a_week_ahead_is_dated() -> None:
    """An operators' trial (2026-12-06): open day and night until its winter hours begin, 13 days
    later, a shelter read "ouvert jusqu'à lundi 0h" on a Tuesday: the coming Monday, as read."""
    winter = Period(paris(2026, 12, 21), None)
    timing = Timing("Europe/Paris", every_day((0, 24 * H)), temp_hours=(winter, DAILY))
    at = paris(2026, 12, 8, 22)
    state = state_at(timing, at)
    assert state.open and state.closes_at == paris(2026, 12, 21)
    assert describe(state, at, "fr") == "ouvert jusqu'au 20 décembre 24h"
    assert describe(state, at, "en") == "open until December 20 at 24:00"
    for lang in LANGUAGES:  # the weekday is in none of them
        assert "20" in describe(state, at, lang), lang


def test_opening_more_than_a_week_ahead_is_dated() -> None:
    period = Period(paris(2026, 3, 2), paris(2026, 3, 11, 23, 59, 59))
    timing = Timing("Europe/Paris", OFFICE, temp_hours=(period, None))
    at = paris(2026, 3, 2, 10)
    state = state_at(timing, at)
    assert state.opens_at == paris(2026, 3, 12, 9)
    assert describe(state, at, "fr") == "fermé, ouvre le 12 mars à 9h"
    assert describe(state, at, "en") == "closed, opens on March 12 at 9:00"


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


# --- wording --------------------------------------------------------------------------------------


def _msgids() -> set[str]:
    tree = ast.parse(Path(opening_module.__file__).read_text(encoding="utf-8"))
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


def test_a_place_about_to_close_says_how_long_is_left() -> None:
    week = Week(tuple((Slot(9 * 60, 20 * 60),) for _ in range(7)))
    timing = Timing(tz="Europe/Paris", week=week)
    at = datetime(2026, 11, 17, 19, 42, tzinfo=ZoneInfo("Europe/Paris"))
    state = state_at(timing, at)
    assert describe(state, at, "fr") == "ferme dans 18 min, à 20h"
    assert describe(state, at, "en") == "closes in 18 min, at 20:00"
    # 12 min 30 s left: "12 min", not 13 (someone on foot counts on the minutes said)
    half = datetime(2026, 11, 17, 19, 47, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert describe(state_at(timing, half), half, "fr") == "ferme dans 12 min, à 20h"
    last = datetime(2026, 11, 17, 19, 59, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert describe(state_at(timing, last), last, "fr") == "ferme dans 1 min, à 20h"
    earlier = datetime(2026, 11, 17, 19, 29, tzinfo=ZoneInfo("Europe/Paris"))
    assert describe(state_at(timing, earlier), earlier, "fr") == "ouvert jusqu'à 20h"


# --- temporary changes: their days, when they are announced --------------------------------------


def _days(first: date, last: date, zone: str = "Europe/Paris") -> Period:
    """A period as db.soliguide reads Soliguide's days (local midnight to the instant before midnight)
    and as the database hands it back: with fixed UTC offsets, the start's and the end's own."""
    tz = ZoneInfo(zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz) - timedelta(microseconds=1)
    return Period.from_json(Period(datetime.combine(first, time(), tzinfo=tz), end, "Travaux").to_json())


def test_a_closure_of_one_day_to_come_says_which_day() -> None:
    timing = Timing("Europe/Paris", DAILY, closures=(_days(date(2026, 3, 14), date(2026, 3, 14)),))
    at = paris(2026, 3, 10, 12)
    assert closure_lines(timing, at, "fr") == ("Fermé le 14 mars. Travaux",)
    assert closure_lines(timing, at, "en") == ("Closed on March 14. Travaux",)


def test_a_change_is_announced_from_fifteen_days_before_its_first_day() -> None:
    """Soliguide's computeValidity: "incoming" when the first day is at most 15 calendar days away."""
    timing = Timing("Europe/Paris", DAILY, closures=(_days(date(2026, 5, 24), date(2026, 5, 30)),))
    assert closure_lines(timing, paris(2026, 5, 9, 0, 0), "fr") == ("Fermé du 24 mai au 30 mai. Travaux",)
    assert closure_lines(timing, paris(2026, 5, 8, 23, 59), "fr") == ()
    summer = Timing("Europe/Paris", DAILY, temp_hours=(_days(date(2026, 5, 24), date(2026, 5, 30)), None))
    assert "Fermé du 24 mai au 30 mai. Travaux" in hours_in_force(summer, paris(2026, 5, 9, 8), "fr")
    assert not any("Fermé" in line for line in hours_in_force(summer, paris(2026, 5, 8, 8), "fr"))


def test_the_last_day_is_the_local_one_across_a_clock_change() -> None:
    """From summer time into winter time: the end's own offset, not the start's, says its day."""
    closure = _days(date(2026, 10, 20), date(2026, 11, 5))
    timing = Timing("Europe/Paris", DAILY, closures=(closure,))
    assert closure_lines(timing, paris(2026, 10, 10, 12), "fr") == (
        "Fermé du 20 octobre au 5 novembre. Travaux",
    )
    state = state_at(timing, paris(2026, 10, 21, 12))
    assert describe(state, paris(2026, 10, 21, 12), "fr") == "fermé temporairement jusqu'au 5 novembre"
    assert closure_lines(timing, paris(2026, 10, 21, 12), "fr") == ("Fermé jusqu'au 5 novembre. Travaux",)
    reunion = Timing(
        "Indian/Reunion", DAILY, closures=(_days(date(2026, 12, 20), date(2026, 12, 20), "Indian/Reunion"),)
    )
    at = datetime(2026, 12, 20, 23, 30, tzinfo=ZoneInfo("Indian/Reunion"))  # 20:30 in Paris
    assert describe(state_at(reunion, at), at, "fr") == "fermé temporairement jusqu'au 20 décembre"
    assert state_at(reunion, at + timedelta(hours=1)).reason != "temporary_closure"
