"""db.index.Index over Soliguide documents held in memory: what db.sql.SqlIndex reads, without SQL.

The documents go through the importer's reader (db.soliguide.read_place), so the facts are the same
column values the database would hold; ranking can then be tested against brute force, fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from db import Candidate, CardFacts, HoursFacts, IndexReader, Key, bounding_box, candidate_mask, taxonomy
from db.soliguide import read_place

T = TypeVar("T")


def _text(value: Any) -> str | None:
    """A JSON column as the database hands it over: its text, or None for SQL NULL."""
    return None if value is None else json.dumps(value)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class MemoryIndex:
    def __init__(self, docs: Iterable[object]) -> None:
        tax = taxonomy()
        self._candidates: list[Candidate] = []
        self._rows: dict[Key, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {}
        stop_id = service_id = 0
        for place_id, doc in enumerate(docs, 1):
            record = read_place(doc, tax)
            place = record.place
            stops = []
            for stop in record.stops:
                stop_id += 1
                stops.append((stop_id, stop))
            for service in record.services:
                service_id += 1
                for sid, stop in stops:
                    self._rows[(sid, service_id)] = (place, stop, service)
                    if place["status"] == "ONLINE" and place["visibility"] == "ALL":
                        self._candidates.append(
                            Candidate(
                                place_id,
                                sid,
                                service_id,
                                stop["lat"],
                                stop["lon"],
                                tax.code(service["category"]),
                                candidate_mask(place, stop, service),
                            )
                        )
        self.reads = 0  # calls of candidates(), for tests that care how often the index is read

    async def read(self, work: Callable[[IndexReader], T]) -> T:
        return work(self)

    def candidates(
        self, lat: float, lon: float, radius_m: float, code_ranges: Sequence[tuple[int, int]]
    ) -> list[Candidate]:
        self.reads += 1
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        return [
            c
            for c in self._candidates
            if min_lat <= c.lat <= max_lat
            and min_lon <= c.lon <= max_lon
            and (not code_ranges or any(low <= c.category_code <= high for low, high in code_ranges))
        ]

    def hours(self, keys: Collection[Key], *, audience: bool) -> dict[Key, HoursFacts]:
        found = {}
        for key in keys:
            place, stop, service = self._rows[key]
            found[key] = HoursFacts(
                lieu_id=place["lieu_id"],
                category=service["category"],
                lat=stop["lat"],
                lon=stop["lon"],
                timezone=place["timezone"],
                department_code=place["department_code"],
                stop_hours=_text(stop.get("hours")),
                stop_holidays=stop.get("closed_holidays"),
                place_hours=_text(place["hours"]),
                place_holidays=place["closed_holidays"],
                temp_closure=_text(place["temp_closure"]),
                temp_hours=_text(place["temp_hours"]),
                different_hours=service["different_hours"],
                service_hours=_text(service["hours"]),
                service_holidays=service["closed_holidays"],
                service_closure=_text(service["closure"]),
                place_publics=_text(place["publics"]) if audience else None,
                place_modalities=_text(place["modalities"]) if audience else None,
                service_publics=_text(service["publics"]) if audience else None,
                service_modalities=_text(service["modalities"]) if audience else None,
            )
        return found

    def cards(self, keys: Collection[Key]) -> dict[Key, CardFacts]:
        found = {}
        for key in keys:
            place, stop, service = self._rows[key]
            found[key] = CardFacts(
                source="memory",
                place_name=place["name"],
                place_description=place["description"],
                place_type=place["place_type"],
                address=stop["address"],
                postal_code=stop["postal_code"],
                city=stop["city"],
                phones=_text(place["phones"]),
                email=place["email"],
                website=place["website"],
                languages=_text(place["languages"]),
                temp_message=_text(place["temp_message"]),
                updated_by_user_at=_aware(place["updated_by_user_at"]),
                service_name=service["name"],
                service_description=service["description"],
                saturation=service["saturation"],
                place_publics=_text(place["publics"]),
                place_modalities=_text(place["modalities"]),
                service_publics=_text(service["publics"]),
                service_modalities=_text(service["modalities"]),
                address_note=stop["address_note"],
            )
        return found
