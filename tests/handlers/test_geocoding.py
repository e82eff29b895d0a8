"""A configured street geocoder is asked for addresses and places the gazetteer misses; the
gazetteer alone answers a town name. The geocoder here stands in for BAN/Nominatim (network)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from handlers import Deps
from search import Point

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
    assert geocoder.asked == ["douche 12 rue de la paix mulhouse"]
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
    assert geocoder.asked and chat.conv.place is not None and "Colmar" in chat.conv.place[2]
