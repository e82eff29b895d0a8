"""search.reading: the readers together; the need shapes the time window ("a bed today" is tonight)."""

from __future__ import annotations

from datetime import datetime

import pytest

from search.reading import understand
from search.when import PARIS

NOW = datetime(2026, 11, 17, 16, 40, tzinfo=PARIS)  # a Tuesday afternoon


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    "text",
    [
        "un lit pour aujourd'hui à Colmar",
        "нічліг на сьогодні у Страсбурзі",
        "¿dónde dormir hoy en Mulhouse?",
        "a place to sleep today in Lyon",
        "hébergement d'urgence aujourd'hui",
        "ночлег на сегодня",
    ],
)
def test_a_bed_for_today_covers_the_night(text: str) -> None:
    u = understand(text, NOW)
    assert u.when is not None
    assert u.when.start <= at(17, 23) <= u.when.end
    assert u.when.start <= at(18, 7) <= u.when.end


def test_a_bed_on_a_weekday_covers_that_night() -> None:
    u = understand("dormir jeudi à Sélestat", NOW)
    assert u.when is not None
    assert u.when.start <= at(19, 23) <= u.when.end
    assert u.when.start <= at(20, 7) <= u.when.end


@pytest.mark.parametrize("text", ["une douche aujourd'hui à Colmar", "comida hoy en Mulhouse"])
def test_other_needs_today_stay_in_the_day(text: str) -> None:
    u = understand(text, NOW)
    assert u.when is not None
    assert u.when.end <= at(17, 23, 59)


def test_a_bed_tonight_is_unchanged() -> None:
    u = understand("dormir ce soir à Colmar", NOW)
    assert u.when is not None and u.when.label == "evening"
    assert u.when.start <= at(17, 21) <= u.when.end


def test_the_senders_situation_and_job_add_no_need() -> None:
    u = understand("soy trabajadora social en Colmar, no tengo papeles la persona, necesita un médico", NOW)
    assert {n.category for n in u.needs} == {"health"}
    assert u.place is not None and u.place.label.startswith("Colmar")


def test_words_between_two_time_phrases_are_still_read() -> None:
    """ "hoje … essa noite": the need said between two times is not part of a time."""
    text = "meu patrao me mandou embora hoje, ja ta escurecendo, onde eu posso dormir essa noite??"
    reading = understand(text, NOW)
    assert [n.category for n in reading.needs] == ["accomodation_and_housing"]
    assert reading.when is not None and len(reading.when.said) == 2


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("halte de nuit mulhouse", "overnight_stop"),
        ("accueil de jour colmar", "day_hosting"),
        ("HU homme seul mulhouse", "emergency_accommodation"),
        ("CHU Strasbourg", "health"),  # the public's CHU is the hospital (operators.tsv: their shelter)
    ],
)
def test_names_of_services_are_read_before_times_and_places(text: str, need: str) -> None:
    reading = understand(text, NOW)
    assert [n.category for n in reading.needs] == [need]
    assert reading.when is None and reading.place is not None and reading.place.kind == "commune"


@pytest.mark.parametrize(
    "text",
    [
        "he keeps saying he wants to die",  # Die (Drôme)
        "are un cutit in mana",  # Mana (French Guiana), "mâna" is a hand
        "ډېرې وینې ترې روانې دي",  # Rouen, "روانې" is flowing
        "c'est où la distribution rue du 8 mai 1945",
    ],
)
def test_ordinary_words_far_from_home_are_no_town(text: str) -> None:
    assert understand(text, NOW).place is None
