"""The conversation's session codec: what a store writes and reads back."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from handlers import PARIS, Conversation, Pending
from handlers.sessions import dump, load
from search import Filters


def test_dump_load_round_trip() -> None:
    evening = datetime(2026, 11, 17, 18, tzinfo=PARIS)
    conv = Conversation(
        lang="uk",
        lang_chosen=True,
        pending=Pending.CHOICE,
        need=("food", "shower"),
        place=(47.7, 7.3, "Mulhouse (68)"),
        when=(evening, evening.replace(hour=23)),
        at=evening,
        filters=Filters(gender="men", animals=True),
        page=2,
        radius_km=10.0,
        total=17,
        parts=((2.0, 7), (5.0, 4)),
        options=("food",),
        updated_at=evening,
    )
    assert load(dump(conv)) == conv


def test_a_widened_list_reads_as_its_first_part_to_the_previous_release() -> None:
    """During a rolling deploy the previous release reads "radius_km" and "total" at the top: there
    they are the first part's, so that a number past it is "no such result", never another place."""
    conv = Conversation(
        need=("food",),
        place=(47.7, 7.3, "Mulhouse (68)"),
        radius_km=20.0,
        total=25,
        parts=((5.0, 19), (10.0, 4)),
    )
    raw = json.loads(dump(conv))
    assert (raw["radius_km"], raw["total"], raw["extra"]["total"]) == (5.0, 19, 19)
    assert load(dump(conv)) == conv
    plain = load(json.dumps({**raw, "list": None}))
    assert (plain.radius_km, plain.total, plain.parts) == (5.0, 19, ())


@pytest.mark.parametrize(
    "widened",
    [
        {"radius_km": 20, "total": 25, "parts": [[5, 19], ["x", 4]]},
        {"radius_km": 20, "total": 25, "parts": [[10, 19], [5, 4]]},  # radii must grow
        {"radius_km": 20, "total": 25, "parts": [[5, 19], [30, 4]]},  # and stay within the last
        {"radius_km": 20, "total": 25, "parts": [[5, 0]]},
        {"radius_km": 20, "total": 25, "parts": [[5, True]]},
        {"radius_km": 20, "total": 19, "parts": [[5, 19]]},  # nothing left for the last part
        {"radius_km": 20, "total": 25, "parts": []},
        {"radius_km": None, "total": 25, "parts": [[5, 19]]},
        [1, 2],
    ],
)
def test_a_malformed_widened_list_is_read_as_its_first_part(widened: object) -> None:
    record = {"need": ["food"], "radius_km": 5, "total": 19, "list": widened}
    loaded = load(json.dumps(record))
    assert loaded.parts == () and (loaded.radius_km, loaded.total) == (5.0, 19)
    assert load('{"lang": "fr", "unknown_field": 1}') == Conversation(lang="fr")


def test_records_of_the_previous_format_still_load() -> None:
    """Sessions written before the typed fields (an `extra` dict, a `results` list) survive an upgrade."""
    old = (
        '{"lang":"fr","need":["food"],"place":[47.7,7.3,"Mulhouse (68)"],'
        '"when":["2026-11-17T18:00:00+01:00","2026-11-17T23:00:00+01:00"],"page":1,"radius_km":5.0,'
        '"results":[["soliguide",1,2]],"extra":{"at":"2026-11-17T18:00:00+01:00","total":7,'
        '"filters":{"gender":"women"}},"updated_at":"2026-11-17T17:00:00+01:00"}'
    )
    conv = load(old)
    evening = datetime(2026, 11, 17, 18, tzinfo=PARIS)
    assert conv.at == evening and conv.total == 7 and conv.filters == Filters(gender="women")
    assert conv.when == (evening, evening.replace(hour=23)) and conv.place == (47.7, 7.3, "Mulhouse (68)")
    assert conv.updated_at is not None and conv.need == ("food",) and conv.page == 1


def test_garbage_loads_as_an_empty_conversation() -> None:
    assert load("[1, 2]") == Conversation()
    garbage = (
        '{"lang": 3, "need": "food", "place": [1], "when": ["x", "y"], "filters": {"gender": 1, "x": 2}}'
    )
    assert load(garbage) == Conversation()
