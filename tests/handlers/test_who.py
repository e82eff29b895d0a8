"""Who is asking, read right in every language, and kept through the conversation: a women-only
shelter is never offered to a man or a couple, "sans chien" is no dog, and a word said after a list
re-runs the same search for who will come."""

from __future__ import annotations

import pytest

from handlers import Conversation, ReplyKind
from handlers.filters import read_filters
from search import Filters
from search.engine import Result

from .conftest import Chat, recording

MEN = [
    "monsieur sans chien",
    "je suis un mec",
    "un gars seul",
    "homme seul",
    "CHU homme seul mulhouse",
    "I'm a guy",
    "single man",
    "soy un hombre",
    "sou homem",
    "sunt barbat",
    "я мужчина",
    "я чоловік",
    "انا رجل",
    "من یک مرد هستم",
    "زه سړی یم",
    "კაცი ვარ",
]
COUPLES = [
    "avec ma femme",
    "mon mari et moi",
    "je suis avec ma copine",
    "on est en couple",
    "with my wife",
    "me and my boyfriend",
    "con mi esposa",
    "com a minha mulher",
    "amb la meva dona",
    "cu sotia",
    "мы с женой",
    "ми з дружиною",
    "مع زوجتي",
    "با همسرم",
    "زما له ښځې سره",
    "ცოლთან ერთად",
]
NO_DOG = [
    "sans chien",
    "sans mon chien",
    "without my dog",
    "no dogs",
    "sin perro",
    "sem cão",
    "без собаки",
    "ძაღლის გარეშე",
]
SOMEONE_ELSE = ["un homme me suit", "un mec m'a frappée", "a man is following me", "мій чоловік б'є мене"]


@pytest.mark.parametrize("text", MEN)
def test_men_in_every_language(text: str) -> None:
    assert read_filters(text).gender == "men", text


@pytest.mark.parametrize("text", COUPLES)
def test_a_couple_is_not_a_woman_asking(text: str) -> None:
    said = read_filters(text)
    assert said.family == "couple" and said.gender is None, (text, said)


@pytest.mark.parametrize("text", NO_DOG)
def test_without_a_dog_is_no_dog(text: str) -> None:
    assert read_filters(text).animals is False, text


def test_a_man_who_names_no_one_else_comes_alone() -> None:
    assert read_filters("monsieur").family == "isolated"  # no families-only shelter for him
    assert read_filters("un homme avec ses enfants").family == "family"
    assert read_filters("une femme").family is None


def test_negation_of_children_and_the_dog_itself() -> None:
    assert read_filters("pas d'enfants").family is None
    assert read_filters("avec mes enfants").family == "family"
    assert read_filters("avec mon chien").animals is True
    assert read_filters("with my dog").animals is True
    assert read_filters("no, I'm a man").gender == "men"  # a "no" before says nothing of who asks


@pytest.mark.parametrize("text", SOMEONE_ELSE)
def test_a_man_who_threatens_is_not_the_one_asking(text: str) -> None:
    assert read_filters(text).gender is None, text


def _women_only(results: list[Result]) -> list[str]:
    return [
        r.place_name
        for r in results
        if r.audience.welcome == 2 and r.audience.genders and "men" not in r.audience.genders
    ]


async def test_a_man_without_a_dog_gets_the_shelters_that_take_men(chat: Chat) -> None:
    spy = recording(chat)
    replies = await chat.send("monsieur sans chien dormir haguenau")
    assert chat.conv.filters == Filters(gender="men", family="isolated")
    assert chat.conv.need == ("accomodation_and_housing",)  # "sans chien" is no vet search either
    assert any("115" in line for r in replies for line in r.alerts)
    assert spy.results and not _women_only(spy.results)


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("je suis un homme", Filters(gender="men", family="isolated")),
        ("on est en couple avec un chien", Filters(family="couple", animals=True)),
        ("c'est pour une femme avec un bébé", Filters(gender="women", family="family")),
    ],
)
async def test_a_word_after_a_shelter_list_reruns_the_same_search(
    chat: Chat, follow_up: str, expected: Filters
) -> None:
    chat.conv = Conversation()
    first = await chat.send("dormir Strasbourg")
    assert first[0].kind is ReplyKind.RESULTS
    spy = recording(chat)
    replies = await chat.send(follow_up)
    assert chat.conv.need == ("accomodation_and_housing",), "the same search, not a vet or a new need"
    assert chat.conv.filters == expected
    assert spy.queries and all(q.categories == spy.queries[0].categories for q in spy.queries)
    assert ReplyKind.RESULTS in [r.kind for r in replies]
    assert any("115" in line for r in replies for line in r.alerts), "the 115 line still comes first"
    if expected.gender == "men" or expected.family == "couple":
        assert not _women_only(spy.results)


async def test_a_minor_asking_for_a_bed_is_told_119_first(sms: Chat) -> None:
    for text in (
        "j'ai 16 ans où dormir à Colmar",
        "I'm 17, where can I sleep in Colmar",
        "мне 16, где переночевать в Кольмаре",
    ):
        sms.conv = Conversation()
        replies = await sms.send(text)
        alerts = [line for r in replies for line in r.alerts]
        assert alerts and "119" in alerts[0], (text, alerts)
        assert "115" in "\n".join(alerts)
        assert "18" in alerts[0]  # adult shelters will likely refuse: said in the line itself


@pytest.mark.parametrize("text", ["papa seul avec ma fille de 4 ans", "father with my son", "pai com filho"])
def test_a_father_is_a_man(text: str) -> None:
    said = read_filters(text)
    assert said.gender == "men" and said.family == "family", text


@pytest.mark.parametrize(
    "text",
    [
        "je cherche a dormir avec mon père strasbourg",
        "sleep with my dad in colmar",
        "dormir con mi padre mulhouse",
        "ночевать с отцом в страсбурге",
        "با پدرم کجا بخوابم",
        "مع أبي أين ننام",
    ],
)
def test_a_man_coming_along_keeps_women_only_places_away_but_is_not_alone(text: str) -> None:
    said = read_filters(text)
    assert said.gender == "men" and said.family != "isolated", text


async def test_who_is_asking_stays_for_the_next_need(chat: Chat) -> None:
    await chat.send("je suis un homme seul, manger strasbourg")
    spy = recording(chat)
    await chat.send("et pour dormir ?")
    assert chat.conv.need == ("accomodation_and_housing",)
    assert chat.conv.filters.gender == "men"
    assert spy.results and not _women_only(spy.results)


async def test_no_dog_after_all_reruns_the_bed_search_without_it(chat: Chat) -> None:
    await chat.send("je cherche un lit pour ce soir a haguenau avec mon chien")
    assert chat.conv.need == ("accomodation_and_housing",) and chat.conv.filters.animals
    replies = await chat.send("en fait je n'ai pas de chien")
    assert chat.conv.need == ("accomodation_and_housing",), "a correction is no vet search"
    assert chat.conv.filters.animals is False
    assert ReplyKind.RESULTS in [r.kind for r in replies]


@pytest.mark.parametrize(
    "text",
    [
        "sans orientation Colmar",
        "douche sans orientation Colmar",
        "shower Colmar no referral",
        "душ Кольмар без направления",
    ],
)
async def test_the_publics_sans_orientation_is_a_filter_never_the_information_point(
    chat: Chat, text: str
) -> None:
    """For the public too "sans orientation" is a place one may walk into, never "Point d'information et
    d'orientation"."""
    spy = recording(chat)
    await chat.send(text)
    assert chat.conv.filters.no_referral, text
    assert "information_point" not in chat.conv.need
    assert all("information_point" not in q.categories for q in spy.queries)
    if spy.queries:
        assert chat.conv.need == ("shower",) and spy.queries[-1].filters.no_referral
    else:
        await chat.send("3")  # the need chosen from the menu: the filter stays
        assert spy.queries[-1].filters.no_referral
