"""The crisis corpora (tests/handlers/crisis*.jsonl) end to end: every category caught in at least
97 % of its messages, no more than 3 % of the ordinary messages raising an emergency line, and no
crisis phrase read as a place."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers import Channel, Pending, Role
from handlers.deps import Deps
from tests.handlers.crisis import CATEGORIES, CORPUS, cases, run
from tests.handlers.test_operator_mode import Desk

CORPORA = [CORPUS, *(CORPUS.with_name(f"crisis_{name}.jsonl") for name in ("second", "heldout"))]


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.stem)
async def test_crisis_recall_and_false_alarms(deps: Deps, corpus: Path) -> None:
    outcomes = await run(deps, cases(corpus))
    for category in CATEGORIES:
        labelled = [o for o in outcomes if category in o.case.labels]
        missed = [o.case.id for o in labelled if not o.caught(category)]
        assert len(missed) <= 0.03 * len(labelled), (category, missed)
    controls = [o for o in outcomes if not o.case.labels]
    alarms = [o.case.id for o in controls if o.false_alarm]
    assert len(alarms) <= 0.03 * len(controls), alarms
    # A town the reader does not know ("kolmarshi") is a miss the place question recovers from; a
    # wrong town is not, least of all in a crisis.
    wrong = [o for o in outcomes if not o.place_right and o.place_insee is not None]
    assert not [o.case.id for o in wrong if o.case.labels]
    assert len(wrong) <= 0.01 * len(outcomes), [o.case.id for o in wrong]


async def test_an_operator_keeps_the_search_after_a_crisis_line(deps: Deps) -> None:
    """A crisis told in the middle of a search (of the person the operator helps) brings its lines,
    and "plus" and a result's number still work on the list shown before."""
    operator = Desk(deps, Role.OPERATOR)
    listed = await operator.text("CHU Mulhouse")
    first = listed.split("1. ", 1)[1].split(" – ", 1)[0].split(" (", 1)[0]
    before = (operator.conv.need, operator.conv.place)
    said = await operator.text("la personne dit qu'elle veut en finir")
    assert "3114" in said and "1. " not in said
    assert (operator.conv.need, operator.conv.place) == before and operator.conv.pending is not Pending.NEED
    assert first in await operator.text("1")
    # The public too (since 2026-12-06: a menu of needs here took the list's numbers over, so that a
    # woman's "1" after "il est devant" listed food instead of the shelter shown): the lines, the list
    # kept, and MENU for anything else.
    public = Desk(deps, Role.PUBLIC)
    shelters = await public.text("hébergement d'urgence Mulhouse")
    said = await public.text("je veux en finir")
    assert "3114" in said and "MENU" in said and public.conv.pending is None
    assert shelters.split("1. ", 1)[1].split(" – ", 1)[0].split(" (", 1)[0] in await public.text("1")


async def test_a_volunteer_telling_of_a_minor_assaulted_gets_the_lines_not_the_last_list(deps: Deps) -> None:
    volunteer = Desk(deps, Role.VOLUNTEER)
    await volunteer.text("manger Mulhouse")
    said = await volunteer.text("une femme de 17 ans seule à la gare de mulhouse, elle a été agressée")
    assert "17" in said and "112" in said and "119" in said
    assert (
        volunteer.conv.pending is Pending.NEED and volunteer.conv.place is not None
    )  # the menu, no food list


async def test_a_crisis_with_a_place_keeps_the_place_for_the_need_that_follows(deps: Deps) -> None:
    sms = Desk(deps, Role.PUBLIC, channel=Channel.SMS)
    said = await sms.text("زوجي يضربني، أنا في ستراسبورغ مع طفلين")
    assert "3919" in said and "17" in said
    assert sms.conv.place is not None and sms.conv.place[2].startswith("Strasbourg")
    await sms.text("2")  # a bed, from the menu: searched in Strasbourg, not asked where
    assert sms.conv.need and sms.conv.place is not None and sms.conv.place[2].startswith("Strasbourg")
