"""INSEE code → commune point and name, from db/data/fr_communes.csv.gz."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    dept: str
    lat: float
    lon: float
    population: int
    postal_codes: tuple[str, ...]


@cache
def communes() -> dict[str, Commune]:
    rows: dict[str, Commune] = {}
    path = resources.files("db").joinpath("data/fr_communes.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["insee"]
            known = rows.get(code)
            postal = (row["postal_code"],) if row["postal_code"] else ()
            if known is None:
                rows[code] = Commune(
                    insee=code,
                    name=row["name"],
                    dept=row["dept"],
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    population=int(row["population"] or 0),
                    postal_codes=postal,
                )
            else:
                rows[code] = replace(known, postal_codes=known.postal_codes + postal)
    return rows
