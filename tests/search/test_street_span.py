"""The street address a message writes, and nothing else: what a remote geocoder may read (issue 10)."""

import json
import re
from pathlib import Path

import pytest

from search import names_a_street, street_span

CASES = [
    # French: the address, then a postcode and/or a town, and nothing after
    ("12 rue de la Paix 68100 Mulhouse", "12 rue de la Paix 68100 Mulhouse"),
    ("3 avenue Jean Jaurès, Strasbourg", "3 avenue Jean Jaurès, Strasbourg"),
    ("12 rue de la paix mon mari me frappe", "12 rue de la paix"),
    (
        "je m'appelle Sophie, mon mari me frappe, j'habite 12 rue de la paix à Mulhouse",
        "12 rue de la paix, Mulhouse",
    ),
    ("12 rue de la Paix 0612345678", "12 rue de la Paix"),
    ("12 rue de la Paix 06 12 34 56 78 rappelez moi", "12 rue de la Paix"),
    ("12 rue de la Paix +33 6 12 34 56 78", "12 rue de la Paix"),
    ("12 rue de la Paix Mulhouse 0612345678 Sophie", "12 rue de la Paix Mulhouse"),
    (
        "12 rue des Franciscains, 68100 Mulhouse, tél 06 12 34 56 78",
        "12 rue des Franciscains, 68100 Mulhouse",
    ),
    ("je suis séropositive et enceinte, 4 rue des Fleurs Colmar", "4 rue des Fleurs Colmar"),
    ("4 rue des Fleurs Colmar diabétique sans traitement", "4 rue des Fleurs Colmar"),
    ("5 rue du Sauvage douche svp", "5 rue du Sauvage"),
    ("8 quai des Pêcheurs manger ce soir", "8 quai des Pêcheurs"),
    ("je dors au 12 rue de la Paix depuis 3 nuits", "12 rue de la Paix"),
    ("12 rue de la paix\nSophie Martin", "12 rue de la paix"),
    ("12 rue de la paix sophie.martin@gmail.com", "12 rue de la paix"),
    ("12 rue de la Paix (chez ma sœur)", "12 rue de la Paix"),
    ("12 rue de la Paix. Aidez-moi", "12 rue de la Paix"),
    ("12 rue du Général de Gaulle", "12 rue du Général de Gaulle"),
    ("5 rue du 17 novembre 68100 Mulhouse", "5 rue du 17 novembre 68100 Mulhouse"),
    ("4 boulevard de l'Europe, 68100 Mulhouse", "4 boulevard de l'Europe, 68100 Mulhouse"),
    ("12 bis rue de la Paix", "12 bis rue de la Paix"),
    ("12 av. de Colmar 68200 Mulhouse", "12 av. de Colmar 68200 Mulhouse"),
    ("7 rue du Gal. Leclerc, Colmar", "7 rue du Gal. Leclerc, Colmar"),
    ("12 Grand'Rue Colmar", "12 Grand'Rue Colmar"),
    ("3 route de Guebwiller Cernay", "3 route de Guebwiller Cernay"),
    ("manger 3 place de la gare colmar", "3 place de la gare colmar"),
    (
        "3 chemin du bois du moulin de la vieille ferme du haut",
        "3 chemin du bois du moulin de la vieille ferme",
    ),
    ("12 rue, je dors dehors", None),
    ("douche mulhouse", None),
    ("mon mari me frappe, je suis dehors avec 2 enfants", None),
    ("appelle-moi au 06 12 34 56 78", None),
    # English
    (
        "Hi, I'm John, my husband hits me. I live at 12 rue de la Paix in Mulhouse",
        "12 rue de la Paix, Mulhouse",
    ),
    ("12 rue de la Paix I need a shower", "12 rue de la Paix"),
    ("I am HIV positive, 3 avenue Jean Jaurès Colmar, please call 0612345678", "3 avenue Jean Jaurès Colmar"),
    ("12 Baker Street London", None),  # English order: not what French geocoders read, never a street here
    ("I need food in Mulhouse", None),
    # Spanish
    (
        "Hola, soy María, mi marido me pega, vivo en 12 rue de la Paix en Mulhouse",
        "12 rue de la Paix, Mulhouse",
    ),
    ("12 rue de la Paix necesito comida", "12 rue de la Paix"),
    ("mi marido me pega", None),
    # Catalan
    ("Sóc la Núria, 7 rue des Vosges Colmar tinc gana", "7 rue des Vosges Colmar"),
    ("necessito una dutxa a Colmar", None),
    # Portuguese
    ("Eu moro na 12 rue de la Paix, Mulhouse, estou grávida", "12 rue de la Paix, Mulhouse"),
    ("12 rue de la Paix meu marido me bate", "12 rue de la Paix"),
    # Romanian
    ("Sunt la 12 rue de la Paix Mulhouse, sotul meu ma bate", "12 rue de la Paix Mulhouse"),
    ("12 rue de la Paix am nevoie de mancare", "12 rue de la Paix"),
    # Russian, in Cyrillic and in Latin letters
    (
        "Меня зовут Ольга, муж меня бьёт, адрес 12 rue de la Paix Mulhouse, телефон 0612345678",
        "12 rue de la Paix Mulhouse",
    ),
    ("12 rue de la Paix мне нужен душ", "12 rue de la Paix"),
    ("12 rue de la Paix mne nuzhno poest", "12 rue de la Paix"),
    ("где поесть в Мюлузе", None),
    # Ukrainian
    ("Я живу 12 rue de la Paix, Mulhouse. Мені потрібна їжа", "12 rue de la Paix, Mulhouse"),
    ("12 rue de la Paix meni treba dush", "12 rue de la Paix"),
    # Arabic
    ("أنا مريضة، العنوان 12 rue de la Paix Mulhouse أحتاج طبيب", "12 rue de la Paix Mulhouse"),
    ("12 rue de la Paix ana mrida", "12 rue de la Paix"),
    ("أين أنام الليلة", None),
    # Persian
    ("آدرس من 12 rue de la Paix 68100 Mulhouse شوهرم منو میزنه", "12 rue de la Paix 68100 Mulhouse"),
    ("12 rue de la Paix man lazem daram ghaza", "12 rue de la Paix"),
    # Pashto
    ("زه په 12 rue de la Paix کې اوسېږم", "12 rue de la Paix"),
    ("12 rue de la Paix za dodai ghwaram", "12 rue de la Paix"),
    # Georgian
    ("ვცხოვრობ 12 rue de la Paix Mulhouse, ქმარი მცემს", "12 rue de la Paix Mulhouse"),
    ("12 rue de la Paix me mchirdeba sachmeli", "12 rue de la Paix"),
]


@pytest.mark.parametrize(("text", "span"), CASES)
def test_only_the_address_is_kept(text: str, span: str | None) -> None:
    assert street_span(text) == span


@pytest.mark.parametrize("text", [t for t, s in CASES if s is not None])
def test_a_span_is_its_own_span_and_carries_no_contact(text: str) -> None:
    """The geocoder adapter reduces again what it is given: it must get the same address back."""
    span = street_span(text)
    assert span is not None and street_span(span) == span
    assert names_a_street(text)
    assert "@" not in span and "\n" not in span and not re.search(r"\d{6}|\d\d \d\d \d\d", span)
    assert len(span) <= 80


STREETS = json.loads((Path(__file__).parents[2] / "db/data/sample/streets.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("street", [n for k in ("town", "alsace", "village") for n in STREETS[k]])
def test_common_street_names_are_kept_whole(street: str) -> None:
    """No word of `address_end` cuts a street's name short: the 133 names of the sample directory."""
    assert street_span(f"12 {street}") == f"12 {street}"
    assert street_span(f"j'habite 12 {street} mon mari me frappe") == f"12 {street}"
    assert street_span(f"12 {street}, Mulhouse svp") == f"12 {street}, Mulhouse"
    assert street_span(f"12 {street} à Colmar j'ai faim") == f"12 {street}, Colmar"
    assert street_span(f"12 {street} 68100 Mulhouse 0612345678") == f"12 {street} 68100 Mulhouse"


def test_the_name_stops_at_eight_words_and_eighty_characters() -> None:
    span = street_span("1 rue " + " ".join(["Maximilien-Alexandre-Ferdinand"] * 4))
    assert span is not None and len(span) <= 80 and span.count("Maximilien") == 2


def test_a_second_address_is_not_read_as_the_name_of_the_first() -> None:
    assert street_span("12 rue de la Paix 14 rue du Sauvage") == "12 rue de la Paix"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("12 rue de la paix 2 adultes 3 enfants", "12 rue de la paix"),
        ("12 rue de la paix 3e étage", "12 rue de la paix"),
        ("12 rue du 1er Mai", "12 rue du 1er Mai"),
        ("2 Grande Rue 3 enfants", "2 Grande Rue"),
        ("12 rue 3 enfants", None),
    ],
)
def test_numbers_belong_to_a_name_only_after_du_des(text: str, span: str | None) -> None:
    assert street_span(text) == span


@pytest.mark.parametrize("text", ["", " ", "12", "rue de la paix", "manger " * 2000, "1 rue " + "a" * 5000])
def test_odd_input_is_none(text: str) -> None:
    assert street_span(text) is None


def test_non_string_input_is_none() -> None:
    assert street_span(None) is None  # type: ignore[arg-type]
