"""The index's facts read into values: the hours that apply (Soliguide's precedence), publics, modalities.

JSON columns arrive as text, so each distinct value is parsed once (many services share their place's
hours): the caches are keyed on directory content, not on what people write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from db import HoursFacts, Period, Week
from search.audience import Audience, audience_of, conditions_of, on_referral, strings
from search.hours import Timing


def json_value(value: Any) -> Any:
    """JSON columns are read as text (cast in SQL) so that parsing can be cached by content."""
    return _parse_json(value) if isinstance(value, str) else value


@lru_cache(maxsize=65_536)
def _parse_json(value: str) -> Any:
    return json.loads(value)


@lru_cache(maxsize=65_536)
def _week(value: str | None) -> Week | None:
    data = json.loads(value) if value else None
    return Week.from_json(data) if data else None


@lru_cache(maxsize=65_536)
def period(value: str | None) -> Period | None:
    data = json.loads(value) if value else None
    return Period.from_json(data) if data else None


def mapping(value: Any) -> Mapping[str, Any]:
    data = json_value(value)
    return data if isinstance(data, Mapping) else {}


def timing_of(row: HoursFacts) -> Timing:
    """The hours that apply to one service at one stop, in Soliguide's order of precedence.

    The holiday policy is the place's (`newhours.closedHolidays`) even for a service with its own
    hours, whose copy of it Soliguide no longer keeps up to date; an itinerary stop may say its own.
    The place's temporary hours replace only the hours of services that use the place's hours: a
    shower open 9–17 on its own stays so through the place's summer hours (isServiceOpenToday).
    """
    return _timing(*_applying(row))


def timings(rows: Sequence[HoursFacts]) -> list[Timing]:
    """timing_of of every row, for an index held in memory: each distinct text parsed once, equal
    values (days, weeks, periods, timings) kept once, and no cache outliving the call (a national
    directory holds a quarter of a million sets of hours)."""
    values: dict[Any, Any] = {}
    parsed: dict[tuple[str | None, ...], Timing] = {}

    def once(value: Any) -> Any:
        return values.setdefault(value, value)

    def week(text: str | None) -> Week | None:
        found = _week.__wrapped__(text)
        return None if found is None else once(Week(tuple(once(day) for day in found.days)))

    def closure(text: str | None) -> Period | None:
        found = period.__wrapped__(text)
        return None if found is None else once(found)

    out = []
    for row in rows:
        texts = _applying(row)
        timing = parsed.get(texts)
        if timing is None:
            tz, hours, department, policy, temp_closure, service_closure, temp_hours = texts
            kept = (
                once(tz),
                hours,
                once(department),
                once(policy),
                temp_closure,
                service_closure,
                temp_hours,
            )
            timing = parsed[texts] = once(_made(kept, week, closure))
        out.append(timing)
    return out


_Texts = tuple[str, str | None, str | None, str, str | None, str | None, str | None]


def _applying(row: HoursFacts) -> _Texts:
    """(time zone, hours, department, holiday policy, temporary closure, service closure, temporary
    hours): what timing_of reads of a row (see there)."""
    hours: str | None
    if row.stop_hours and row.stop_hours != "null":
        hours, policy = row.stop_hours, row.stop_holidays or row.place_holidays
    elif row.different_hours:
        hours, policy = row.service_hours, row.place_holidays
    else:
        hours, policy = row.place_hours, row.place_holidays
    return (
        row.timezone,
        hours,
        row.department_code or None,
        policy or "UNKNOWN",
        row.temp_closure,
        row.service_closure,
        None if row.different_hours else row.temp_hours,
    )


@lru_cache(maxsize=65_536)
def _timing(*texts: str | None) -> Timing:
    return _made(texts, _week, period)  # type: ignore[arg-type]


def _made(
    texts: _Texts,
    week: Callable[[str | None], Week | None],
    closure: Callable[[str | None], Period | None],
) -> Timing:
    tz, hours, department, policy, temp_closure, service_closure, temp_hours = texts
    closures = tuple(p for p in (closure(temp_closure), closure(service_closure)) if p)
    temp = json.loads(temp_hours) if temp_hours else None
    return Timing(
        tz=tz,
        week=week(hours),
        department=department,
        closed_holidays=policy,
        closures=closures,
        temp_hours=(
            (Period.from_json(temp), week(json.dumps(temp.get("week"))))
            if isinstance(temp, Mapping) and temp
            else None
        ),
    )


def publics(facts: HoursFacts) -> Mapping[str, Any]:
    """Who the service is for: its own publics, else its place's."""
    return mapping(facts.service_publics) or mapping(facts.place_publics)


def modalities(facts: HoursFacts) -> Mapping[str, Any]:
    """On what terms: the service's own modalities, else its place's."""
    return mapping(facts.service_modalities) or mapping(facts.place_modalities)


@lru_cache(maxsize=65_536)
def audience(service_publics: str | None, place_publics: str | None) -> Audience:
    """Who a card's service is for: its own publics, else its place's (the columns' texts)."""
    return audience_of(mapping(service_publics) or mapping(place_publics))


@lru_cache(maxsize=65_536)
def conditions(service_modalities: str | None, place_modalities: str | None) -> tuple[tuple[str, str], ...]:
    """A card's access conditions: its service's modalities, else its place's (the columns' texts)."""
    return conditions_of(mapping(service_modalities) or mapping(place_modalities))


@lru_cache(maxsize=65_536)
def referral_only(place_modalities: str | None) -> bool:
    """The place is reached only through a social worker (search.audience.on_referral)."""
    return on_referral(mapping(place_modalities))


@lru_cache(maxsize=65_536)
def phone_numbers(phones: str | None) -> tuple[str, ...]:
    """A card's phone numbers. Parsed here, not through _parse_json: a place's phones are its own, and
    their texts would push the shared publics and modalities out of that cache."""
    data = json.loads(phones) if isinstance(phones, str) else phones
    return tuple(str(p.get("number")) for p in data or () if isinstance(p, Mapping))


@lru_cache(maxsize=65_536)
def languages(value: str | None) -> tuple[str, ...]:
    return strings(json_value(value))
