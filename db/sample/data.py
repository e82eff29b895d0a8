"""What the sample is made of: kinds of places, departments, street and association names (db/data/sample)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Kind:
    id: str
    weight: float
    min_pop: int
    names: tuple[str, ...]
    intro: str
    pool: tuple[str, ...]
    core: int
    k: tuple[int, int, int]
    hours: str
    service_hours: Mapping[str, str]
    service_names: Mapping[str, str]
    modalities: Mapping[str, float]
    publics: Mapping[str, float]
    pro_p: float
    itinerary: bool


@dataclass(frozen=True, slots=True)
class SampleData:
    departments: Mapping[str, tuple[str, str, str]]  # code → (name, region code, phone zone)
    kinds: tuple[Kind, ...]
    fancy: tuple[str, ...]
    quartier: tuple[str, ...]
    asso: tuple[str, ...]
    streets: Mapping[str, tuple[str, ...]]
    texts: Mapping[str, Any]  # French sentences, see db/data/sample/texts.json


def _read(name: str) -> str:
    return resources.files("db").joinpath(f"data/{name}").read_text("utf-8")


@cache
def sample_data() -> SampleData:
    departments = {
        r["code"]: (r["name"], r["region_code"], r["phone_zone"])
        for r in csv.DictReader(_read("sample/departments.csv").splitlines())
    }
    raw = json.loads(_read("sample/archetypes.json"))
    kinds = tuple(
        Kind(
            id=k["id"],
            weight=float(k["weight"]),
            min_pop=int(k["min_pop"]),
            names=tuple(k["names"]),
            intro=k["intro"],
            pool=tuple(k["pool"]),
            core=int(k["core"]),
            k=(k["k"][0], k["k"][1], k["k"][2]),
            hours=k["hours"],
            service_hours=k.get("service_hours", {}),
            service_names=k.get("service_names", {}),
            modalities=k.get("modalities", {}),
            publics=k.get("publics", {}),
            pro_p=float(k.get("pro_p", 0.02)),
            itinerary=bool(k.get("itinerary", False)),
        )
        for k in raw["kinds"]
    )
    streets = json.loads(_read("sample/streets.json"))
    return SampleData(
        departments,
        kinds,
        tuple(raw["fancy"]),
        tuple(raw["quartier"]),
        tuple(raw["asso"]),
        {k: tuple(v) for k, v in streets.items() if not k.startswith("_")},
        json.loads(_read("sample/texts.json")),
    )
