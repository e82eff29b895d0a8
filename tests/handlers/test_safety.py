"""Safety words in the 12 languages, and the words that must not trigger them."""

from __future__ import annotations

import pytest

from handlers.safety import is_minor, read_alerts, safety_lines

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


# An assault told after the fact (a reviewer's trial: "j'ai été agressée à la gare" got only the menu)
ASSAULTED = [
    "j'ai été agressée à la gare de mulhouse",
    "on m'a agressé",
    "je me suis fait agresser",
    "I was assaulted",
    "I got attacked last night",
    "me agredieron",
    "fui atacado",
    "am fost atacat",
    "m'han agredit",
    "меня избили",
    "на мене напали",
    "تعرضت لاعتداء",
    "تم الاعتداء علي",
    "به من حمله کردند",
    "مورد حمله قرار گرفتم",
    "پر ما برید وشو",
    "მცემეს",
    # told by an operator or a volunteer of the person they help
    "elle a été agressée",
    "il s'est fait agresser",
    "une femme de 17 ans seule à la gare de mulhouse, elle a été agressée",
    "she was attacked at the station",
    "ela foi agredida",
    "её избили",
    "її побили",
    "სცემეს",
    "elle me dit que son mari la frappe et qu'elle a peur pour sa vie",
]


@pytest.mark.parametrize("text", ASSAULTED)
def test_an_assault_told_after_the_fact_is_the_immediate_danger_line(text: str) -> None:
    lines = safety_lines(read_alerts(text, ()), "fr")
    assert any("17" in line and "112" in line and "114" in line for line in lines), text


# Violence with its article, the violent one, suffering it, fleeing it
VIOLENCE_SAID_OTHERWISE = [
    "أنا هاربة من العنف مع طفلين في مولوز، أين يمكننا النوم الليلة؟",
    "هربت من زوجي العنيف مع أطفالي في مولوز",
    "أتعرض للعنف",
    "تعرضت للضرب",
    "از شوهرم فرار کردم",
    "жестокий муж",
    "жорстокий чоловік",
    "მოძალადე ქმარი",
    "huyo de la violencia",
    "fugindo da violência",
    "soț violent",
    "fujo de la violència",
]


@pytest.mark.parametrize("text", VIOLENCE_SAID_OTHERWISE)
def test_violence_said_otherwise_brings_3919(text: str) -> None:
    assert any("3919" in line for line in safety_lines(read_alerts(text, ()), "fr")), text


# An operator, a volunteer tells of someone thinking of ending their life
SUICIDE_TOLD = [
    "il dit qu'il va se tuer",
    "la personne dit qu'elle veut en finir",
    "elle veut mourir",
    "he says he's going to kill himself",
    "dice que se va a matar",
    "ela diz que vai se matar",
    "diu que es vol matar",
    "он говорит что убьёт себя",
    "вона каже що вб'є себе",
    "قال انه سيقتل نفسه",
    "میگه میخواد خودشو بکشه",
    "ვამბობს რომ თავს მოიკლავს",
]


@pytest.mark.parametrize("text", SUICIDE_TOLD)
def test_suicide_told_of_someone_else_brings_3114(text: str) -> None:
    assert read_alerts(text, ()).suicide, text


# Hurt, bleeding: the SAMU
INJURED = [
    "je me suis fait tabasser cette nuit je saigne",
    "je saigne",
    "je suis blessé",
    "il s'est cassé le bras",
    "elle a perdu connaissance",
    "il ne respire plus",
    "I'm bleeding",
    "I am injured",
    "he broke his arm",
    "estoy sangrando",
    "estou ferido",
    "estic sagnant",
    "sunt rănit",
    "сломал руку",
    "مجروح",
    "زخمی شدم",
    "ټپي یم",
    "ხელი მოვიტეხე",
]


LABOUR = [  # a persona trial (2026-12-06): the first four were read as nothing
    "je perds les eaux je suis dans ma voiture colmar",
    "je vais accoucher",
    "le bebe arrive",
    "je sens plus le bebe bouger",
    "mon bébé bouge plus depuis ce matin",
    "my water broke",
    "et si j'accouche ?",
    # where, not when (review, 2026-12-06: a first list of look-alikes cancelled these)
    "elle accouche dans la voiture",
    "j'accouche dans la rue",
    "ma femme va accoucher dans la voiture",
    "elle accouche en ce moment",
    "j'accouche en pleine rue",
]
NOT_LABOUR = [
    "le bébé arrive en mars, où dormir à colmar",
    "je vais accoucher dans 2 mois, un lit a colmar",
    "enceinte de 8 mois je cherche un suivi de grossesse",
    "je suis enceinte je vais accoucher la semaine prochaine, je cherche un hebergement a strasbourg",
    "je vais accoucher debut janvier",
    "je vais accoucher ce mois ci",
    "mon bebe arrive demain de l'etranger",
    "j'ai peur de perdre les eaux dans la rue",
]


ABOUT_TO_FALL = [  # a second persona trial (2026-12-06): no 15, or 15 in a second SMS after closed clinics
    "j ai faim depuis 3 jours, je vois flou, je vais tomber",
    "jai pas mange depuis 3 jours j ai la tete qui tourne, haguenau",
    "jai faim je tiens plus debout. strasbourg gare",
    "j'ai mal, blessure saigne",
]


DESPAIR = ["je veux dormir et pas me reveiller"]
# "à quoi bon", "j'ai plus la force" said alone are not read (a first reading of them raised 3114, kept
# for the whole conversation, for these: a review, 2026-12-06)
NOT_DESPAIR = [
    "a quoi bon appeler le 115 il repond jamais",
    "jai plus la force de marcher jusqua colmar",
    "à quoi bon y aller",
    "à quoi bon s'inscrire au 115",
    "j'ai plus la force dans les jambes, un lit à Lyon",
]


@pytest.mark.parametrize(
    ("text", "category", "said"),
    [
        *((text, "suicide", True) for text in DESPAIR),
        *((text, "suicide", False) for text in NOT_DESPAIR),
        *((text, "medical", True) for text in (*ABOUT_TO_FALL, *LABOUR)),
        *((text, "medical", False) for text in NOT_LABOUR),
    ],
)
def test_persona_trials_of_2026_12_06(text: str, category: str, said: bool) -> None:
    """Despair said alone ("a quoi bon" at 23:50), about to fall, a wound that bleeds, labour: each
    read as nothing in a persona trial; a birth to come, no strength for a task: no alarm."""
    assert getattr(read_alerts(text, ()), category) is said, text


@pytest.mark.parametrize("text", INJURED)
def test_an_injury_brings_the_medical_line(text: str) -> None:
    lines = safety_lines(read_alerts(text, ()), "fr")
    assert any("15" in line and "SAMU" in line for line in lines), text


NOT_AN_ASSAULT_NOW = [
    "j'ai été attaquée en justice par mon proprio",
    "je suis frappé d'une OQTF",
    "my gums are bleeding",
    "je saigne du nez",
    "j'ai été frappée par la beauté de la ville",
    "bras cassé il y a 3 mois, je cherche un kiné",
    "je cherche un pansement pour une blessure au pied",
    "ma soeur de 15 ans et moi cherchons un foyer",
    "العنف ضد الحيوان",
    "ما يتنفس الصعداء",
]


@pytest.mark.parametrize("text", NOT_AN_ASSAULT_NOW)
def test_look_alikes_of_an_assault_or_an_injury(text: str) -> None:
    assert not read_alerts(text, ("food",)), text


def test_a_minor_told_of_in_danger_brings_119_to_the_operator_too() -> None:
    told = read_alerts("une femme de 17 ans seule à la gare de mulhouse, elle a été agressée", ())
    assert told.minor_told and not told.minor
    for operator in (True, False):
        lines = safety_lines(told, "fr", operator=operator)
        assert any("119" in line for line in lines) and any("17" in line for line in lines)
    said = read_alerts("un mineur de 15 ans, il s'est fait agresser", ())
    assert any("119" in line for line in safety_lines(said, "fr", operator=True))
    # a minor without danger: the operator is not told to call 119 (the age is a search filter)
    assert not safety_lines(read_alerts("hébergement mineur Mulhouse", ()), "fr", operator=True)
    # a duration is no one's age
    assert not read_alerts("il a passé 15 ans en prison, il a été agressé", ()).minor_told
    assert not read_alerts("ça fait 17 ans que je suis en France", ()).minor_told


MINOR_TOLD_IN_DANGER = [
    "une femme de 17 ans seule à la gare de mulhouse, elle a été agressée",
    "mon fils de 16 ans a été agressé",
    "a 16 year old girl was attacked",
    "девушка 16 лет, её избили",
    "فتاة عمرها 16 سنة، تعرضت لاعتداء في محطة مولوز",
    "دختر ۱۶ ساله، به او حمله کردند",
    "გოგონა 16 წლის, სცემეს",
]


@pytest.mark.parametrize("text", MINOR_TOLD_IN_DANGER)
def test_a_minor_told_of_in_danger_brings_119(text: str) -> None:
    lines = safety_lines(read_alerts(text, ()), "fr", operator=True)
    assert any("119" in line for line in lines) and any("112" in line for line in lines), text


# Written as a new-user trial by SMS wrote them (2026-12-06): no apostrophes, a letter short, a word
# between the verb and its object. Each was read as nothing before.
SAID_BY_SMS = [
    ("il ma suivi jai peur il est devant", "danger"),
    ("im going to kill myself", "suicide"),
    ("i dont want to live anymore", "suicide"),
    ("cest fini pour moi", "suicide"),
    ("mon mari me frape je suis partie avec mes 2 enfant", "domestic"),
    ("il ma frapé", "domestic"),
    ("on est dehors avec mes 2 enfant a colmar", "outside"),
    ("je suis dehors depuis hier", "outside"),
    ("لا أريد أن أعيش بعد الآن، أنا جائع في إيلزاخ", "suicide"),
    ("c koi le 119 ils vont appeler mes parents?", "minor"),  # a minor afraid to call: it is free
    ("je suis enceinte 7 mois jai pas de papier jai mal au ventre depuis ce matin", "medical"),
    ("enceinte de 3 mois et j'ai des contractions", "medical"),
]


@pytest.mark.parametrize(("text", "category"), SAID_BY_SMS)
def test_what_an_sms_says_without_apostrophes_or_a_letter(text: str, category: str) -> None:
    assert getattr(read_alerts(text, ()), category), text


def test_the_senders_own_age_is_read_not_someone_elses() -> None:
    assert read_alerts("jai 16 ans", ()).age == 16
    assert read_alerts("j'ai 35 ans, j'ai fugué", ()).age == 35
    assert read_alerts("mon fils de 16 ans a faim", ()).age is None
    assert read_alerts("j'ai 10 euros", ()).age is None


@pytest.mark.parametrize(
    ("text", "no_answer"),
    [
        ("called 115 no answer. what do i do", True),
        ("le 115 ne repond pas", True),
        ("115 complet ce soir", True),
        ("115 не отвечает", True),
        ("اتصلت ب 115 لا أحد يجيب", True),
        ("هاتف 115 لا يجيب", True),
        ("le 115 repond pa jsuis a mulhouse", True),
        ("jai appele le 115 personne decroche", True),
        ("personne décroche au 115 je suis a mulhouse", True),
        ("is 115 busy at night? i need a bed", False),
        ("called 115 it was busy", True),
        ("the 115 line is always busy", True),
        ("nowhere to sleep tonight", False),
        ("je dors dehors", False),
        ("c'est quoi le 115", False),
    ],
)
def test_the_115_not_answering_is_told_apart(text: str, no_answer: bool) -> None:
    alerts = read_alerts(text, ())
    assert alerts.no_answer is no_answer and (alerts.outside or not no_answer), text


@pytest.mark.parametrize("short", [False, True])
def test_when_the_115_does_not_answer_it_is_not_the_115_again_but_15_for_who_cannot_wait(short: bool) -> None:
    """A persona trial (2026-12-06): a woman 8 months pregnant in her car at -5 °C wrote "le 115 repond
    pas" and was told "Un lit ce soir : 115" again."""
    lines = safety_lines(read_alerts("le 115 repond pas", ()), "fr", short=short)
    assert not any("Un lit ce soir" in line or "Pour dormir ce soir" in line for line in lines), lines
    assert any("rappelez" in line and "15 ou" in line and "nceinte" in line for line in lines), lines
    assert not safety_lines(read_alerts("le 115 repond pas", ()), "fr", operator=True)


# A trial by SMS (2026-12-06), after violence told at 2:00: "il me cherche j'ai peur" and "mon ex est
# devant la porte" were not understood, with no 17/112; "un lit avc mon chien" brought 15 (a stroke).
@pytest.mark.parametrize(
    ("text", "danger", "medical"),
    [
        ("il me cherche j'ai peur", True, False),
        ("mon ex est devant la porte", True, False),
        ("il est en bas j ai peur", True, False),
        ("mon pere me cherche il va me frapper", True, False),
        ("il me cherche un logement", False, False),
        ("je cherche un lit", False, False),
        # ordinary messages a review of the change found read as danger
        ("il faut attendre devant la porte ?", False, False),
        ("mon fils il est la dehors avec ses copains", False, False),
        ("mon frere me cherche a la gare demain", False, False),
        ("mon pere est devant la maison il m attend pour aller manger", False, False),
        ("un lit avc mon chien a mulhouse", False, False),
        ("je mange avc ma femme", False, False),
        # "avc" for "avec" before a pronoun (a second review): no stroke
        ("jsuis a la rue avc mes 2 enfants", False, False),
        ("colis alimentaire avc mes enfants", False, False),
        ("on est dehors avc mon bebe", False, False),
        # danger the first fix lost (a second review)
        ("mon ex me cherche", True, False),
        ("mon mari me cherche partout", True, False),
        ("mon copain est devant la porte", True, False),
        ("mon pere est devant chez moi il a bu il hurle", True, False),
        ("il est la dehors il attend que je sorte", True, False),
        # strokes a review of the change found hidden by the "avc mon…" look-alike
        ("je crois qu il fait un avc la", False, True),
        ("mon pere fait un avc", False, True),
        ("mon mari fait un avc vous pouvez m aider", False, True),
        ("il fait un avc moi je fais quoi", False, True),
        ("urgent avc mon pere", False, True),
        ("je crois que c'est un avc sa bouche est de travers", False, True),
    ],
)
def test_someone_looking_for_her_and_a_shortened_avec(text: str, danger: bool, medical: bool) -> None:
    alerts = read_alerts(text, ())
    assert (alerts.danger, alerts.medical) == (danger, medical), text
