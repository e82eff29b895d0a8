"""The data-quality index on hand-made places: each score is what docs/indicators.md says by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from db import Commune
from db.sql import PlaceFacts, ServiceFacts, make_engine, quality_index, read_places
from db.sql.quality import age_band, scores, service_completeness
from tests.conftest import NOW

TOWN_A = Commune("99001", "Aville", "99", 47.0, 7.0, 3000, ())
TOWN_B = Commune("99002", "Bville", "99", 47.5, 7.0, 1000, ())  # 55 km north: nothing within reach


def _full(category: str) -> ServiceFacts:
    return ServiceFacts(category, True, True, True, True, True, True, "x" * 300, email=True)


def _hours_only(category: str) -> ServiceFacts:
    return ServiceFacts(category, True, False, False, False, False, False)


PLACES = [
    PlaceFacts(
        1, "Épicerie", "99001", "99", 47.01, 7.0, NOW - timedelta(days=40),
        (_full("food"), _full("emergency_accommodation")),
    ),
    PlaceFacts(
        2, "Accueil de jour", "99001", "99", 47.0, 7.02, None,
        (_hours_only("shower"), _hours_only("general_practitioner"), _hours_only("counseling")),
    ),
]  # fmt: skip


def test_the_three_scores_by_hand() -> None:
    found = scores(PLACES, [TOWN_A, TOWN_B], NOW)
    # Every essential need within 10 km of Aville (3,000 people), none of Bville (1,000): 3/4 of 5.
    assert found.covered == dict.fromkeys(("food", "shelter", "hygiene", "health", "counselling"), 0.75)
    assert found.exhaustivite == 3.8
    # Two services complete (10/10) and three with hours only (3/10): (2 + 0.9) / 5 = 0.58 of 5.
    assert service_completeness(_hours_only("food")) == 0.3
    assert found.completude == 2.9
    # One place of two checked by a person within six months.
    assert found.recence == 2.5
    assert found.ages["1-3 mois"] == 1 and found.ages["jamais"] == 1
    assert (found.places, found.services, found.population) == (2, 5, 4000)
    assert found.di_score is not None and 0 < found.di_score < 1


def test_an_empty_territory_scores_zero() -> None:
    found = scores([], [TOWN_A], NOW)
    assert (found.exhaustivite, found.completude, found.recence) == (0.0, 0.0, 0.0)


def test_age_bands() -> None:
    assert age_band(None, NOW) == "jamais"
    assert age_band(NOW - timedelta(days=10), NOW) == "< 1 mois"
    assert age_band(NOW - timedelta(days=800), NOW) == "> 2 ans"


def test_the_sample_per_department_and_the_places_to_update_first(directory_url: str) -> None:
    engine = make_engine(directory_url)
    with engine.connect() as conn:
        places = read_places(conn, ("67", "68"))
    engine.dispose()
    demand = {("68066", "shower"): 41, ("68224", "food"): 3}
    found = quality_index(places, "68", NOW, demand)
    for score in (found.department.exhaustivite, found.department.completude, found.department.recence):
        assert 0 <= score <= 5
    assert found.department.places > 400 and "68224" in found.communes  # Mulhouse
    first = found.priorities[0]
    assert first.demand >= 41 and first.reports == 0  # searched in Colmar, and stale
    assert [p.score for p in found.priorities] == sorted((p.score for p in found.priorities), reverse=True)
    assert isinstance(NOW, datetime)
