"""Understanding a message and finding services: what the conversation and the composition root use."""

from db import DAY_END, PARIS, Category, Period, Taxonomy, Week, taxonomy
from search.audience import Audience, Filters
from search.engine import RADII_KM, Directory, Query, Result, SearchPage
from search.gazetteer import HOME_DEPARTMENTS
from search.geo import Point, distance_m
from search.hours import Openness, OpenState, Timing, prepare_holidays, state_at, week_slots
from search.language import detect_language, words_of
from search.lexicon import match_key, town_words
from search.places import PlaceMatch, find_place, names_a_street, street_span
from search.prebuilt import load_or_build, unchanged
from search.prebuilt import use_directory as use_index_directory
from search.reading import Understanding, understand
from search.territory import commune_at
from search.textnorm import GAP, alternation, expand_piece, fold, term_pieces

__all__ = [
    "DAY_END",
    "GAP",
    "HOME_DEPARTMENTS",
    "PARIS",
    "RADII_KM",
    "Audience",
    "Category",
    "Directory",
    "Filters",
    "OpenState",
    "Openness",
    "Period",
    "PlaceMatch",
    "Point",
    "Query",
    "Result",
    "SearchPage",
    "Taxonomy",
    "Timing",
    "Understanding",
    "Week",
    "alternation",
    "commune_at",
    "detect_language",
    "words_of",
    "distance_m",
    "expand_piece",
    "find_place",
    "fold",
    "match_key",
    "names_a_street",
    "load_or_build",
    "unchanged",
    "state_at",
    "street_span",
    "taxonomy",
    "term_pieces",
    "prepare_holidays",
    "town_words",
    "understand",
    "use_index_directory",
    "week_slots",
]
