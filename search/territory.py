"""The commune of a point: the nearest commune centre, found on a grid of the reference communes."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from db import Commune, communes, haversine_m
from search.geo import Point
from search.prebuilt import Parts, load_or_build_parts

CELL_DEGREES = 0.1  # about 11 km north-south: a commune centre is rarely more than one cell away
MAX_RINGS = 4  # farther than about 45 km from any commune centre: at sea or abroad, no commune


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


@cache
def _grid() -> Parts[tuple[int, int], tuple[Commune, ...]]:
    """Communes by grid cell of their centre, built once (reading every commune costs about a second)
    or read back from the last process's build (search/prebuilt.py), a cell's communes made when the
    cell is first looked at (making all 35,000 cost a tenth of a second at a process's first search)."""
    return load_or_build_parts("territory", _build_grid, _plain, _from_plain)


def _plain(found: tuple[Commune, ...]) -> tuple[tuple[Any, ...], ...]:
    return tuple((c.insee, c.name, c.dept, c.lat, c.lon, c.population, c.postal_codes) for c in found)


def _from_plain(rows: Any) -> tuple[Commune, ...]:
    return tuple(Commune(*row) for row in rows)


def _build_grid() -> dict[tuple[int, int], tuple[Commune, ...]]:
    """Paris, Lyon and Marseille as a whole are left out: their arrondissements are the communes a
    point falls in."""
    cells: dict[tuple[int, int], list[Commune]] = {}
    for commune in communes().values():
        if commune.insee in ("75056", "69123", "13055"):
            continue
        cells.setdefault(_cell(commune.lat, commune.lon), []).append(commune)
    return {cell: tuple(found) for cell, found in cells.items()}


def commune_at(point: Point) -> Commune | None:
    """The commune whose centre is nearest: the reference data has centres, not boundaries, so a
    point near a border may be given the neighbour (documented in docs/indicators.md). Statistics
    keep this commune, never the point."""
    grid = _grid()
    row, col = _cell(point.lat, point.lon)
    best: tuple[float, Commune] | None = None
    for ring in range(MAX_RINGS + 1):
        for r in range(row - ring, row + ring + 1):
            for c in range(col - ring, col + ring + 1):
                if max(abs(r - row), abs(c - col)) != ring:
                    continue
                for commune in grid.get((r, c), ()):
                    d = haversine_m(point.lat, point.lon, commune.lat, commune.lon)
                    if best is None or d < best[0]:
                        best = (d, commune)
        # A centre in the next ring can still be nearer than one found in this ring, never one beyond.
        if best is not None and best[0] <= ring * CELL_DEGREES * 111_000 * math.cos(math.radians(point.lat)):
            break
    return best[1] if best is not None else None
