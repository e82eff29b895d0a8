"""db.index.Index over Soliguide documents held in memory: what db.sql.SqlIndex reads, without SQL.

The documents go through the importer's reader (db.soliguide.read_place), so the facts are the same
column values the database would hold; ranking can then be tested against brute force, fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np

from db import CardFacts, HoursFacts, IndexReader, Key, SearchPoints, candidate_mask, taxonomy
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
        self._points: list[tuple[int, int, int, float, float, int, int]] = []
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
                        self._points.append(
                            (
                                place_id,
                                sid,
                                service_id,
                                stop["lat"],
                                stop["lon"],
                                tax.code(service["category"]),
                                candidate_mask(place, stop, service),
                            )
                        )
        self.stamp = 1  # what version() answers: a test moves it to make searches rebuild
        self.builds = 0  # calls of points()
        self.reads = 0  # statements a search would send (reads of facts and cards)

    async def read(self, work: Callable[[IndexReader], T]) -> T:
        return work(self)

    async def read_many(self, work: Callable[[IndexReader], T]) -> T:
        return work(self)

    async def built(self, build: Callable[[SearchPoints], T]) -> T:
        return build(await self.points())

    async def points(self) -> SearchPoints:
        self.builds += 1
        masks = sorted({p[6] for p in self._points})
        columns = list(zip(*self._points, strict=True)) or [()] * 7
        return SearchPoints(
            version=self.stamp,
            place_id=np.array(columns[0], dtype=np.int64),
            stop_id=np.array(columns[1], dtype=np.int64),
            service_id=np.array(columns[2], dtype=np.int64),
            lat=np.array(columns[3], dtype=np.float64),
            lon=np.array(columns[4], dtype=np.float64),
            category_code=np.array(columns[5], dtype=np.int64),
            mask=np.array([masks.index(m) for m in columns[6]], dtype=np.int64),
            timing=np.arange(len(self._points), dtype=np.int64),
            masks=masks,
            hours=list(self._facts([(p[1], p[2]) for p in self._points]).values()),
        )

    def version(self) -> int:
        return self.stamp

    def facts(self, keys: Collection[Key]) -> dict[Key, HoursFacts]:
        self.reads += 1
        return self._facts(keys)

    def _facts(self, keys: Collection[Key]) -> dict[Key, HoursFacts]:
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
                place_publics=_text(place["publics"]),
                place_modalities=_text(place["modalities"]),
                service_publics=_text(service["publics"]),
                service_modalities=_text(service["modalities"]),
            )
        return found

    def cards(self, keys: Collection[Key]) -> dict[Key, CardFacts]:
        self.reads += 1
        found = {}
        for key in keys:
            if key not in self._rows:  # gone from the directory since the points were read
                continue
            place, stop, service = self._rows[key]
            found[key] = CardFacts(
                lieu_id=place["lieu_id"],
                source="memory",
                place_name=place["name"],
                place_description=place["description"],
                place_type=place["place_type"],
                lat=stop["lat"],
                lon=stop["lon"],
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
