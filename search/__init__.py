"""Understanding a message and finding services: what the conversation and the channels may use.

Names load on first use (PEP 562), so reading a message (`solibot parse`) does not pay for
SQLAlchemy and the search engine at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from search.audience import Audience, Filters
    from search.engine import Directory, Query, Result, SearchPage
    from search.geo import Point, distance_m
    from search.hours import Openness, OpenState, Timing, describe, describe_week, state_at
    from search.places import remote_geocoder
    from search.reading import Understanding, understand

_HOMES = {
    "Audience": "search.audience",
    "Filters": "search.audience",
    "Directory": "search.engine",
    "Query": "search.engine",
    "Result": "search.engine",
    "SearchPage": "search.engine",
    "Point": "search.geo",
    "distance_m": "search.geo",
    "OpenState": "search.hours",
    "Openness": "search.hours",
    "Timing": "search.hours",
    "describe": "search.hours",
    "describe_week": "search.hours",
    "state_at": "search.hours",
    "remote_geocoder": "search.places",
    "Understanding": "search.reading",
    "understand": "search.reading",
}

__all__ = [
    "Audience",
    "Directory",
    "Filters",
    "OpenState",
    "Openness",
    "Point",
    "Query",
    "Result",
    "SearchPage",
    "Timing",
    "Understanding",
    "describe",
    "describe_week",
    "distance_m",
    "remote_geocoder",
    "state_at",
    "understand",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'search' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
