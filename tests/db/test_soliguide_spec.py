"""Soliguide's own spec cases, run against solibot's reading of the same inputs.

The cases are data, tests/db/soliguide_spec_cases.json: the inputs and expected values of the
temp-infos, hours, holidays, time-zone, search-result and place-details spec files of
solinumasso/soliguide, release 4.151.0 (the file's `_about` lists each file and the commit; Soliguide
is AGPL-3.0, and only those facts are copied, not its code). Each case is read here the way solibot
reads a Soliguide export: through db.soliguide.read_place, search.hours, the search engine over an
in-memory index and the details a person reads (docs/soliguide-rules.md says what each rule is).

**"Open today" becomes "open at instant t".** Soliguide computes `isOpenToday` once a day for a place
and shows a status for the day; solibot answers for an instant (an SMS asks "now", or "tonight at 8"),
so each case that sets `isOpenToday` is read at an instant that says the same thing: inside a slot of
that day for `true`, outside every slot of it for `false` (the case's `note` says which). A case where
the spec switches its mock's closure off with `actif: false` over dates that cover its day is read on
the same weekday after the closure: solibot reads a closure by its dates, as Soliguide does once it
recomputes the flag (BasePlaceTempInfo), and Soliguide's days are calendar days (UTC dates), read by
solibot in the place's time zone.

**Cases that differ legitimately** (29 of 222; each case's `differs` says why, and
docs/soliguide-rules.md lists them too):

- No place-level "partially open": solibot answers for the service asked for
  (opening-status-4, search-8, details-4).
- A day closed now keeps its hours, with when it opens next, where Soliguide shows none
  (search-14, details-10).
- One line per place: an itinerary is one result, its best stop (search-16, search-21, search-23).
- The address's note is shown in a place's details, not on a list line (search-5).
- Hours are read, not validated: Soliguide's API refuses at input what solibot, reading exports,
  reads as best it can (hours-valid-1 to hours-valid-5), so a slot ending before it starts is a night
  past midnight (parse-hours-8).
- The holiday policy is not printed with the week (SMS budget); on the day it says "closed (public
  holiday)" (parse-hours-9).
- Holidays are France's, from the `holidays` package: no made-up day (holiday-filter-8), and
  Saint-Martin's day is 28 May by décret, not Guadeloupe's 27 May as openholidaysapi.org files it
  (holiday-2025-05-27-978, holiday-2025-05-28-978).
- No country check: a document without a time zone is read in its department's zone, else Paris
  (zone-1, zone-8, zone-9).
- Not shown: the publics' free text (details-publics-precisions, details-service-publics-precisions),
  thermal comfort (details-thermal-1, details-thermal-2), French Sign Language, which has no CLDR name
  (details-languages-2), and the order of access conditions, what to do first before a referral
  (details-modalities-cumulated, details-service-modalities-cumulated).

Run: `.venv/bin/python -m pytest -q -p no:cacheprovider tests/db/test_soliguide_spec.py`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.surfaces import CONSOLE
from db.categories import taxonomy
from db.schedule import DAY_END, HoursError, Period, Week, parse_week
from db.soliguide import DEPARTMENT_ZONES, RecordError, read_place
from handlers.audience import audience_line, language_names
from handlers.opening import closure_lines, describe_week, hours_in_force
from handlers.pages import details_text, short_address
from search import Directory, Openness, OpenState, Point, Query, Result, Timing, state_at, week_slots
from tests.search.memory_index import MemoryIndex

DATA = json.loads(Path(__file__).with_name("soliguide_spec_cases.json").read_text(encoding="utf-8"))
PLACES: Mapping[str, dict[str, Any]] = DATA["places"]
CASES: list[dict[str, Any]] = DATA["cases"]
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LAST = timedelta(microseconds=1)


def merged(base: Any, patch: Any) -> Any:
    """A case's patch over a place: objects merge, anything else (lists, null) replaces."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    out = dict(base)
    for key, value in patch.items():
        out[key] = merged(base.get(key), value)
    return out


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def hhmm(minutes: int) -> int:
    """Minutes → Soliguide's HHMM; solibot's midnight end is Soliguide's 2359."""
    return 2359 if minutes == DAY_END else minutes // 60 * 100 + minutes % 60


def week_json(week: Week | None) -> dict[str, list[list[int]]]:
    if week is None:
        return {}
    return {DAYS[i]: [[hhmm(s.start), hhmm(s.end)] for s in day] for i, day in enumerate(week.days) if day}


def place_doc(position: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lieu_id": 1,
        "name": "Lieu",
        "status": "ONLINE",
        "position": {
            "location": {"type": "Point", "coordinates": [2.35, 48.85]},
            "address": "1 rue X, 75001 Paris",
            "postalCode": "75001",
            "city": "Paris",
            "departmentCode": "75",
            "timeZone": "Europe/Paris",
            **(position or {}),
        },
        "services_all": [{"category": "food"}],
    }
    return {**base, **fields}


# --- temporary infos: a period at an instant ---------------------------------------------------


def _period_case(given: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any]:
    zone = given.get("timeZone", "Europe/Paris")
    doc = place_doc({"timeZone": zone}, tempInfos={"closure": given["closure"]})
    try:
        raw = read_place(doc, taxonomy()).place["temp_closure"]
    except RecordError:
        return {"refused": True}
    period = Period.from_json(raw) if raw else None
    timing = Timing(zone, Week.always(), closures=(period,) if period else ())
    now = instant(given["now"])
    if period is None:
        status = None
    elif state_at(timing, now).reason == "temporary_closure":
        status = "current"
    elif closure_lines(timing, now, "en"):
        status = "incoming"  # announced: its first day is at most 15 days away
    else:
        status = "future" if period.start > now else "obsolete"
    tz = ZoneInfo(zone)
    first = period.start.astimezone(tz).date() if period else None
    last = (period.end - LAST).astimezone(tz).date() if period and period.end else None
    got: dict[str, Any] = {
        "refused": False,
        "active": status == "current",
        "status": status,
        "color": {"current": "danger", "incoming": "warning"}.get(status or "", ""),
        "days": [first.isoformat() if first else None, last.isoformat() if last else None],
        "nbDays": (last - first).days + 1 if first and last else None,
        "text_at": want.get("text_at"),
        "text_en": " ".join(closure_lines(timing, instant(want.get("text_at") or given["now"]), "en")),
    }
    return {key: got[key] for key in want}


# --- holidays and time zones --------------------------------------------------------------------


def _holiday_case(given: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any]:
    department = given["department"]
    zone = DEPARTMENT_ZONES.get(department or "", "Europe/Paris")
    noon = datetime.combine(date.fromisoformat(given["date"]), time(12), ZoneInfo(zone))
    timing = Timing(zone, Week.always(), department=department, closed_holidays="CLOSED")
    return {"holiday": state_at(timing, noon).reason == "holiday"}


def _zone_case(given: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any]:
    position = {"location": {"type": "Point", "coordinates": [2.35, 48.85]}, **given["position"]}
    try:
        return {"zone": read_place({**place_doc(), "position": position}, taxonomy()).place["timezone"]}
    except RecordError as exc:
        return {"error": str(exc)}


# --- weekly hours ---------------------------------------------------------------------------------


def _hours_case(given: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any]:
    try:
        week = parse_week(given["hours"])
    except HoursError as exc:
        return {"error": str(exc)}
    policy = read_place(place_doc(newhours=given["hours"]), taxonomy()).place["closed_holidays"]
    timing = Timing("Europe/Paris", week, closed_holidays=policy)
    shown = (
        *describe_week(week, "en"),
        *hours_in_force(timing, datetime(2025, 1, 6, 12, tzinfo=ZoneInfo("UTC")), "en"),
    )
    got: dict[str, Any] = {
        "valid": True,
        "unknown": week is None,
        "always": week == Week.always(),
        "week": week_json(week),
        "lines": len(describe_week(week, "en", compact=True)),
        "full_lines": len(describe_week(week, "en")),
        "closedHolidays": policy,
        "holiday_notice": any("holiday" in line.lower() for line in shown),
    }
    return {key: got[key] for key in want}


# --- a place as search finds it and as its details read -------------------------------------------


def _docs(given: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = given.get("places") or [given["place"]]
    docs = [json.loads(json.dumps(PLACES[name])) for name in names]
    docs[0] = merged(docs[0], given.get("patch", {}))
    if "service" in given:  # the spec's services_all[i], alone and patched
        keep = given["service"]
        docs[0]["services_all"] = [merged(docs[0]["services_all"][keep["keep"]], keep["patch"])]
    for doc in docs:
        doc["services_all"] = doc["services_all"] or [{"category": "food"}]  # a service on the place's hours
    return docs


def _point(doc: Mapping[str, Any]) -> Point:
    position = doc["parcours"][0]["position"] if doc.get("parcours") else doc["position"]
    lon, lat = position["location"]["coordinates"]
    return Point(lat, lon)


def _search(
    docs: list[dict[str, Any]], given: Mapping[str, Any], categories: tuple[str, ...] = ()
) -> list[Result]:
    point = Point(*given["point"]) if "point" in given else _point(docs[0])
    query = Query(point, instant(given["at"]), categories, radius_km=given.get("radius_km", 5), limit=100)
    return list(asyncio.run(Directory(MemoryIndex(docs)).search(query)).results)


def _status(state: OpenState) -> str:
    if state.openness is Openness.OPEN:
        return "OPEN"
    if state.openness is Openness.UNKNOWN:
        return "UNKNOWN"
    return "TEMPORARILY_CLOSED" if state.reason == "temporary_closure" else "CLOSED"


def _today(result: Result, at: datetime) -> list[list[str]]:
    slots = week_slots(result.timing, at.astimezone(ZoneInfo(result.timing.tz)).date()) or ()
    return [[a.strftime("%H%M"), "2359" if b == time() else b.strftime("%H%M")] for a, b in slots]


def _closing_days(result: Result, at: datetime) -> list[str | None]:
    tz = ZoneInfo(result.timing.tz)
    running = [p for p in result.timing.closures if p.covers(at)]
    first = min(p.start for p in running).astimezone(tz).date().isoformat() if running else None
    until = result.state.closed_until
    return [first, (until - LAST).astimezone(tz).date().isoformat() if until else None]


def _address_line(result: Result, at: datetime) -> str:
    text = details_text(result, at, at, "en", surface=CONSOLE)
    return next(line for line in text.splitlines() if line.startswith("Address"))


def _per_service(docs: list[dict[str, Any]], given: Mapping[str, Any]) -> list[Result]:
    """One search per service of the place, by its category: solibot's details are a service's."""
    found = []
    for service in docs[0]["services_all"]:
        results = _search(docs, given, (service["category"],))
        found.append(next(r for r in results if r.category == service["category"]))
    return found


def _saturated(result: Result) -> str | None:
    """Soliguide tags a service MODERATE or HIGH; LOW is no tag."""
    return None if result.saturation in (None, "LOW") else result.saturation


def _place_case(given: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any]:
    docs = _docs(given)
    at = instant(given["at"])
    results = _search(docs, given)
    result = results[0]
    radius_m = given.get("radius_km", 5) * 1000
    distances = [r.distance_m for r in results]
    computed: dict[str, Callable[[], Any]] = {
        "status": lambda: _status(result.state),
        "today": lambda: _today(result, at),
        "closing_days": lambda: _closing_days(result, at),
        "name": lambda: result.place_name,
        "phones": lambda: list(result.phones),
        "category": lambda: result.category,
        "distance_positive": lambda: result.distance_m >= 0,
        "private": lambda: result.address_private,
        "address_list": lambda: short_address(result),
        "address_details_en": lambda: _address_line(result, at),
        "results": lambda: len(results),
        "sorted_by_distance": lambda: distances == sorted(distances),
        "beyond_radius": lambda: sum(1 for r in results if r.distance_m > radius_m),
        "hours": lambda: week_json(result.timing.week),
        "audience_en": lambda: audience_line(result.audience, "en"),
        "publics_description": lambda: result.audience.description,
        "shown": lambda: result.audience.description in details_text(result, at, at, "en", surface=CONSOLE),
        "conditions": lambda: [list(c) for c in result.conditions],
        "languages_en": lambda: language_names(result.languages, "en"),
        "categories": lambda: [r.category for r in _per_service(docs, given)],
        "saturation": lambda: [
            r.saturation if r.saturation != "LOW" else None for r in _per_service(docs, given)
        ],
        "descriptions": lambda: [r.description for r in _per_service(docs, given)],
    }
    return {key: computed[key]() for key in want}


KINDS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]] = {
    "period": _period_case,
    "holiday": _holiday_case,
    "zone": _zone_case,
    "hours": _hours_case,
    "place": _place_case,
}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_soliguide_case(case: dict[str, Any]) -> None:
    """Soliguide's expected value, or, where solibot words or shapes the same fact its own way or
    differs for the reason the case gives, what solibot gives instead."""
    want = case.get("solibot", case["expected"])
    assert KINDS[case["kind"]](case["input"], want) == want, case["spec"]


def test_every_case_names_its_spec_and_every_difference_its_reason() -> None:
    assert DATA["_about"]["release"] == "4.151.0"
    for case in CASES:
        assert case["source"].startswith("packages/") and case["spec"], case["id"]
        if "differs" in case:
            assert "solibot" in case and case["solibot"] != case["expected"], case["id"]


def test_every_difference_is_listed_here_and_in_the_docs() -> None:
    differing = {case["id"] for case in CASES if "differs" in case}
    docs = (Path(__file__).parents[2] / "docs" / "soliguide-rules.md").read_text(encoding="utf-8")
    for name, text in (("this module's docstring", __doc__ or ""), ("docs/soliguide-rules.md", docs)):
        assert re.search(rf"\b{len(differing)}\b", text) and re.search(rf"\b{len(CASES)}\b", text), name
        assert differing - _listed(text) == set(), f"list them in {name}"


def _listed(text: str) -> set[str]:
    """Case ids a text names, "hours-valid-1 to hours-valid-5" standing for the five."""
    found = set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", text))
    for stem, first, last in re.findall(r"([a-z-]+-)(\d+) to \1(\d+)", text):
        found.update(f"{stem}{n}" for n in range(int(first), int(last) + 1))
    return found
