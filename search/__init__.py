"""Understanding a message and finding services: what the conversation and the channels may use."""

from search.audience import Audience, Filters
from search.engine import Directory, Query, Result, SearchPage
from search.geo import Point, distance_m
from search.hours import Openness, OpenState, Timing, describe, describe_week, state_at
from search.understand import Understanding, understand

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
    "state_at",
    "understand",
]
