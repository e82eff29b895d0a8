"""The directory's knowledge without its storage: taxonomy, hours as stored, reference data of France,
and the search index's values. Light on purpose: reading a message needs these, not SQLAlchemy
(the storage is `db.sql`)."""

from db.categories import Category, Taxonomy, taxonomy
from db.geo import EARTH_RADIUS_M, bounding_box, haversine_m
from db.index import CardFacts, HoursFacts, Index, IndexReader, Key, SearchPoints, candidate_mask
from db.reference import (
    Commune,
    CommuneRow,
    Department,
    Landmark,
    Locality,
    communes,
    departments,
    landmarks,
    localities,
)
from db.reference import rows as commune_rows
from db.sample import generate as generate_sample
from db.schedule import DAY_END, PARIS, SEARCH_ZONE, WEEK_HOURS, Period, Slot, Week

__all__ = [
    "DAY_END",
    "EARTH_RADIUS_M",
    "PARIS",
    "SEARCH_ZONE",
    "WEEK_HOURS",
    "CardFacts",
    "Category",
    "Commune",
    "CommuneRow",
    "Department",
    "HoursFacts",
    "Index",
    "IndexReader",
    "Key",
    "Landmark",
    "Locality",
    "Period",
    "SearchPoints",
    "Slot",
    "Taxonomy",
    "Week",
    "bounding_box",
    "candidate_mask",
    "commune_rows",
    "communes",
    "departments",
    "generate_sample",
    "haversine_m",
    "landmarks",
    "localities",
    "taxonomy",
]
