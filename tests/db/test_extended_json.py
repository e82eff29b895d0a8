"""MongoDB Extended JSON, relaxed and canonical, read back into the plain values of a Soliguide export."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from db.sql.extended_json import unwrap


def plain(text: str) -> Any:
    return json.loads(text, object_hook=unwrap)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"$oid": "6254079ba503c7727d46c787"}', "6254079ba503c7727d46c787"),
        ('{"$date": "2022-04-11T10:47:23.017Z"}', "2022-04-11T10:47:23.017Z"),  # relaxed
        ('{"$date": {"$numberLong": "1649674043017"}}', "2022-04-11T10:47:23.017Z"),  # canonical
        ('{"$date": 1649674043017}', "2022-04-11T10:47:23.017Z"),  # mongoexport before 4.2
        ('{"$date": {"$numberLong": "-86400000"}}', "1969-12-31T00:00:00.000Z"),
        ('{"$numberInt": "3"}', 3),
        ('{"$numberLong": "9000001"}', 9000001),
        ('{"$numberDouble": "47.749"}', 47.749),
        ('{"$numberDouble": "-0.0"}', -0.0),
        ('{"$numberDecimal": "12"}', 12),
        ('{"$numberDecimal": "7.325"}', 7.325),
    ],
)
def test_each_wrapper_becomes_its_plain_value(text: str, expected: Any) -> None:
    value = plain(text)
    assert value == expected and type(value) is type(expected)


def test_a_canonical_document_reads_as_the_plain_one() -> None:
    canonical = {
        "_id": {"$oid": "6254079ba503c7727d46c787"},
        "lieu_id": {"$numberInt": "29"},
        "position": {"location": {"coordinates": [{"$numberDouble": "7.3"}, {"$numberDouble": "47.7"}]}},
        "newhours": {
            "monday": {"timeslot": [{"start": {"$numberInt": "930"}, "end": {"$numberInt": "1200"}}]}
        },
        "updatedAt": {"$date": {"$numberLong": "1649674043017"}},
        "name": "Maraude",
    }
    assert plain(json.dumps(canonical)) == {
        "_id": "6254079ba503c7727d46c787",
        "lieu_id": 29,
        "position": {"location": {"coordinates": [7.3, 47.7]}},
        "newhours": {"monday": {"timeslot": [{"start": 930, "end": 1200}]}},
        "updatedAt": "2022-04-11T10:47:23.017Z",
        "name": "Maraude",
    }


@pytest.mark.parametrize(
    "text",
    [
        '{"$numberInt": "abc"}',  # not a number: validation says so if the field matters
        '{"$date": true}',
        '{"$oid": 12}',
        '{"$binary": {"base64": "AA==", "subType": "00"}}',  # a wrapper Soliguide never uses
        '{"$numberInt": "1", "other": 2}',  # two keys: an ordinary object
        '{"name": "x"}',
    ],
)
def test_what_does_not_convert_is_left_as_it_was(text: str) -> None:
    assert plain(text) == json.loads(text)


def test_a_date_past_year_9999_stays_an_object_that_validation_refuses() -> None:
    assert plain('{"$date": {"$numberLong": "99999999999999999"}}') == {"$date": 99999999999999999}


def test_special_doubles_stay_floats_for_validation_to_refuse() -> None:
    assert math.isinf(plain('{"$numberDouble": "-Infinity"}'))
    assert math.isnan(plain('{"$numberDouble": "NaN"}'))
