"""A configured street geocoder is asked for addresses the gazetteer cannot place, and it is given the
address only: it is another organisation's server. The geocoder here stands in for BAN/Nominatim."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from handlers import Deps
from search import Point, street_span

from .conftest import Chat


@dataclass(frozen=True)
class _Found:
    point: Point
    label: str
    insee: str | None = None


class _StreetGeocoder:
    def __init__(self, answer: _Found | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def __call__(self, text: str) -> _Found | None:
        self.asked.append(text)
        return self.answer


KINGERSHEIM = _Found(Point(47.7915, 7.3262), "12 Rue de la Paix, Kingersheim")


async def test_an_address_is_placed_by_the_street_geocoder(deps: Deps) -> None:
    geocoder = _StreetGeocoder(KINGERSHEIM)
    chat = Chat(replace(deps, locate=geocoder))
    text = await chat.text("douche 12 rue de la paix mulhouse")
    assert geocoder.asked == ["12 rue de la paix mulhouse"]
    assert chat.conv.place is not None and chat.conv.place[2] == KINGERSHEIM.label
    assert KINGERSHEIM.label in text


async def test_a_town_name_alone_needs_no_street_geocoder(deps: Deps) -> None:
    geocoder = _StreetGeocoder(KINGERSHEIM)
    chat = Chat(replace(deps, locate=geocoder))
    await chat.text("douche mulhouse")
    assert geocoder.asked == []
    assert chat.conv.place is not None and "Mulhouse" in chat.conv.place[2]


async def test_a_geocoder_that_finds_nothing_leaves_the_gazetteer_answer(deps: Deps) -> None:
    geocoder = _StreetGeocoder(None)
    chat = Chat(replace(deps, locate=geocoder))
    await chat.text("manger 3 place de la gare colmar")
    assert geocoder.asked == ["3 place de la gare colmar"]
    assert chat.conv.place is not None and "Colmar" in chat.conv.place[2]


@pytest.mark.parametrize(
    "text",
    [
        "je m'appelle Sophie, mon mari me frappe, j'habite 12 rue de la paix à Mulhouse, 06 12 34 56 78",
        "manger ce soir 12 rue de la Paix 68100 Mulhouse, je suis séropositive",
        "Hi I'm John, 3 avenue Jean Jaurès Colmar I need a shower, call me 0612345678",
        "Меня зовут Ольга, муж меня бьёт, адрес 12 rue de la Paix Mulhouse",
    ],
)
async def test_only_the_street_address_reaches_the_geocoder(deps: Deps, text: str) -> None:
    """Issue 10: the remote geocoder reads the address, not the name, the violence, the health or the
    phone number around it."""
    geocoder = _StreetGeocoder(KINGERSHEIM)
    chat = Chat(replace(deps, locate=geocoder))
    await chat.text(text)
    span = street_span(text)
    assert span is not None and geocoder.asked == [span]
    for private in ("Sophie", "frappe", "06 12", "séropositive", "John", "0612345678", "Ольга", "бьёт"):
        assert private not in span


@pytest.mark.parametrize(
    "text",
    ["mon mari me frappe, je dors dehors", "j'ai faim", "place de la réunion", "06 12 34 56 78 rappelez moi"],
)
async def test_no_street_address_no_geocoder(deps: Deps, text: str) -> None:
    """Without a street address nothing is sent, even when the gazetteer finds no town."""
    geocoder = _StreetGeocoder(KINGERSHEIM)
    chat = Chat(replace(deps, locate=geocoder))
    await chat.text(text)
    assert geocoder.asked == []


@pytest.mark.parametrize("found", [None, KINGERSHEIM, "offline"])
async def test_distances_from_a_town_centre_are_said_to_be(deps: Deps, found: _Found | str | None) -> None:
    """A trial (2026-12-06): "repas près du 20 route du Polygone Strasbourg" listed the same places and
    distances as "repas Strasbourg" ("Les Glycines (210 m)"), from the town's centre, kilometres from
    that street, and nothing said so. The page says so when no geocoder placed the street."""
    geocoder = _StreetGeocoder(found) if not isinstance(found, str) else None
    chat = Chat(replace(deps, locate=geocoder))
    text = await chat.text("repas près du 20 route du Polygone Strasbourg")
    unplaced = (
        "Je n'ai pas trouvé 20 route du Polygone Strasbourg sur la carte : les distances partent du centre de"
    )
    assert (unplaced in text) is (found != KINGERSHEIM), text
    assert unplaced not in await chat.text("plus")  # said once, with the first page
    assert unplaced not in await Chat(deps).text("repas Strasbourg")
    # a station is a point of its own, not a town's centre
    assert "sur la carte" not in await Chat(deps).text("manger 3 place de la gare colmar")
