"""Safety words in the 12 languages, and the words that must not trigger them."""

from __future__ import annotations

import pytest

from handlers.safety import is_minor, read_alerts

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
    # words a new-user trial found missing
    "il me cogne",
    "mon ex m'a tabassée",
    "il me tabasse",
    "j'ai reçu des coups",
    "il m'a frappé",
    "il me frappait",
    "he punched me",
    "me dio golpes",
    "ele me espancou",
    "m'ha pegat",
    "m-a lovit",
    "он меня избил",
    "він мене вдарив",
    "ضربني زوجي",
    "شوهرم منو زد",
    "ქმარმა დამარტყა",
]
# a weapon or a threat: 17/112 and SMS 114 (3919 only when it is said to be at home)
THREAT = [
    "il me menace avec un couteau",
    "il m'a menacée",
    "il va me tuer",
    "he threatened me with a knife",
    "me amenaza con un cuchillo",
    "ele me ameaçou com uma faca",
    "m'amenaça amb un ganivet",
    "mă amenință cu cuțitul",
    "он угрожает мне ножом",
    "він погрожує мені ножем",
    "يهددني بسكين",
    "با چاقو تهدیدم کرد",
    "په چړه یې ګواښلې یم",
    "დანით მემუქრება",
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
    "un coup de main",
    "un coup de fil",
    "більше ніж три",
    "tuer le temps",
]


@pytest.mark.parametrize("text", VIOLENCE)
def test_violence(text: str) -> None:
    assert read_alerts(text, ()).domestic


# An operator, a volunteer or a friend tells of someone else: the lines are for that person too.
TOLD_OF_SOMEONE_ELSE = [
    "son mari la frappe",
    "une femme que son mari frappe, elle cherche un hébergement",
    "elle est battue par son copain",
    "il la tabasse depuis des mois",
    "her husband beats her, she needs a bed",
    "he hits his wife",
]


@pytest.mark.parametrize("text", TOLD_OF_SOMEONE_ELSE)
def test_violence_told_of_someone_else(text: str) -> None:
    assert read_alerts(text, ()).domestic, text


@pytest.mark.parametrize("text", DANGER)
def test_danger(text: str) -> None:
    assert read_alerts(text, ()).danger


@pytest.mark.parametrize("text", THREAT)
def test_threat_is_immediate_danger(text: str) -> None:
    assert read_alerts(text, ()).danger, text


@pytest.mark.parametrize("text", MINOR)
def test_minor(text: str) -> None:
    assert is_minor(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless(text: str) -> None:
    assert not read_alerts(text, ("food",))


def test_shelter_at_any_hour_and_only_for_shelter() -> None:
    assert read_alerts("", ("emergency_accommodation",)).shelter
    assert read_alerts("", ("accomodation_and_housing",)).shelter
    assert not read_alerts("", ("food",)).shelter
    assert not read_alerts("", ("long_term_accomodation",)).shelter


def test_violence_at_home_points_to_115_for_a_safe_night_whatever_is_asked() -> None:
    assert read_alerts("il me cogne", ()).shelter
    assert read_alerts("il me cogne", ("food",)).shelter
    assert not read_alerts("je cherche à manger", ("food",)).shelter
