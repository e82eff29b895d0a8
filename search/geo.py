"""Points on the globe and the distances between them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from db import haversine_m


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0) or math.isnan(self.lat + self.lon):
            raise ValueError(f"coordinates out of range: {self.lat}, {self.lon}")


def distance_m(a: Point, b: Point) -> float:
    """Great-circle (haversine) distance in metres."""
    return haversine_m(a.lat, a.lon, b.lat, b.lon)
