"""List lines and details: what a result is, who it is for, distances, dates and lists per language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

import locales
from bot.surfaces import CONSOLE, SMS
from handlers import Channel
from handlers.audience import audience_marker, language_names
from handlers.deps import Deps
from handlers.filters import read_filters
from handlers.generic_needs import SEARCHED_FOR, is_health, searched_categories
from handlers.i18n import capitalized, clock, distance, join, long_date
from handlers.pages import details_text, header, results_text, title
from search.audience import Audience, Filters
from search.engine import Query, Result
from search.geo import Point
from tests.conftest import NOW, PARIS

from .conftest import Chat

STRASBOURG = Point(48.5734, 7.7521)


async def _a_result(deps: Deps, category: str = "shower") -> Result:
    page = await deps.directory.search(Query(STRASBOURG, NOW, (category,), limit=1))
    assert page.results
    return page.results[0]


async def test_the_service_name_is_shown_when_it_says_more_than_the_place(deps: Deps) -> None:
    result = await _a_result(deps)
    sanisette = replace(
        result, place_name="Sanisette — Rue du 11 Novembre", service_name="Eau potable", audience=Audience()
    )
    assert title(sanisette, ("food",), "fr") == "Sanisette — Rue du 11 Novembre – Eau potable"
    same = replace(sanisette, place_name="Douches municipales", service_name="Douches")
    assert title(same, ("shower",), "fr") == "Douches municipales"
    # no service name: the sub-category tells what a generic search found, unless the name says it
    unnamed = replace(sanisette, service_name=None, category="fountain")
    assert title(unnamed, ("food",), "fr") == "Sanisette — Rue du 11 Novembre – Eau potable"
    assert title(unnamed, ("fountain",), "fr") == "Sanisette — Rue du 11 Novembre"


async def test_exclusive_places_carry_a_short_audience_marker(deps: Deps) -> None:
    result = replace(await _a_result(deps), service_name=None)
    women = replace(result, audience=Audience(welcome=2, genders=("women",)))
    assert title(women, (result.category,), "fr").endswith(" (femmes)")
    assert title(women, (result.category,), "en").endswith(" (women)")
    assert audience_marker(Audience(welcome=2, family=("family",)), "fr") == "familles"
    assert audience_marker(Audience(welcome=2, age_min=18, age_max=25), "fr") == "18-25 ans"
    assert audience_marker(Audience(welcome=2, age_max=25), "fr") == "-25 ans"
    assert audience_marker(Audience(welcome=2, genders=("men",), age_min=60), "ru") == "мужчины, от 60 лет"
    assert audience_marker(Audience(welcome=2, genders=("women",), family=("family",)), "ar") == (
        "النساء، العائلات"
    )
    # a preferred public is welcome, not exclusive: said as such (a persona trial, 2026-12-06: "Le Fil
    # d'Ariane" said "Surtout pour : femmes" in its details only)
    assert audience_marker(Audience(welcome=1, genders=("women",)), "fr") == "surtout femmes"
    # not on an SMS page, where it pushed Arabic or Russian pages past one message (a review)
    assert audience_marker(Audience(welcome=1, genders=("women",)), "ru", preferred=False) is None
    assert audience_marker(Audience(welcome=1, family=("family",)), "fr") is None
    assert audience_marker(Audience(welcome=0), "fr") is None
    for lang in locales.LANGUAGES:
        assert audience_marker(Audience(welcome=2, genders=("women",), age_max=25), lang)


@pytest.mark.parametrize(
    "text", ["homme", "je suis un homme", "un homme seul", "I'm a man", "hombre", "мужчина", "чоловік", "رجل"]
)
def test_men_are_read_as_a_gender_filter(text: str) -> None:
    assert read_filters(text).gender == "men"


def test_women_and_both() -> None:
    assert read_filters("une femme").gender == "women"
    assert read_filters("une femme et un homme").gender is None
    assert read_filters("human rights") == Filters()


def test_generic_needs_search_what_a_person_in_need_means() -> None:
    assert searched_categories(("accomodation_and_housing",)) == (
        "emergency_accommodation",
        "overnight_stop",
        "citizen_housing",
    )
    food = searched_categories(("food",))
    assert "food_distribution" in food and "solidarity_fridge" in food
    assert not {"fountain", "cooking_workshop", "community_garden", "shared_kitchen"} & set(food)
    # explicit sub-needs stay as they are
    assert searched_categories(("long_term_accomodation",)) == ("long_term_accomodation",)
    assert searched_categories(("fountain", "food")) == ("fountain", *SEARCHED_FOR["food"])
    doctor = searched_categories(("health",))
    assert "general_practitioner" in doctor and "find_healthcare" in doctor
    assert not {"vet_care", "sexual_violence_support", "abortion", "child_care"} & set(doctor)
    assert searched_categories(("dental_care",)) == ("dental_care",)


def test_health_like_needs() -> None:
    assert is_health(("health",)) and is_health(("psychological_support",)) and is_health(("dental_care",))
    assert not is_health(("food",)) and not is_health(("vet_care",))


def test_distances_round_before_choosing_the_unit() -> None:
    assert distance(994, "fr") == "990 m"
    assert distance(996, "fr") == "1 km"
    assert distance(1000, "fr") == "1 km"
    assert distance(1240, "fr") == "1,2 km"
    assert distance(1240, "en") == "1.2 km"


def test_times_are_24_hour_in_every_language() -> None:
    for lang in locales.LANGUAGES:
        shown = clock(time(21, 30), lang)
        assert "PM" not in shown and "م" not in shown
        assert shown == ("21h30" if lang == "fr" else "21:30"), (lang, shown)


def test_french_first_of_the_month_and_case() -> None:
    assert long_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert long_date(date(2026, 12, 2), "fr") == "2 décembre 2026"
    assert capitalized("dimanche vers 8h", "fr") == "Dimanche vers 8h"
    assert capitalized("ორშაბათი", "ka") == "ორშაბათი"
    assert capitalized("вторник", "ru") == "Вторник"
    assert capitalized("الاثنين", "ar") == "الاثنين"


def test_lists_use_the_arabic_comma_in_arabic_scripts() -> None:
    assert join(["أ", "ب"], "ar") == "أ، ب"
    assert join(["a", "b"], "fa") == "a، b"
    assert join(["a", "b"], "fr") == "a, b"


def test_language_names_come_from_cldr_and_unknown_codes_are_skipped() -> None:
    assert language_names(("fr", "en", "lsf"), "fr") == "français, anglais"
    assert language_names(("ar", "xx-nothing"), "en") == "Arabic"
    assert language_names(("fr", "ru"), "ar") == "الفرنسية، الروسية"


def test_a_header_about_another_time_starts_with_a_capital() -> None:
    assert header(("clothing",), "Strasbourg (67)", "fr", "dimanche vers 8h").startswith(
        "Dimanche vers 8h – "
    )


# --- the address's note (Soliguide's position.additionalInformation) -------------------------------


async def test_the_address_note_is_shown_with_the_address_in_the_details_only(deps: Deps) -> None:
    result = replace(
        await _a_result(deps),
        address="1 Rue Montmartre, 75001 Paris",
        postal_code="75001",
        address_note="3e porte sur la droite\nhttps://x.example",  # directory text: defused
        address_private=False,
    )
    full = details_text(result, NOW, NOW, "fr", surface=CONSOLE)
    assert "Adresse : 1 Rue Montmartre, 75001 Paris – 3e porte sur la droite x[.]example" in full
    sms = details_text(result, NOW, NOW, "fr", surface=SMS)
    assert "1 Rue Montmartre, Paris – 3e porte sur la droite" in sms
    listed = results_text((result,), 1, 1, "Douches :", NOW, NOW, "fr", surface=CONSOLE)
    assert "3e porte" not in listed  # a list line has no room for it


async def test_a_private_address_hides_its_note_too(deps: Deps) -> None:
    result = replace(
        await _a_result(deps),
        address="12 rue Secrète, 67000 Strasbourg",
        address_note="Interphone « Soleil », 2e étage",
        address_private=True,
    )
    for surface in (CONSOLE, SMS):
        text = details_text(result, NOW, NOW, "fr", surface=surface)
        assert "Soleil" not in text and "Secrète" not in text


async def test_on_sms_the_note_gives_way_before_what_says_whether_to_go(deps: Deps) -> None:
    base = replace(await _a_result(deps), address_private=False, temp_message=None)
    bare = details_text(base, NOW, NOW, "fr", surface=SMS)
    noted = details_text(replace(base, address_note="x" * 400), NOW, NOW, "fr", surface=SMS)
    assert "x" * 400 not in noted and SMS.fits(noted, "fr")
    assert noted == bare  # a note too long for the message leaves the rest as it was


@pytest.mark.parametrize(
    ("lang", "said"), [("fr", "Rien n'est ouvert à moins de 3 km de Colmar"), ("en", "Nothing is open")]
)
async def test_when_the_nearest_open_place_is_far_the_reply_says_so_first(
    deps: Deps, lang: str, said: str
) -> None:
    """ "manger colmar" at 21:00 on a Thursday: the first open place is 26 km away, above one 280 m away
    that is closed: the reply says plainly that nothing is open near Colmar before listing it."""
    chat = Chat(deps, channel=Channel.SMS, at=datetime(2026, 12, 3, 21, 0, tzinfo=PARIS), hint=lang)
    text = await chat.text("manger colmar" if lang == "fr" else "food colmar")
    first = text.splitlines()[0]
    assert first.startswith(said) and ("26 km" in first), text
    assert text.index("26 km") < text.index("1. ")
    chat.at = datetime(2026, 11, 17, 21, 0, tzinfo=PARIS)  # a place 850 m away is open: nothing to say
    chat.conv = chat.conv.__class__()
    assert said not in await chat.text("manger colmar" if lang == "fr" else "food colmar")


async def test_with_a_filter_nothing_open_near_is_said_of_what_fits(deps: Deps) -> None:
    """A persona trial (2026-12-06): "CHU mulhouse homme avec chien" was told nothing is open within
    3 km of Mulhouse, where three shelters are open all night, but take no dogs."""
    chat = Chat(deps, channel=Channel.SMS, at=datetime(2026, 12, 3, 21, 0, tzinfo=PARIS))
    first = (await chat.text("manger colmar sans orientation")).splitlines()[0]
    assert first.startswith("Aucun lieu à moins de 3 km de Colmar (68) ne correspond à votre demande"), first
    assert "Rien n'est ouvert" not in first


async def test_a_temporary_notice_is_flagged_on_every_list_line(deps: Deps) -> None:
    """A persona trial (2026-12-06): on a Friday a grocery was listed "ouvert jusqu'à 12h" while its
    message, in the details only, said "la permanence du vendredi est suspendue"."""
    base = replace(await _a_result(deps), temp_message=None)
    noticed = replace(base, temp_message="La permanence du vendredi est suspendue jusqu'à nouvel ordre")
    for surface in (CONSOLE, SMS):
        assert "avis" not in results_text((base,), 1, 1, "Douches :", NOW, NOW, "fr", surface=surface)
        listed = results_text((noticed,), 1, 1, "Douches :", NOW, NOW, "fr", surface=surface)
        assert "avis : voir le détail" in listed.splitlines()[1], listed
    dense = results_text((noticed,), 1, 1, "Douches :", NOW, NOW, "fr", surface=CONSOLE, dense=True)
    assert "avis : voir le détail" in dense
