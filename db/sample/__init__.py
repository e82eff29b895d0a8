"""A GENERATED sample directory of social services in the Soliguide export format, for demos and benchmarks.

Nothing here is a real service. Every place, name, address, phone number and opening hour is made
up by a seeded random generator; only the communes (names, postcodes, INSEE codes, coordinates,
populations from `db/data/fr_communes.csv.gz`) and the category taxonomy are real. Each document
says so in `sources` (name ``solibot-sample``) and its `lieu_id` starts at 9,000,001, far above
Soliguide's own ids. Phone numbers come from the ranges ARCEP reserves for works of fiction
(01 99 00, 02 61 91, 03 53 01, 04 65 71, 05 36 49, 06 39 98) and e-mail and web addresses use the
reserved ``.example`` domain, so no one real is reached by a demo user.

The recipe, so the output looks like a directory a user could meet:
- default: Alsace at Soliguide's real scale there (Haut-Rhin 513 places / 2,179 services,
  Bas-Rhin 818 / 2,718); ``services=N``: metropolitan France with N services, ~4 per place;
- a place lands in a commune drawn by population^1.2 (cities hold most of the directory, villages
  get a CCAS or a France Services), ~1.5 km around the commune point, at a made-up street address;
- a place is one of the kinds in `db/data/sample/archetypes.json` (food bank antenna, day centre,
  night stop, PASS, CAARUD, maraude itinerary, ...) which sets its name, its related categories and
  its hours pattern: office hours with a lunch break, evening meals, weekends, 24/7, night stops
  19:00–08:00 stored split at midnight the Soliguide way;
- ~3 % unknown hours, ~5 % temporary closures (past, current, future, open-ended), temporary hours
  and messages, ~2 % closed services, saturation, audiences, modalities, languages, and a last
  verification 0–18 months before `now`.

The same seed and `now` give byte-identical documents: one `random.Random(seed)`, inputs read in
file order, no set or hash ordering anywhere.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache

from db.reference import CommuneRow, rows
from db.sample.data import Kind, sample_data
from db.sample.documents import ID_BASE, SOURCE_NAME, Builder, Doc

__all__ = ["ALSACE", "ID_BASE", "SOURCE_NAME", "communes", "generate"]

MEAN_SERVICES = 4.0
MAX_SERVICES = 10
ALSACE = (("68", 513, 2179), ("67", 818, 2718))  # (department, places, services) as on Soliguide


def communes() -> tuple[CommuneRow, ...]:
    """Metropolitan communes × postcode in file order; DROM/COM and rows without a postcode are left out."""
    return _metropolitan()


@cache
def _metropolitan() -> tuple[CommuneRow, ...]:
    return tuple(r for r in rows() if r.postal_code and len(r.dept) == 2)


# ---------------------------------------------------------------- planning: where, what, how many


def _plan(
    rng: random.Random, pool: tuple[CommuneRow, ...], places: int, services: int, kinds: tuple[Kind, ...]
) -> list[tuple[CommuneRow, Kind, int]]:
    """Draw communes and kinds, then nudge the services per place until they sum to `services` exactly."""
    rows_per_insee: dict[str, int] = {}
    for c in pool:
        rows_per_insee[c.insee] = rows_per_insee.get(c.insee, 0) + 1
    cum: list[float] = []
    total = 0.0
    for c in pool:  # a commune's weight is shared between its postcodes
        total += max(c.population, 50) ** 1.2 / rows_per_insee[c.insee]
        cum.append(total)
    kind_cum: dict[int, tuple[list[float], list[Kind]]] = {}
    plan: list[tuple[CommuneRow, Kind, int]] = []
    for _ in range(places):
        commune = pool[min(bisect.bisect_left(cum, rng.random() * total), len(pool) - 1)]
        eligible_n = sum(1 for k in kinds if commune.population >= k.min_pop)
        if eligible_n not in kind_cum:
            eligible = [k for k in kinds if commune.population >= k.min_pop]
            acc, weights = 0.0, []
            for k in eligible:
                acc += k.weight
                weights.append(acc)
            kind_cum[eligible_n] = (weights, eligible)
        weights, eligible = kind_cum[eligible_n]
        kind = eligible[min(bisect.bisect_left(weights, rng.random() * weights[-1]), len(eligible) - 1)]
        lo, mode, hi = kind.k
        plan.append((commune, kind, max(1, min(hi, round(rng.triangular(lo, hi, mode))))))
    counts = [p[2] for p in plan]
    caps = [min(MAX_SERVICES, len(p[1].pool)) for p in plan]
    if not places <= services <= sum(caps):
        raise ValueError(f"cannot spread {services} services over {places} places")
    diff = services - sum(counts)
    while diff:
        i = rng.randrange(places)
        if diff > 0 and counts[i] < caps[i]:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return [(c, k, n) for (c, k, _), n in zip(plan, counts, strict=True)]


def generate(*, seed: int = 2026, services: int | None = None, now: datetime) -> Iterator[Doc]:
    """Yield GENERATED Soliguide place documents; see the module docstring for the recipe.

    Args:
        seed: same seed and same `now` → identical output.
        services: None for Alsace at real scale; N for a national set of exactly N services.
        now: aware datetime; verification dates and temporary closures are placed around it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    data = sample_data()
    rng = random.Random(seed)
    all_communes = communes()
    if services is None:
        targets = [(tuple(c for c in all_communes if c.dept == d), p, s) for d, p, s in ALSACE]
    elif services <= 0:
        return
    else:
        places = max(1, min(services, round(services / MEAN_SERVICES)))
        targets = [(all_communes, places, services)]
    builder = Builder(rng, data, seed, now.astimezone(UTC))
    for pool, places, count in targets:
        for commune, kind, n_services in _plan(rng, pool, places, count, data.kinds):
            yield builder.place(commune, kind, n_services)
