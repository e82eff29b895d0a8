"""The searchable points in memory: per category, a k-d tree over their positions, with their ids,
hours of the week and hours (issue 12).

Why in memory rather than SQL's spatial indexes: a search asks for the few nearest points of some
categories, and ranks them by opening hours. SQLite's R*Tree and PostgreSQL's GiST index could not
hold the category (the spatial read returned seven times the rows a search needed), were re-read at
every widening step, and cost a statement each (PostgreSQL planning alone: 2–4 ms a statement).
Here a search reads nothing to rank: k-d trees (scipy's cKDTree over unit vectors, so that a chord
bounds a great-circle distance; one per category of the taxonomy, whose subtree is one range of
codes) give the points within a radius, and each point carries its hour mask and its hours (parsed
into a `Timing` on first use), so that only the page's cards come from SQL, in one statement.

The index is a copy of `search_point` (db.index.SearchPoints): each worker builds its own at start-up
(`Directory.prepare`), shares nothing, and replaces it whole when the directory's data stamp moves
(search.engine.Directory); it is never patched, so it is never half-updated. Memory: 31 MB at
200,000 services, 136 MB at 1,000,000 (docs/benchmarks.md, "Issue 12 — search").
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from db import EARTH_RADIUS_M, WEEK_HOURS, SearchPoints, Taxonomy
from search.facts import timing_of
from search.hours import Timing

_WORDS = (WEEK_HOURS + 63) // 64  # an hour mask in 64-bit words
_SLACK = 1e-9  # a chord a hair longer than the radius's: the exact distance decides (rounding)


def _unit(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    la, lo = np.radians(lat), np.radians(lon)
    return np.ascontiguousarray(
        np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))
    )


def _unit_point(lat: float, lon: float) -> npt.NDArray[np.float64]:
    la, lo = math.radians(lat), math.radians(lon)
    return np.array((math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)))


def words(mask: int) -> tuple[int, ...]:
    """An hour mask (db.schedule.hour_mask) as 64-bit words, lowest hours first."""
    return tuple((mask >> (64 * i)) & 0xFFFF_FFFF_FFFF_FFFF for i in range(_WORDS))


def _chord(radius_m: float) -> float:
    """The chord between unit vectors radius_m apart on the globe, a hair longer (see _SLACK)."""
    return 2 * math.sin(min(radius_m / EARTH_RADIUS_M, math.pi) / 2) * (1 + _SLACK)


@dataclass(frozen=True, slots=True)
class Nearby:
    """Points within a radius, nearest first (ties: by service, then stop), column by column.
    `now` and `soon`: the point's hour mask meets the hour asked / the hours until three later."""

    distance: npt.NDArray[np.float64]
    place: npt.NDArray[np.int32]
    stop: npt.NDArray[np.int32]
    service: npt.NDArray[np.int32]
    code: npt.NDArray[np.int32]
    timing: npt.NDArray[np.int32]
    now: npt.NDArray[np.bool_]
    soon: npt.NDArray[np.bool_]

    def within(self, radius_m: float) -> int:
        """How many of the points lie within radius_m."""
        return int(np.searchsorted(self.distance, radius_m, side="right"))


@dataclass(frozen=True, slots=True)
class _Category:
    start: int  # its points are [start, start + tree.n) in the index's arrays
    tree: cKDTree


class PointIndex:
    """What a search ranks, in memory (see the module's docstring). Built in a worker thread: a
    national directory takes a few seconds; immutable once built."""

    def __init__(self, points: SearchPoints, tax: Taxonomy) -> None:
        self.version: Hashable = points.version
        order = np.argsort(points.category_code, kind="stable")
        codes = points.category_code[order]
        self._xyz = _unit(points.lat[order], points.lon[order])
        self._place = points.place_id[order].astype(np.int32)
        self._stop = points.stop_id[order].astype(np.int32)
        self._service = points.service_id[order].astype(np.int32)
        self._code = codes.astype(np.int32)
        self._mask = points.mask[order].astype(np.int32)
        self._timing = points.timing[order].astype(np.int32)
        self._words = np.array([words(m) for m in points.masks], dtype=np.uint64).reshape(-1, _WORDS)
        self._hours = points.hours
        self._timings: list[Timing | None] = [None] * len(points.hours)
        # One tree per category of the taxonomy (a parent's codes are contiguous, its children's
        # included), per code, and one over all: a search asks one tree per category it names.
        self._trees: dict[tuple[int, int], _Category] = {}
        built: dict[tuple[int, int], _Category] = {}
        present = sorted(set(codes.tolist()))
        spans = {*tax.codes.values(), *((c, c) for c in present)}
        if present:
            spans.add((present[0], present[-1]))
        for low, high in spans:
            start, end = np.searchsorted(codes, [low, high + 1])
            if end > start:
                span = (int(start), int(end))
                if span not in built:  # a view, not a copy: every tree reads the index's positions
                    built[span] = _Category(
                        span[0], cKDTree(self._xyz[start:end], leafsize=16, copy_data=False)
                    )
                self._trees[(low, high)] = built[span]
        self._by_low: dict[int, list[int]] = {}
        for low, high in sorted(spans, key=lambda s: (s[0], -s[1])):
            self._by_low.setdefault(low, []).append(high)
        self._all = (present[0], present[-1]) if present else (0, -1)

    def timing(self, entry: int) -> Timing:
        """The hours of the points sharing this entry, read on first use (parsing every distinct
        set of hours of a national directory would take seconds of start-up; a search needs a few)."""
        timing = self._timings[entry]
        if timing is None:  # two threads may both read it: the same value, either kept
            timing = self._timings[entry] = timing_of(self._hours[entry])
        return timing

    def __len__(self) -> int:
        return len(self._code)

    def _cover(self, ranges: Sequence[tuple[int, int]]) -> list[_Category]:
        """The fewest trees holding exactly the points of these code ranges (all when none): a
        category's own tree, else its children's."""
        trees = []
        for low, high in ranges or (self._all,):
            code = low
            while code <= high:
                top = next((h for h in self._by_low.get(code, ()) if h <= high), code)
                if (tree := self._trees.get((code, top))) is not None:
                    trees.append(tree)
                code = top + 1
        return trees

    def reach(
        self, lat: float, lon: float, ranges: Sequence[tuple[int, int]], count: int, radius_m: float
    ) -> float:
        """The distance of the `count`-th nearest point of these categories; radius_m if fewer lie
        within it."""
        x, bound = _unit_point(lat, lon), _chord(radius_m)
        found = [
            np.atleast_1d(tree.tree.query(x, k=min(count, tree.tree.n), distance_upper_bound=bound)[0])
            for tree in self._cover(ranges)
        ]
        chords = np.sort(np.concatenate(found)) if len(found) > 1 else found[0] if found else np.zeros(0)
        if len(chords) < count or not np.isfinite(chords[count - 1]):
            return radius_m
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, float(chords[count - 1]) / 2))

    def near(
        self,
        lat: float,
        lon: float,
        ranges: Sequence[tuple[int, int]],
        radius_m: float,
        now: int,
        soon: tuple[int, ...],
    ) -> Nearby:
        """The points of these categories (code ranges; all when none) within radius_m of (lat, lon),
        nearest first; `now` is an hour of the week, `soon` a mask in words (see Nearby)."""
        x, chord = _unit_point(lat, lon), _chord(radius_m)
        found = []
        for tree in self._cover(ranges):
            hits = tree.tree.query_ball_point(x, chord, return_sorted=False)
            if hits:
                found.append(np.asarray(hits, dtype=np.int64) + tree.start)
        at = np.concatenate(found) if len(found) > 1 else found[0] if found else np.zeros(0, dtype=np.int64)
        chords = np.linalg.norm(self._xyz[at] - x, axis=1)
        distance = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chords / 2))
        inside = distance <= radius_m
        at, distance = at[inside], distance[inside]
        order = np.lexsort((self._stop[at], self._service[at], distance))
        at, distance = at[order], distance[order]
        mask = self._words[self._mask[at]]
        word, bit = divmod(now, 64)
        return Nearby(
            distance=distance,
            place=self._place[at],
            stop=self._stop[at],
            service=self._service[at],
            code=self._code[at],
            timing=self._timing[at],
            now=((mask[:, word] >> np.uint64(bit)) & np.uint64(1)).astype(bool),
            soon=(mask & np.array(soon, dtype=np.uint64)).any(axis=1),
        )
