"""Understanding a message and finding services: what the conversation and the composition root use."""

from db import DAY_END, PARIS, Category, Taxonomy, Week, taxonomy
from search.audience import Audience, Filters
from search.engine import Directory, Query, Result, SearchPage
from search.geo import Point, distance_m
from search.hours import Openness, OpenState, Timing, state_at, week_slots
from search.places import PlaceMatch, find_place
from search.reading import Understanding, understand

__all__ = [
    "DAY_END",
    "PARIS",
    "Audience",
    "Category",
    "Directory",
    "Filters",
    "OpenState",
    "Openness",
    "PlaceMatch",
    "Point",
    "Query",
    "Result",
    "SearchPage",
    "Taxonomy",
    "Timing",
    "Understanding",
    "Week",
    "distance_m",
    "find_place",
    "state_at",
    "taxonomy",
    "understand",
    "week_slots",
]
