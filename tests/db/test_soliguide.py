"""Reading one Soliguide document: periods as calendar days in the place's zone, the address's note,
the department and the time zone when a document leaves them out (Soliguide's own spec cases are in
tests/db/test_soliguide_spec.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from db.categories import taxonomy
from db.schedule import Period
from db.soliguide import RecordError, read_place

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
LAST = timedelta(microseconds=1)


def doc(**position: Any) -> dict[str, Any]:
    return {
        "lieu_id": 1,
        "name": "Accueil de jour",
        "status": "ONLINE",
        "position": {
            "location": {"type": "Point", "coordinates": [7.75, 48.58]},
            "address": "1 rue de la Paix, 67000 Strasbourg",
            "postalCode": "67000",
            "city": "Strasbourg",
            "departmentCode": "67",
            "timeZone": "Europe/Paris",
            **position,
        },
        "services_all": [{"category": "shower"}],
    }


def closure(start: str, end: str | None) -> dict[str, Any]:
    return {"closure": {"actif": True, "dateDebut": start, "dateFin": end, "description": "Travaux"}}


def period(value: dict[str, Any] | None) -> Period:
    assert value is not None
    return Period.from_json(value)


def test_a_closure_is_its_calendar_days_from_local_midnight_to_local_midnight() -> None:
    place = read_place(
        {**doc(), **{"tempInfos": closure("2026-12-01T00:00:00Z", "2026-12-24T23:59:59Z")}}, taxonomy()
    )
    got = period(place.place["temp_closure"])
    assert got.start == datetime(2026, 12, 1, tzinfo=PARIS)
    assert got.end == datetime(2026, 12, 25, tzinfo=PARIS) - LAST  # all of the 24th, nothing of the 25th
    assert got.covers(datetime(2026, 12, 1, 0, 0, tzinfo=PARIS))  # not from 01:00, as the instant read
    assert not got.covers(datetime(2026, 12, 25, 0, 30, tzinfo=PARIS))
    assert got.text == "Travaux"


def test_days_are_the_utc_dates_soliguide_reads_whatever_the_hour() -> None:
    """BasePlaceTempInfo truncates to the UTC date: a legacy 23:00Z start is that UTC day, and an end
    written at 00:00Z (or 10:30Z) still covers the whole of its day."""
    place = read_place(
        {**doc(), **{"tempInfos": closure("2022-09-15T12:20:00Z", "2022-09-17T10:30:00Z")}}, taxonomy()
    )
    got = period(place.place["temp_closure"])
    assert (got.start, got.end) == (
        datetime(2022, 9, 15, tzinfo=PARIS),
        datetime(2022, 9, 18, tzinfo=PARIS) - LAST,
    )


def test_overseas_days_are_local_days() -> None:
    reunion = doc(departmentCode="974", postalCode="97400", timeZone="Indian/Reunion")
    place = read_place(
        {**reunion, "tempInfos": closure("2026-12-20T00:00:00Z", "2026-12-20T23:59:59Z")}, taxonomy()
    )
    got = period(place.place["temp_closure"])
    assert (got.start, got.end) == (
        datetime(2026, 12, 20, tzinfo=REUNION),
        datetime(2026, 12, 21, tzinfo=REUNION) - LAST,
    )


def test_temporary_hours_messages_and_service_closures_are_days_too() -> None:
    raw = {
        **doc(),
        "tempInfos": {
            "hours": {"dateDebut": "2026-07-01T00:00:00Z", "dateFin": "2026-08-31T23:59:59Z", "hours": None},
            "message": {"dateDebut": "2026-07-01T00:00:00Z", "dateFin": None, "name": "Été"},
        },
        "services_all": [
            {
                "category": "shower",
                "close": {"dateDebut": "2026-07-14T00:00:00Z", "dateFin": "2026-07-14T23:59:59Z"},
            }
        ],
    }
    place = read_place(raw, taxonomy())
    hours = period(place.place["temp_hours"])
    assert hours.end == datetime(2026, 9, 1, tzinfo=PARIS) - LAST
    message = period(place.place["temp_message"])
    assert message.start == datetime(2026, 7, 1, tzinfo=PARIS) and message.end is None
    service = period(place.services[0]["closure"])
    assert (service.start, service.end) == (
        datetime(2026, 7, 14, tzinfo=PARIS),
        datetime(2026, 7, 15, tzinfo=PARIS) - LAST,
    )


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(RecordError, match="ends before it starts"):
        read_place(
            {**doc(), "tempInfos": closure("2026-12-02T00:00:00Z", "2026-12-01T23:59:59Z")}, taxonomy()
        )


def test_the_address_note_is_kept_for_the_place_and_each_stop() -> None:
    place = read_place(doc(additionalInformation=" 3e porte sur la droite "), taxonomy())
    assert place.place["address_note"] == "3e porte sur la droite"
    assert place.stops[0]["address_note"] == "3e porte sur la droite"
    legacy = read_place(doc(complementAdresse="Bâtiment B"), taxonomy())
    assert legacy.stops[0]["address_note"] == "Bâtiment B"
    assert read_place(doc(), taxonomy()).stops[0]["address_note"] == ""


def test_each_itinerary_stop_keeps_its_meeting_point() -> None:
    def stop(lon: float, note: str) -> dict[str, Any]:
        return {
            "position": {
                "location": {"type": "Point", "coordinates": [lon, 48.58]},
                "address": "Place de la Gare, Strasbourg",
                "additionalInformation": note,
            },
            "hours": {"monday": {"open": True, "timeslot": [{"start": 900, "end": 1100}]}},
        }

    raw = {**doc(), "placeType": "PARCOURS_MOBILE", "parcours": [stop(7.73, "côté parking"), stop(7.76, "")]}
    raw.pop("position")
    place = read_place(raw, taxonomy())
    assert [s["address_note"] for s in place.stops] == ["côté parking", ""]


@pytest.mark.parametrize(
    ("position", "department", "zone"),
    [
        ({"departmentCode": "977", "postalCode": "97133"}, "977", "America/Martinique"),
        ({"departmentCode": None, "postalCode": "97133"}, "977", "America/Martinique"),  # Saint-Barthélemy
        ({"departmentCode": None, "postalCode": "97150"}, "978", "America/Martinique"),  # Saint-Martin
        ({"departmentCode": None, "postalCode": "97110"}, "971", "America/Martinique"),
        ({"departmentCode": None, "postalCode": "97300"}, "973", "America/Cayenne"),
        ({"departmentCode": None, "postalCode": "20000"}, "2A", "Europe/Paris"),
        ({"departmentCode": None, "postalCode": "20200"}, "2B", "Europe/Paris"),
        ({"departmentCode": None, "postalCode": "68100"}, "68", "Europe/Paris"),
        ({"departmentCode": None, "departementCode": "57", "postalCode": "57000"}, "57", "Europe/Paris"),
    ],
)
def test_department_and_zone_when_the_document_leaves_them_out(
    position: dict[str, Any], department: str, zone: str
) -> None:
    place = read_place(doc(timeZone=None, **position), taxonomy()).place
    assert (place["department_code"], place["timezone"]) == (department, zone)


def test_a_written_time_zone_wins() -> None:
    place = read_place(doc(departmentCode="974", timeZone="Europe/Paris"), taxonomy()).place
    assert place["timezone"] == "Europe/Paris"
    with pytest.raises(RecordError, match="unknown time zone"):
        read_place(doc(timeZone="Mars/Olympus"), taxonomy())
