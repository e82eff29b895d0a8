"""Which hours apply to a service (search.facts.timing_of): Soliguide's isServiceOpenToday precedence."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from db import HoursFacts, Period, candidate_mask
from search.facts import timing_of
from search.hours import state_at
from tests.hours_cases import DAILY, OFFICE, every_day

PARIS = ZoneInfo("Europe/Paris")
SHOWER_WEEK = every_day((9 * 60, 17 * 60))
SUMMER = Period(datetime(2026, 7, 1, tzinfo=PARIS), datetime(2026, 8, 31, 23, 59, 59, tzinfo=PARIS))
SUMMER_HOURS = json.dumps({**SUMMER.to_json(), "week": None})  # the place closes for the summer


def facts(**changes: Any) -> HoursFacts:
    base = HoursFacts(
        lieu_id=1,
        category="shower",
        lat=48.58,
        lon=7.75,
        timezone="Europe/Paris",
        department_code="67",
        stop_hours=None,
        stop_holidays=None,
        place_hours=json.dumps(OFFICE.to_json()),
        place_holidays="CLOSED",
        temp_closure=None,
        temp_hours=SUMMER_HOURS,
        different_hours=False,
        service_hours=json.dumps(SHOWER_WEEK.to_json()),
        service_holidays="OPEN",  # the service's own copy of the policy, which Soliguide lets go stale
        service_closure=None,
    )
    return base._replace(**changes)


def test_the_place_summer_hours_do_not_close_a_service_with_its_own_hours() -> None:
    at = datetime(2026, 7, 15, 10, tzinfo=PARIS)  # a Wednesday of the summer closure
    assert state_at(timing_of(facts()), at).reason == "temporary_hours"
    own = state_at(timing_of(facts(different_hours=True)), at)
    assert own.open is True and own.reason == "hours"


def test_a_service_with_its_own_hours_follows_the_place_holiday_policy() -> None:
    christmas = datetime(2026, 12, 25, 10, tzinfo=PARIS)
    state = state_at(timing_of(facts(different_hours=True, temp_hours=None)), christmas)
    assert state.open is False and state.reason == "holiday"
    open_place = facts(
        different_hours=True, temp_hours=None, place_holidays="OPEN", service_holidays="CLOSED"
    )
    assert state_at(timing_of(open_place), christmas).open is True


@pytest.mark.parametrize(("stop_policy", "closed"), [("CLOSED", True), ("OPEN", False), (None, True)])
def test_an_itinerary_stop_may_say_its_own_policy_else_the_place_one(
    stop_policy: str | None, closed: bool
) -> None:
    stop = facts(stop_hours=json.dumps(DAILY.to_json()), stop_holidays=stop_policy, temp_hours=None)
    state = state_at(timing_of(stop), datetime(2026, 12, 25, 10, tzinfo=PARIS))
    assert (state.reason == "holiday") is closed


def test_the_hour_mask_leaves_the_place_temporary_week_to_services_that_use_the_place_hours() -> None:
    night = every_day((20 * 60, 22 * 60))
    place = {"timezone": "Europe/Paris", "hours": OFFICE.to_json(), "temp_hours": {"week": night.to_json()}}
    stop = {"hours": None}
    evening = 1 << (2 * 24 + 21)  # Wednesday 21:00
    assert candidate_mask(place, stop, {"different_hours": False, "hours": None}) & evening
    own = {"different_hours": True, "hours": SHOWER_WEEK.to_json()}
    assert not candidate_mask(place, stop, own) & evening
