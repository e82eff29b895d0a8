"""Reference data of France in db/data: communes × postal codes, localities, departments, Alsace places.

The one reader of each file: the sample generator, the CLI, the gazetteer and the lexicon guards all
read them here (sources and licences in db/data/README.md).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
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


def _rows(name: str) -> Iterator[dict[str, str]]:
    """The rows of a CSV file of db/data (gzipped when its name says so), by column name."""
    path = resources.files("db").joinpath(f"data/{name}")
    with path.open("rb") as raw:
        text = gzip.open(raw, "rt", encoding="utf-8", newline="") if name.endswith(".gz") else None
        handle = text or io.TextIOWrapper(raw, encoding="utf-8", newline="")
        with handle:
            rows = csv.reader(handle)
            header = next(rows)
            for row in rows:  # csv.reader and a zip: twice as fast as DictReader on 39,000 lines
                yield dict(zip(header, row, strict=True))


@cache
def rows() -> tuple[CommuneRow, ...]:
    """All communes × postal codes, in file order."""
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
        for r in _rows("fr_communes.csv.gz")
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


@dataclass(frozen=True, slots=True)
class Locality:
    """A named place inside a commune (a hamlet, a district) from La Poste's "ligne 5"."""

    name: str
    insee: str


def localities() -> Iterator[Locality]:
    for r in _rows("fr_localities.csv.gz"):
        yield Locality(r["name"], r["insee"])


@dataclass(frozen=True, slots=True)
class Landmark:
    """A railway station or a hospital of Alsace, which people name instead of a town."""

    kind: str  # gare | hopital
    name: str
    label: str
    insee: str
    commune_name: str
    dept: str
    lat: float
    lon: float


def landmarks() -> Iterator[Landmark]:
    for r in _rows("alsace_places.csv"):
        yield Landmark(
            r["kind"],
            r["name"],
            r["label"],
            r["insee"],
            r["commune_name"],
            r["dept"],
            float(r["lat"]),
            float(r["lon"]),
        )


@dataclass(frozen=True, slots=True)
class Department:
    """A department (or overseas collectivity) as Soliguide names it. Its search matches a department
    on `slug` (`position.slugs.departement`, Soliguide's slugLocation of the name), never on the code."""

    code: str
    name: str
    slug: str


@cache
def departments() -> dict[str, Department]:
    """Department code ("67", "2A", "974") → the department."""
    return {r["code"]: Department(r["code"], r["name"], r["slug"]) for r in _rows("fr_departments.csv")}
