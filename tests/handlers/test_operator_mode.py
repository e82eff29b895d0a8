"""Operator mode (issue 13): what a registered 115 operator or outreach volunteer sees differently (no
"call 115", jargon read as needs and filters, one dense line a place with its access conditions and
saturation), and what the public still sees (the 115 line, "CHU" as the hospital), over the sample."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import locales
from bot.console import surface_of
from handlers import Channel, Conversation, Deps, Incoming, Reply, Role, pages, respond
from handlers.operators import read_code, read_jargon
from handlers.pages import access_labels
from search.engine import Result
from tests.conftest import PARIS

from .conftest import RecordingDirectory

ROOT = Path(__file__).resolve().parents[2]
NIGHT = datetime(2026, 11, 17, 21, 30, tzinfo=PARIS)
NOON = datetime(2026, 11, 17, 12, 0, tzinfo=PARIS)
NUMBERED = re.compile(r"^(\d+)\. ", re.M)


class Desk:
    """One person writing with a role, message after message, through the real directory."""

    def __init__(
        self, deps: Deps, role: Role, at: datetime = NIGHT, channel: Channel = Channel.CONSOLE
    ) -> None:
        self.spy = RecordingDirectory(deps.directory)
        self.deps = replace(deps, directory=self.spy)
        self.role, self.at, self.channel = role, at, channel
        self.conv = Conversation()

    async def send(self, text: str) -> tuple[Reply, ...]:
        actor = None if self.role is Role.PUBLIC else 7
        msg = Incoming(
            self.channel,
            "desk-key",
            text,
            received_at=self.at,
            surface=surface_of(self.channel),
            role=self.role,
            actor=actor,
        )
        turn = await respond(self.conv, msg, self.deps)
        self.conv = turn.conversation
        return turn.replies

    async def text(self, text: str) -> str:
        return "\n".join(r.text for r in await self.send(text))


@pytest.fixture
def operator(deps: Deps) -> Desk:
    return Desk(deps, Role.OPERATOR)


@pytest.fixture
def public(deps: Deps) -> Desk:
    return Desk(deps, Role.PUBLIC)


def _result_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if NUMBERED.match(line)]


async def test_the_115_is_not_told_to_call_the_115(operator: Desk, public: Desk) -> None:
    said = await operator.text("CHU Mulhouse")
    assert "115" not in said
    assert "115" in await public.text("hébergement d'urgence Mulhouse")  # the public: unchanged


async def test_a_dense_list_one_copyable_line_a_place_with_access_and_saturation(operator: Desk) -> None:
    text = await operator.text("CHU Mulhouse")
    lines = _result_lines(text)
    assert len(lines) == 5
    shown = operator.spy.results[-5:]
    assert len(text.splitlines()) == 1 + 5 + 1, "header, five lines, footer: no continuation lines"
    for line, result in zip(lines, shown, strict=True):
        assert line.startswith(f"{lines.index(line) + 1}. ")
        if result.phone:
            assert result.phone in line
        if not result.address_private and result.address:
            assert result.address.split(",")[0] in line
        for label in access_labels(result, "fr"):
            assert label in line, (label, line)
    assert any("sur orientation" in line for line in lines)


async def test_saturation_is_on_the_line(operator: Desk) -> None:
    busy: list[tuple[str, Result]] = []
    for need in ("CHU Mulhouse", "manger Strasbourg", "accueil de jour Colmar", "douche Mulhouse"):
        text = await operator.text(need)
        busy.extend(zip(_result_lines(text), operator.spy.results[-5:], strict=False))
    saturated = [(line, r) for line, r in busy if r.saturation in ("HIGH", "MEDIUM")]
    assert saturated, "the sample has saturated services"
    for line, result in saturated:
        assert ("forte affluence" if result.saturation == "HIGH" else "affluence moyenne") in line


async def test_chu_is_a_shelter_for_operators_and_the_hospital_for_the_public(
    operator: Desk, public: Desk
) -> None:
    await operator.text("CHU de Strasbourg")
    assert "emergency_accommodation" in operator.spy.queries[-1].categories
    await public.text("CHU de Strasbourg")
    assert public.spy.queries and "emergency_accommodation" not in public.spy.queries[-1].categories


@pytest.mark.parametrize(
    "message",
    [
        "CHU",
        "CHU Strasbourg j'ai mal",
        "je dois aller au CHU de Strasbourg",
        "je dois aller au chu de strasbourg",
    ],
)
async def test_the_publics_chu_is_the_hospital(public: Desk, message: str) -> None:
    """A bare "CHU" from the public is the university hospital: never the 115 nor a shelter."""
    text = await public.text(message)
    assert public.conv.need == ("health",), message
    assert "115" not in text and "hébergement" not in text.lower()


async def test_an_operators_chu_stays_a_shelter(operator: Desk) -> None:
    await operator.text("CHU homme seul Mulhouse")
    assert operator.conv.need == ("emergency_accommodation",)
    assert operator.spy.queries[-1].filters.gender == "men"


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("HUDA Strasbourg", "emergency_accommodation"),
        ("HU Colmar", "emergency_accommodation"),
        ("CHRS Mulhouse", "long_term_accomodation"),
        ("LHSS Strasbourg", "medical_accommodation"),
        ("PASS Colmar", "health_access"),
        ("ESI Strasbourg", "day_hosting"),
        ("halte de nuit Mulhouse", "overnight_stop"),
        ("bagagerie Strasbourg", "luggage_storage"),
        ("domiciliation Colmar", "domiciliation"),
    ],
)
async def test_jargon_is_read_as_needs(operator: Desk, message: str, category: str) -> None:
    await operator.text(message)
    assert operator.spy.queries, message
    assert category in operator.spy.queries[-1].categories or any(
        c.startswith(category) for c in operator.spy.queries[-1].categories
    )


async def test_jargon_is_read_as_filters(operator: Desk) -> None:
    operator.at = NOON
    text = await operator.text("accueil de jour Colmar sans RDV sans orientation")
    filters = operator.spy.queries[0].filters
    assert filters.no_appointment and filters.no_referral
    for result in operator.spy.results:
        kinds = {kind for kind, _ in result.conditions}
        assert not kinds & {"appointment", "registration", "referral"}, (result.place_name, kinds)
    assert "sur orientation" not in text and "sur rendez-vous" not in text


async def test_who_the_person_is_in_the_operators_words(operator: Desk) -> None:
    await operator.text("CHU Colmar homme 45 ans sans papiers qui accepte les chiens")
    filters = operator.spy.queries[0].filters
    assert (filters.gender, filters.age, filters.administrative, filters.animals) == (
        "men",
        45,
        "undocumented",
        True,
    )
    assert "animal_assitance" not in operator.spy.queries[0].categories


async def test_a_minor_is_an_age_and_a_note_for_the_operator(operator: Desk, public: Desk) -> None:
    """The public's lines speak to a minor ("Appelez d'abord le 119"); the operator's, since a persona
    trial (2026-12-06), say once where a minor alone goes instead of the adult shelters listed."""
    text = await operator.text("hébergement mineur Mulhouse")
    assert operator.spy.queries[0].filters.age == 17
    assert text.startswith("Mineur seul : ") and "Appelez d'abord" not in text and "115" not in text
    assert "Appelez d'abord le 119" in await public.text("je suis mineur, je cherche où dormir à Mulhouse")


async def test_a_follow_up_constraint_narrows_the_same_search(operator: Desk) -> None:
    await operator.text("CHU Mulhouse")
    await operator.text("sans orientation")
    assert operator.spy.queries[-1].filters.no_referral
    assert operator.conv.need == ("emergency_accommodation",)


async def test_a_new_person_described_is_searched_without_the_last_ones_conditions(
    operator: Desk, public: Desk
) -> None:
    """An operators' trial (2026-12-06): a family's beds searched after a man's with a dog were only
    the two places taking dogs: the last caller's dog stayed, unsaid, and the operator was told
    there was nothing else within 30 km."""
    await operator.text("hu strasbourg homme seul avec chien")
    assert operator.spy.queries[-1].filters.animals
    await operator.text("autre demande : famille avec bébé 3 mois, mise à l'abri strasbourg")
    family = operator.spy.queries[-1].filters
    assert not family.animals and family.family == "family" and family.gender is None
    await operator.text("CHU Strasbourg")  # the same caller, no one described: the family stays
    assert operator.spy.queries[-1].filters.family == "family"
    # A person speaks of themselves: the dog still comes along to a new need.
    await public.text("dormir strasbourg avec mon chien")
    await public.text("manger strasbourg")
    assert public.spy.queries[-1].filters.animals


async def test_the_emergency_lines_that_apply_stay(operator: Desk) -> None:
    text = await operator.text("femme victime de violences conjugales, CHU Mulhouse")
    assert "3919" in text and "17" in text and "115" not in text


def test_reading_the_jargon() -> None:
    said = read_jargon(
        "un HUDA vers Strasbourg pour une famille de DA, sans RDV, 3 enfants, depuis 2 ans à la rue"
    )
    assert said.needs == ("emergency_accommodation",)
    assert said.administrative == "asylum" and said.no_appointment and said.age is None  # "depuis 2 ans"
    assert read_jargon("manger à Colmar") == read_jargon("")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("code 7K3F-9QX2", "7k3f-9qx2"),
        ("Code : 7k3f 9qx2", "7k3f 9qx2"),
        ("start 7K3F9QX2", "7k3f9qx2"),
        ("код 7K3F-9QX2", "7k3f-9qx2"),
        ("manger Colmar", None),
        ("code postal 68000", None),
    ],
)
def test_reading_a_code(text: str, code: str | None) -> None:
    assert read_code(text) == code


async def test_public_list_lines_say_how_a_place_is_entered(public: Desk) -> None:
    """The public's lines too: "ouvert" read as "walk in now" sent people to appointment-only places."""
    public.at = NOON
    text = await public.text("manger Mulhouse")
    for line, result in zip(_result_lines(text), public.spy.results[-5:], strict=True):
        kinds = {kind for kind, _ in result.conditions}
        assert ("sur rendez-vous" in line) == ("appointment" in kinds), line
        assert ("sur orientation" in line) == ("referral" in kinds), line
        assert "affluence" not in line


async def test_conditions_nothing_meets_are_said_as_such(operator: Desk) -> None:
    text = await operator.text("CHU Colmar avec son chien sans orientation")
    assert "Aucun lieu ici ne remplit toutes les conditions demandées" in text
    assert "(animaux, gratuit, fauteuil)" not in text  # the public's note names other conditions


def _operator_msgids() -> set[str]:
    """Literal sentences handed to `to(lang, "...")`, and the label tables of handlers/pages.py."""
    found: set[str] = set()
    for path in (ROOT / "handlers").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "to" and len(node.args) >= 2:
                if isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                    found.add(node.args[1].value)
    return found | set(pages._ACCESS.values()) | set(pages._SATURATION.values())


@pytest.mark.parametrize("lang", locales.LANGUAGES)
def test_every_operator_sentence_is_translated_with_its_placeholders(lang: str) -> None:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "operators.po").open("rb") as handle:
        catalog = {str(m.id): str(m.string) for m in read_po(handle, locale=lang) if m.id}
    used = _operator_msgids()
    assert used == catalog.keys()
    for msgid, text in catalog.items():
        assert text.strip(), msgid
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", text)), (lang, msgid)
        if lang != "en":
            assert text != msgid or len(msgid) < 5, (lang, msgid)  # a translation, not an English copy


@pytest.mark.parametrize(
    "said",
    [
        "jeune de 16 ans seul à la rue, mulhouse, mise a l'abri",
        "MNA 16 ans seul mulhouse ce soir, il dort dehors",
    ],
)
async def test_a_minor_alone_told_by_an_operator_brings_the_child_protection_and_no_family_place(
    deps: Deps, said: str
) -> None:
    """A persona trial (2026-12-06): a 115 operator's "MNA 16 ans seul" had adult and family-only
    shelters, with nothing said of the child protection (ASE) the adult shelters would send him to."""
    operator = Desk(deps, Role.OPERATOR)
    text = await operator.text(said)
    assert text.startswith("Mineur seul : ") and "119" in text.splitlines()[0], text
    assert operator.spy.queries[-1].filters.family == "isolated"
    assert not [
        r.place_name
        for r in operator.spy.results
        if r.audience.welcome == 2 and r.audience.family and "isolated" not in r.audience.family
    ], "a family-only place for a boy alone"
    for other in (
        "homme 40 ans dormir mulhouse",
        # a parent's child (a review, 2026-12-06): no child protection line, no family split
        "maman avec sa fille de 12 ans, hébergement mulhouse ce soir",
        "famille, enfant de 4 ans, mise a l'abri mulhouse",
    ):
        assert "Mineur seul" not in await Desk(deps, Role.OPERATOR).text(other), other


async def test_an_operator_quoting_a_caller_in_another_script_is_answered_in_the_operators_language(
    deps: Deps,
) -> None:
    """A persona trial (2026-12-06): «elle dit "мені нема де спати", elle est à mulhouse» turned the
    operator's whole answer Ukrainian."""
    operator = Desk(deps, Role.OPERATOR)
    await operator.text("CHU colmar")
    await operator.text('elle dit "мені нема де спати", elle est à mulhouse')
    assert operator.conv.lang == "fr"
    public = Desk(deps, Role.PUBLIC)
    await public.text("manger colmar")
    await public.text("мені нема де спати в мюлузі")
    assert public.conv.lang == "uk"  # someone who writes in Ukrainian is answered in Ukrainian
