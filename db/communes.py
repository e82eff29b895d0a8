"""Every French commune × postal code with its point and population, from db/data/fr_communes.csv.gz.

The one reader of that file for the directory side (sample generator, CLI, lexicon guards); the
place reader (search/places.py) builds its own search index from the same rows.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class CommuneRow:
    """A commune under one of its postal codes ("" for Paris, Lyon, Marseille as a whole)."""

    insee: str
    name: str
    postal_code: str
    dept: str
    lat: float
    lon: float
    population: int


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
def rows() -> tuple[CommuneRow, ...]:
    """All rows, in file order."""
    path = resources.files("db").joinpath("data/fr_communes.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        return tuple(
            CommuneRow(
                r["insee"],
                r["name"],
                r["postal_code"],
                r["dept"],
                float(r["lat"]),
                float(r["lon"]),
                int(r["population"] or 0),
            )
            for r in csv.DictReader(handle)
        )


@cache
def communes() -> dict[str, Commune]:
    """INSEE code → the commune with all its postal codes."""
    found: dict[str, Commune] = {}
    for row in rows():
        postal = (row.postal_code,) if row.postal_code else ()
        known = found.get(row.insee)
        if known is None:
            found[row.insee] = Commune(
                row.insee, row.name, row.dept, row.lat, row.lon, row.population, postal
            )
        else:
            found[row.insee] = Commune(
                known.insee,
                known.name,
                known.dept,
                known.lat,
                known.lon,
                known.population,
                known.postal_codes + postal,
            )
    return found
