"""Safety words in the 12 languages, and the words that must not trigger them."""

from __future__ import annotations

from datetime import datetime

import pytest

from handlers.safety import is_minor, read_alerts

from .conftest import PARIS

DAY = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
NIGHT = datetime(2026, 11, 17, 22, 0, tzinfo=PARIS)

VIOLENCE = [
    "il me bat",
    "mon copain m'a frappée",
    "violences conjugales",
    "j'ai été violée",
    "viol",
    "he beats me",
    "I am battered",
    "domestic abuse",
    "mi marido me pega",
    "violencia de género",
    "ele me bate",
    "violência doméstica",
    "em pega",
    "mă bate soțul",
    "violență",
    "муж меня бьёт",
    "домашнее насилие",
    "чоловік мене б'є",
    "насильство",
    "زوجي يضربني",
    "عنف",
    "خشونت خانگی",
    "شوهرم کتکم میزنه",
    "تاوتریخوالی",
    "ქმარი მცემს",
    "ძალადობა",
]
DANGER = [
    "je suis en danger",
    "il va me tuer",
    "help me now",
    "peligro",
    "perigo",
    "pericol",
    "убьёт меня",
    "небезпека",
    "خطر",
    "საფრთხე",
]
MINOR = [
    "j'ai 15 ans",
    "J'ai 16 ans et je dors dehors",
    "je suis mineur",
    "I'm 16",
    "I am 15 and alone",
    "tengo 16 años",
    "мне 15 лет",
    "мені 16 років",
    "am 15 ani",
    "عمري 15",
    "۱۵ سالمه",
    "არასრულწლოვანი ვარ",
]
HARMLESS = [
    "je cherche à manger",
    "violon",
    "un arrêt de bus",
    "j'ai 45 ans",
    "I'm 30",
    "j'ai 10 euros",
    "I'm 15 minutes away",
    "ouvert 24h",
    "am 3 copii",
    "douche Mulhouse",
]


@pytest.mark.parametrize("text", VIOLENCE)
def test_violence(text: str) -> None:
    assert read_alerts(text, (), DAY).violence


@pytest.mark.parametrize("text", DANGER)
def test_danger(text: str) -> None:
    assert read_alerts(text, (), DAY).danger


@pytest.mark.parametrize("text", MINOR)
def test_minor(text: str) -> None:
    assert is_minor(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless(text: str) -> None:
    assert not read_alerts(text, ("food",), NIGHT)


def test_night_shelter_only_at_night_and_for_shelter() -> None:
    assert read_alerts("", ("emergency_accommodation",), NIGHT).night_shelter
    assert read_alerts(
        "", ("accomodation_and_housing",), datetime(2026, 11, 17, 6, 0, tzinfo=PARIS)
    ).night_shelter
    assert not read_alerts("", ("emergency_accommodation",), DAY).night_shelter
    assert not read_alerts("", ("food",), NIGHT).night_shelter
