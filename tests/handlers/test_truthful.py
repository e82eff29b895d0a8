"""Every sentence true when it is read: who a place is for is never cut, a private address stays
private, the hours in force and their reason are shown, a holiday is not taken for a usual day, and
a list read an hour later speaks of the new now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.gsm import for_sms, segments
from bot.surfaces import CONSOLE, SMS
from db.schedule import Period, Week
from handlers import LANGUAGES, Conversation
from handlers.audience import audience_marker
from handlers.deps import Deps
from handlers.opening import describe
from handlers.pages import details_text, results_text
from search import Openness, Timing, state_at
from search.audience import Audience
from search.engine import Query, Result
from search.geo import Point
from tests.conftest import NOW, PARIS

from .conftest import Chat

STRASBOURG = Point(48.5734, 7.7521)
OSM = re.compile(r"openstreetmap\.org")
LONG = "Centre d'hébergement et de réinsertion sociale Foyer Notre-Dame de la Solidarité et de l'Espérance"
WEEKDAYS = {day: ((9 * 60, 18 * 60),) for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def _week(slots: Mapping[str, tuple[tuple[int, int], ...]]) -> Week:
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return Week.from_json([[list(s) for s in slots.get(name, ())] for name in names])


async def _result(deps: Deps) -> Result:
    page = await deps.directory.search(Query(STRASBOURG, NOW, ("shower",), limit=1))
    assert page.results
    return page.results[0]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_list_cuts_the_name_never_who_the_place_is_for(deps: Deps, lang: str) -> None:
    women = replace(
        await _result(deps),
        place_name=LONG,
        service_name=None,
        audience=Audience(welcome=2, genders=("women",), family=("family",)),
    )
    results = tuple(replace(women, lieu_id=n, service_id=n) for n in range(SMS.page_size(lang)))
    text = results_text(results, 1, 9, "Head", NOW, NOW, lang, surface=SMS)
    marker = audience_marker(women.audience, lang)
    assert marker
    for number in (1, 2):
        line = next(line for line in text.splitlines() if line.startswith(f"{number}. "))
        assert f"({marker})" in line, line  # whole, right after the (shortened) name
        assert "…" in line
    assert segments(for_sms(text)).count <= 3


async def test_a_place_reached_on_referral_shows_no_street_no_link_no_pin(deps: Deps) -> None:
    base = await _result(deps)
    private = replace(
        base, address="12 rue Secrète, 67000 Strasbourg", postal_code="67000", address_private=True
    )
    for surface in (SMS, CONSOLE):
        text = details_text(private, NOW, NOW, "fr", surface=surface)
        assert "Secrète" not in text and not OSM.search(text)
        assert (
            "Adresse communiquée sur orientation (67000 Strasbourg) : demandez à un travailleur social"
            in text
        )
    line = results_text((private,), 1, 1, "Head", NOW, NOW, "fr", surface=SMS)
    assert "Secrète" not in line and "Strasbourg" in line
    public = details_text(replace(private, address_private=False), NOW, NOW, "fr", surface=SMS)
    assert "Secrète" in public and OSM.search(public)


async def test_referral_places_get_no_map_pin(chat: Chat) -> None:
    chat.conv = Conversation()
    replies = await chat.send("douche Colmar")
    shown = [line for line in replies[-1].text.splitlines() if re.match(r"\d+\. ", line)]
    assert len(replies[-1].venues) < len(shown)  # Foyer Le Sillon is reached on referral only
    assert all(v.title != "Foyer Le Sillon" for v in replies[-1].venues)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_street_address_outranks_a_second_phone_and_the_audience_line(
    deps: Deps, lang: str
) -> None:
    crowded = replace(
        await _result(deps),
        place_name=LONG,
        address="Rue du Général-de-Gaulle prolongée, bâtiment C, 2e étage",
        phones=("03 88 00 00 01", "06 12 34 56 78", "07 98 76 54 32"),
        audience=Audience(welcome=1, genders=("women",), administrative=("asylum",), other=("violence",)),
        languages=("fr", "de", "en", "ar", "ru"),
    )
    text = details_text(crowded, NOW, NOW, lang, surface=SMS)
    assert "Rue du Général-de-Gaulle prolongée" in text, text
    assert "03 88 00 00 01" in text
    assert segments(for_sms(text)).count <= 3


async def test_details_show_the_temporary_hours_in_force_with_their_period_and_reason(deps: Deps) -> None:
    at = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)  # a Tuesday
    reduced = _week({"tuesday": ((570, 750),), "thursday": ((570, 750),), "friday": ((570, 750),)})
    period = Period(datetime(2026, 12, 1, tzinfo=PARIS), datetime(2026, 12, 30, tzinfo=PARIS), "Travaux")
    timing = Timing(tz="Europe/Paris", week=_week(WEEKDAYS), department="67", temp_hours=(period, reduced))
    result = replace(await _result(deps), timing=timing, state=state_at(timing, at))
    full = details_text(result, at, at, "fr", surface=CONSOLE)
    assert "Horaires temporaires jusqu'au 29 décembre :" in full
    assert "Travaux" in full and "Horaires habituels :" in full
    assert full.index("Horaires temporaires") < full.index("Horaires habituels")
    assert "ouvert jusqu'à 12h30" in full  # the state follows the temporary week
    sms = details_text(result, at, at, "fr", surface=SMS)
    assert "Horaires temporaires jusqu'au 29 décembre" in sms and "Horaires habituels" not in sms
    # announced two weeks ahead, after the regular week
    early = details_text(result, at - timedelta(days=20), at - timedelta(days=20), "fr", surface=CONSOLE)
    assert "Horaires :" in early and "Horaires temporaires du 1er décembre au 29 décembre :" in early


async def test_details_give_the_reason_of_a_closure(deps: Deps) -> None:
    at = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)
    closure = Period(datetime(2026, 12, 14, tzinfo=PARIS), datetime(2026, 12, 21, tzinfo=PARIS), "Congés")
    timing = Timing(tz="Europe/Paris", week=_week(WEEKDAYS), department="67", closures=(closure,))
    result = replace(await _result(deps), timing=timing, state=state_at(timing, at))
    text = details_text(result, at, at, "fr", surface=SMS)
    assert "fermé temporairement jusqu'au 20 décembre" in text
    assert "Fermé jusqu'au 20 décembre. Congés" in text


@pytest.mark.parametrize(("policy", "unsure"), [("UNKNOWN", True), ("OPEN", False)])
def test_a_holiday_the_place_says_nothing_of_is_not_a_usual_day(policy: str, unsure: bool) -> None:
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)  # a Friday
    timing = Timing(tz="Europe/Paris", week=_week(WEEKDAYS), department="68", closed_holidays=policy)
    state = state_at(timing, christmas)
    assert state.openness is Openness.OPEN and state.holiday_unsure is unsure
    words = describe(state, christmas, "fr")
    if unsure:
        assert words == "normalement ouvert jusqu'à 18h — jour férié, appelez avant"
    else:
        assert words == "ouvert jusqu'à 18h"
    assert not state_at(timing, christmas - timedelta(days=1)).holiday_unsure  # a usual Thursday
    closed = Timing(tz="Europe/Paris", week=_week(WEEKDAYS), department="68", closed_holidays="CLOSED")
    assert state_at(closed, christmas).openness is Openness.CLOSED


async def test_on_christmas_places_known_to_open_come_first(chat: Chat) -> None:
    chat.at = datetime(2026, 12, 25, 11, 0, tzinfo=PARIS)
    lines = [line for line in (await chat.text("manger Mulhouse")).splitlines() if re.match(r"\d+\. ", line)]
    for _ in range(3):
        lines += [line for line in (await chat.text("plus")).splitlines() if re.match(r"\d+\. ", line)]
    unsure = [i for i, line in enumerate(lines) if "normalement ouvert" in line]
    assert unsure and all("jour férié, appelez avant" in lines[i] for i in unsure), lines
    known = [i for i, line in enumerate(lines) if "ouvert" in line and "normalement" not in line]
    assert known and max(known) < min(unsure), lines


async def test_details_and_plus_read_later_speak_of_the_new_now(chat: Chat) -> None:
    noon = datetime(2026, 11, 17, 12, 0, tzinfo=PARIS)
    chat.at = noon
    page = await chat.text("manger Strasbourg")
    assert "ouvert jusqu" in page
    chat.at = noon.replace(hour=23)
    details = await chat.text("1")
    assert "En ce moment : ouvert jusqu" not in details and "En ce moment :" in details
    more = await chat.text("plus")
    assert "ouvert jusqu'à 13h" not in more and "ouvert jusqu'à 14h" not in more
    # a search for a given time keeps its time and says it, even once that time is past
    chat.at = datetime(2026, 11, 17, 9, 0, tzinfo=PARIS)
    await chat.send("manger Strasbourg à 12h")
    chat.at = datetime(2026, 11, 17, 15, 0, tzinfo=PARIS)
    later = await chat.text("1")
    assert "Aujourd'hui vers 12h – ouvert jusqu'à 13h30" in later and "En ce moment" not in later


async def test_a_private_place_shows_its_commune_not_how_far(deps: Deps) -> None:
    private = replace(await _result(deps), distance_m=10, city="Wittelsheim", address_private=True)
    text = results_text((private,), 1, 1, "Head", NOW, NOW, "fr", surface=SMS)
    assert "(Wittelsheim)" in text and "10 m" not in text
