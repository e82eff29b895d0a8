"""The searchable points in memory: per category, a k-d tree over their positions, with their ids,
hours of the week and hours (issue 12).

Why in memory rather than SQL's spatial indexes: a search asks for the few nearest points of some
categories, and ranks them by opening hours. SQLite's R*Tree and PostgreSQL's GiST index could not
hold the category (the spatial read returned seven times the rows a search needed), were re-read at
every widening step, and cost a statement each (PostgreSQL planning alone: 2–4 ms a statement).
Here a search reads nothing to rank: k-d trees (scipy's cKDTree over unit vectors, so that a chord
bounds a great-circle distance; one per category of the taxonomy, whose subtree is one range of
codes) give the nearest points, and each point carries its hour mask and its hours (parsed into a
`Timing` when the index is built, equal values kept once), so that only the page's cards come from
SQL, in one statement. An index of up to SCANNED points (a town's or a department's directory, the
Alsace sample) plants no tree: each search computes the chord to every point of its categories, which
costs less than importing scipy does for one `solibot chat --once` (0.3 s); the results are the same
(tests/search/test_points.py and the engine's brute-force tests run both ways).

The index is a copy of `search_point` (db.index.SearchPoints): each worker builds its own at start-up
(`Directory.prepare`), shares nothing, and replaces it whole when the directory's data stamp moves
(search.engine.Directory); it is never patched, so it is never half-updated. A large directory is
read and indexed in a child process (db.sql.SqlIndex.built), and the index sent back without its
trees, planted again in the worker: reading a million rows and parsing their hours peaks at hundreds
of megabytes, which the worker's heap would otherwise keep, fragmented, for its life.
Memory at 1,000,000 services (927,372 points): positions 21 MB, the rows of ids and hours' numbers
14 MB, codes 2 MB, trees 28 MB (scipy's nodes, outside tracemalloc), and the hours as their distinct
weeks and periods (10 MB) with a table of numbers, each made into a `Timing` when a search reads it
(kept as 151,682 objects they were 15 MB more); a point's hour mask is found from its hours' number
(a distinct pair of hours and mask), its code has a column of two bytes (docs/benchmarks.md, "Memory
at 1,000,000 services — fourth pass" and "Issue 12 — fourth pass: where each target stands").
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields
from importlib.machinery import PathFinder
from importlib.util import module_from_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from db import EARTH_RADIUS_M, WEEK_HOURS, SearchPoints, Taxonomy
from search.facts import timings
from search.hours import Timing

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

_WORDS = (WEEK_HOURS + 63) // 64  # an hour mask in 64-bit words
# An index of this many points or fewer (the Alsace sample: 5,000) is scanned whole at each search
# instead of asking trees: a few tens of microseconds a search, and no scipy to import for one message.
SCANNED = 20_000
_LEAF = 64  # points a leaf of a tree holds: 8 MB less than 32 at 1,000,000 services, searches as fast
_SLACK = 1e-9  # a chord a hair longer than the radius's: the exact distance decides (rounding)
_PLACE, _STOP, _SERVICE, _TIMING = range(4)  # PointIndex's columns


_LOADING = threading.Lock()
_CKDTREE = "scipy.spatial._ckdtree"


def _kd_tree() -> type[cKDTree]:
    """scipy's cKDTree without the rest of scipy.spatial, whose package imports scipy.linalg and
    scipy.special (15 MB of a worker's memory, 0.1 s): its compiled module, found in the package's
    folder and registered under its own name, so that a later `import scipy.spatial` shares it."""
    with _LOADING:
        if _CKDTREE not in sys.modules:
            import scipy  # noqa: PLC0415 - not for a small index

            spec = PathFinder.find_spec(_CKDTREE, [str(Path(scipy.__file__).parent / "spatial")])
            if spec is None or spec.loader is None:  # not where scipy 1.8 to 1.17 keep it
                from scipy.spatial import cKDTree as public  # noqa: PLC0415

                return cast("type[cKDTree]", public)
            module = sys.modules[_CKDTREE] = module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[_CKDTREE]
                raise
        return cast("type[cKDTree]", sys.modules[_CKDTREE].cKDTree)


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


def _metres(chord: float) -> float:
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, chord / 2))


def _chord(radius_m: float) -> float:
    """The chord between unit vectors radius_m apart on the globe, a hair longer (see _SLACK)."""
    return 2 * math.sin(min(radius_m / EARTH_RADIUS_M, math.pi) / 2) * (1 + _SLACK)


@dataclass(frozen=True, slots=True)
class Nearby:
    """The nearest points of some categories, nearest first (ties: by service, then stop), column by
    column: every point within `reach` (metres: the radius asked, or less, see PointIndex.near).
    `now` and `soon`: the point's hour mask meets the hour asked / the hours until three later."""

    reach: float
    distance: npt.NDArray[np.float64]
    columns: npt.NDArray[np.int32]  # a row a point: place, stop, service, hours' number
    code: npt.NDArray[np.int16]
    now: npt.NDArray[np.bool_]
    soon: npt.NDArray[np.bool_]

    @property
    def place(self) -> npt.NDArray[np.int32]:
        return self.columns[:, _PLACE]

    @property
    def stop(self) -> npt.NDArray[np.int32]:
        return self.columns[:, _STOP]

    @property
    def service(self) -> npt.NDArray[np.int32]:
        return self.columns[:, _SERVICE]

    @property
    def timing(self) -> npt.NDArray[np.int32]:
        return self.columns[:, _TIMING]

    def covers(self, radius_m: float) -> bool:
        """Whether every point within radius_m is held."""
        return radius_m <= self.reach

    def picked(self, at: Sequence[int]) -> list[Picked]:
        """These points' columns as Python values, read at once: a page's ten points, read a value at
        a time (each a NumPy scalar), took ~28 µs against 5."""
        rows = zip(self.columns[at].tolist(), self.code[at].tolist(), self.distance[at].tolist(), strict=True)
        return [
            Picked(place, stop, service, timing, code, distance)
            for (place, stop, service, timing), code, distance in rows
        ]


class Picked(NamedTuple):
    """One point of a Nearby (see Nearby.picked)."""

    place: int
    stop: int
    service: int
    timing: int  # its hours' number (PointIndex.timing)
    code: int
    distance: float


_FIELDS = tuple(f.name for f in fields(Timing))
_MADE = 4096  # hours made into Timing objects kept at once (see PointIndex.timing)
# What a built index sends to a worker (see PointIndex.__getstate__), in this order.
_SENT = (
    "version",
    "_xyz",  # positions, unit vectors (float64)
    "_columns",  # a row a point: place, stop, service, hours' number (int32)
    "_codes",  # the points' category codes (int16)
    "_words",  # the distinct hour masks, as 64-bit words: a row a word, a column a mask
    "_values",  # the hours' distinct field values
    "_fields",  # distinct hours a row: their fields' numbers in the values (int32)
    "_hours_of",  # an hours' number (Nearby.timing): its row of distinct hours
    "_mask_of",  # an hours' number: its mask's
    "_spans",  # the code ranges a tree is planted for
)


def _tabled(hours: Sequence[Timing]) -> tuple[list[Any], npt.NDArray[np.int32]]:
    """Hours as their distinct field values and a table of their numbers, a row each: values equal
    by identity are kept once, as the hours shared them."""
    values: list[Any] = []
    numbers: dict[int, int] = {}  # by id: every value is alive in `hours` meanwhile
    table = np.empty((len(hours), len(_FIELDS)), dtype=np.int32)
    for row, timing in enumerate(hours):
        for column, name in enumerate(_FIELDS):
            value = getattr(timing, name)
            number = numbers.get(id(value))
            if number is None:
                number = numbers[id(value)] = len(values)
                values.append(value)
            table[row, column] = number
    return values, table


@dataclass(frozen=True, slots=True)
class _Category:
    start: int  # its points are [start, end) in the index's arrays
    end: int
    tree: cKDTree | None  # None in a small index: its points are scanned whole (see SCANNED)


class PointIndex:
    """What a search ranks, in memory (see the module's docstring). Built off the event loop: a
    national directory takes seconds; immutable once built."""

    def __init__(self, points: SearchPoints, tax: Taxonomy) -> None:
        self.version: Hashable = points.version
        order = np.argsort(points.category_code, kind="stable")
        codes = points.category_code[order]
        self._xyz = _unit(points.lat[order], points.lon[order])
        self._codes = codes.astype(np.int16)  # the taxonomy numbers its 134 categories: two bytes a point
        # One row a point, gathered at once by a search (four arrays would be four gathers).
        self._columns = np.empty((len(order), 4), dtype=np.int32)
        for column, ids in (
            (_PLACE, points.place_id),
            (_STOP, points.stop_id),
            (_SERVICE, points.service_id),
        ):
            self._columns[:, column] = ids[order]
        # Word by word (a row a word of the week's hours, a column a distinct mask): a search gathers
        # only the one or two words of the hours it asks.
        self._words = np.array([words(m) for m in points.masks], dtype=np.uint64).reshape(-1, _WORDS).T.copy()
        # Hours parsed now (no search pays for it), numbered by distinct value: a search reads the
        # state of each once, whichever entries share it.
        parsed = timings(points.hours)
        numbers: dict[int, int] = {}  # by id: every parsed value is alive in `parsed` meanwhile
        distinct: list[Timing] = []
        for timing in parsed:
            if id(timing) not in numbers:
                numbers[id(timing)] = len(distinct)
                distinct.append(timing)
        number = np.array([numbers[id(t)] for t in parsed], dtype=np.int64)
        # An hours' number a distinct (hours, mask) pair: its mask is found from it, no column of its own.
        masks = max(len(points.masks), 1)
        pairs = number[points.timing[order]] * masks + points.mask[order]
        kept, self._columns[:, _TIMING] = np.unique(pairs, return_inverse=True)
        self._hours_of = (kept // masks).astype(np.int32)
        self._mask_of = (kept % masks).astype(np.int32)
        # Kept as values and numbers, made into objects when a search reads them: as objects, the
        # hours of a million points were 20 MB of a worker (and unpickled, all alive at once).
        self._values, self._fields = _tabled(distinct)
        self._made: dict[int, Timing] = {}
        self._spans: set[tuple[int, int]] = {*tax.codes.values(), *((c, c) for c in set(codes.tolist()))}
        self._plant()

    def __getstate__(self) -> tuple[Any, ...]:
        """All but the trees (pickled, each would copy its points): built in a child process, the
        index is sent to the worker this way and its trees are planted again there."""
        return tuple(getattr(self, name) for name in _SENT)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(_SENT, state, strict=True):
            setattr(self, name, value)
        self._made = {}
        self._plant()

    def _plant(self) -> None:
        """One tree per category of the taxonomy (a parent's codes are contiguous, its children's
        included) and per code: a search asks one tree per category it names, and a search of
        every category the tree of each top category (a tree over all would double their memory)."""
        codes = self._codes
        spans = self._spans
        planted = len(codes) > SCANNED
        kd_tree = _kd_tree() if planted else None  # not for a small index (0.3 s to import)
        self._trees: dict[tuple[int, int], _Category] = {}
        built: dict[tuple[int, int], _Category] = {}
        for low, high in spans:
            start, end = np.searchsorted(codes, [low, high + 1])
            if end > start:
                span = (int(start), int(end))
                if span not in built:  # a view, not a copy: every tree reads the index's positions
                    tree = kd_tree(self._xyz[start:end], leafsize=_LEAF, copy_data=False) if kd_tree else None
                    built[span] = _Category(span[0], span[1], tree)
                self._trees[(low, high)] = built[span]
        self._by_low: dict[int, list[int]] = {}
        for low, high in sorted(spans, key=lambda s: (s[0], -s[1])):
            self._by_low.setdefault(low, []).append(high)
        self._all = (int(codes[0]), int(codes[-1])) if len(codes) else (0, -1)

    def timing(self, number: int) -> Timing:
        """The hours numbered so (Nearby.timing), made from their values at first read; the last
        _MADE made are kept (a search reads the same few again, a page's results among them)."""
        made = self._made.get(number)
        if made is None:
            if len(self._made) >= _MADE:
                self._made.clear()
            row = self._fields[self._hours_of[number]].tolist()
            made = self._made[number] = Timing(*map(self._values.__getitem__, row))
        return made

    def __len__(self) -> int:
        return len(self._columns)

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

    def near(
        self,
        lat: float,
        lon: float,
        ranges: Sequence[tuple[int, int]],
        radius_m: float,
        now: int,
        soon: tuple[int, ...],
        count: int | None = None,
    ) -> Nearby:
        """The points of these categories (code ranges; all when none) within radius_m of (lat, lon),
        nearest first: all of them, or with `count`, at least the `count` nearest and every point
        nearer than the farthest of them (see Nearby.reach: a k-nearest query, for a page in a town,
        which needs a few dozen points, not every one within a radius). `now` is an hour of the week,
        `soon` a mask in words (see Nearby)."""
        x, bound = _unit_point(lat, lon), _chord(radius_m)
        found, chords = [], []
        reach = math.inf  # a tree that returned `count` points holds them all only up to the farthest
        for tree in self._cover(ranges):
            if tree.tree is None:  # a small index: every point of the category, its chord computed
                offset = self._xyz[tree.start : tree.end] - x
                found.append(np.flatnonzero((offset * offset).sum(axis=1) <= bound * bound) + tree.start)
                continue
            if count is None:
                hits = tree.tree.query_ball_point(x, bound, return_sorted=False)
                found.append(np.asarray(hits, dtype=np.intp) + tree.start)
                continue
            k = min(count, tree.tree.n)
            chord, at = (np.atleast_1d(a) for a in tree.tree.query(x, k=k, distance_upper_bound=bound))
            held = k if chord[-1] < math.inf else int(np.searchsorted(chord, math.inf))
            if held == k < tree.tree.n:
                reach = min(reach, float(chord[-1]))
            found.append(at[:held] + tree.start)
            chords.append(chord[:held])
        at = found[0] if len(found) == 1 else np.concatenate(found) if found else np.zeros(0, dtype=np.intp)
        # Distances by the same arithmetic whatever the query (a longer read orders the same points
        # alike); held: within the radius, and nearer than `reach` (a point as far as the last one
        # returned may have a twin the tree left out), whose metres are kept a hair short.
        offset = self._xyz[at] - x
        distance = np.arcsin(np.sqrt((offset * offset).sum(axis=1)) * 0.5) * (2 * EARTH_RADIUS_M)
        inside = distance <= radius_m
        if reach < math.inf:
            inside &= (chords[0] if len(chords) == 1 else np.concatenate(chords)) < reach
        if not inside.all():
            at, distance = at[inside], distance[inside]
        columns = self._columns[at]
        order = _nearest_first(distance, columns)
        columns, distance, at = columns[order], distance[order], at[order]
        rows = self._mask_of[columns[:, _TIMING]]
        word, bit = divmod(now, 64)
        soon_mask = np.zeros(len(rows), dtype=bool)
        for number, hours in enumerate(soon):
            if hours:
                soon_mask |= (self._words[number][rows] & np.uint64(hours)) != 0
        return Nearby(
            reach=_metres(reach) * (1 - _SLACK) if reach < math.inf else radius_m,
            distance=distance,
            columns=columns,
            code=self._codes[at],
            now=(self._words[word][rows] & np.uint64(1 << bit)) != 0,
            soon=soon_mask,
        )


_SORTED_AT_ONCE = 128  # fewer points: one sort on the three keys is the quickest


def _nearest_first(distance: npt.NDArray[np.float64], columns: npt.NDArray[np.int32]) -> npt.NDArray[np.intp]:
    """The order of the points by distance, ties by service then stop. Many points are sorted by
    distance alone (2.5x quicker than on three keys for 2,000), and on the three keys only when two
    distances are equal."""
    if len(distance) > _SORTED_AT_ONCE:
        order = np.argsort(distance, kind="stable")
        ordered = distance[order]
        if not (ordered[1:] == ordered[:-1]).any():
            return order
    return np.lexsort((columns[:, _STOP], columns[:, _SERVICE], distance))
