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
import csv
import json
import math
import random
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from db.categories import taxonomy
from db.reference import CommuneRow, rows
from db.schedule import PARIS

SOURCE_NAME = "solibot-sample"
ID_BASE = 9_000_000
MEAN_SERVICES = 4.0
MAX_SERVICES = 10
ALSACE = (("68", 513, 2179), ("67", 818, 2718))  # (department, places, services) as on Soliguide

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FICTION_PHONES = {"01": "01 99 00", "02": "02 61 91", "03": "03 53 01", "04": "04 65 71", "05": "05 36 49"}
MOBILE_FICTION = "06 39 98"
_ARRONDISSEMENT = re.compile(r"\s+\d+(?:er|e) Arrondissement$")

Slots = dict[int, list[tuple[int, int]]]  # weekday → [(start, end)] in minutes, end <= 1440
Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Kind:
    id: str
    weight: float
    min_pop: int
    names: tuple[str, ...]
    intro: str
    pool: tuple[str, ...]
    core: int
    k: tuple[int, int, int]
    hours: str
    service_hours: Mapping[str, str]
    service_names: Mapping[str, str]
    modalities: Mapping[str, float]
    publics: Mapping[str, float]
    pro_p: float
    itinerary: bool


@dataclass(frozen=True, slots=True)
class _Data:
    departments: Mapping[str, tuple[str, str, str]]  # code → (name, region code, phone zone)
    kinds: tuple[Kind, ...]
    fancy: tuple[str, ...]
    quartier: tuple[str, ...]
    asso: tuple[str, ...]
    streets: Mapping[str, tuple[str, ...]]
    texts: Mapping[str, Any]  # French sentences, see db/data/sample/texts.json


def _read(name: str) -> str:
    return resources.files("db").joinpath(f"data/{name}").read_text("utf-8")


@cache
def _data() -> _Data:
    departments = {
        r["code"]: (r["name"], r["region_code"], r["phone_zone"])
        for r in csv.DictReader(_read("sample/departments.csv").splitlines())
    }
    raw = json.loads(_read("sample/archetypes.json"))
    kinds = tuple(
        Kind(
            id=k["id"],
            weight=float(k["weight"]),
            min_pop=int(k["min_pop"]),
            names=tuple(k["names"]),
            intro=k["intro"],
            pool=tuple(k["pool"]),
            core=int(k["core"]),
            k=(k["k"][0], k["k"][1], k["k"][2]),
            hours=k["hours"],
            service_hours=k.get("service_hours", {}),
            service_names=k.get("service_names", {}),
            modalities=k.get("modalities", {}),
            publics=k.get("publics", {}),
            pro_p=float(k.get("pro_p", 0.02)),
            itinerary=bool(k.get("itinerary", False)),
        )
        for k in raw["kinds"]
    )
    streets = json.loads(_read("sample/streets.json"))
    return _Data(
        departments,
        kinds,
        tuple(raw["fancy"]),
        tuple(raw["quartier"]),
        tuple(raw["asso"]),
        {k: tuple(v) for k, v in streets.items() if not k.startswith("_")},
        json.loads(_read("sample/texts.json")),
    )


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
    data = _data()
    rng = random.Random(seed)
    all_communes = communes()
    if services is None:
        targets = [(tuple(c for c in all_communes if c.dept == d), p, s) for d, p, s in ALSACE]
    elif services <= 0:
        return
    else:
        places = max(1, min(services, round(services / MEAN_SERVICES)))
        targets = [(all_communes, places, services)]
    builder = _Builder(rng, data, seed, now.astimezone(UTC))
    for pool, places, count in targets:
        for commune, kind, n_services in _plan(rng, pool, places, count, data.kinds):
            yield builder.place(commune, kind, n_services)


# ---------------------------------------------------------------- hours


def _add(slots: Slots, day: int, start: int, end: int) -> None:
    """A slot in minutes; one that runs past midnight is split onto the next day, as Soliguide stores it."""
    if end > 1440:
        slots.setdefault(day % 7, []).append((start, 1440))
        slots.setdefault((day + 1) % 7, []).append((0, end - 1440))
    else:
        slots.setdefault(day % 7, []).append((start, end))


def _h(hhmm: int) -> int:
    return hhmm // 100 * 60 + hhmm % 100


def _days(slots: Slots, days: range | list[int] | tuple[int, ...], *spans: tuple[int, int]) -> Slots:
    for d in days:
        for a, b in spans:
            end = _h(b)
            _add(slots, d, _h(a), end if end > _h(a) else end + 1440)
    return slots


def _pattern(rng: random.Random, name: str) -> Slots:
    """Real-life weekly patterns, in local time (HHMM below, minutes in the result)."""
    r = rng.random()
    week = range(5)
    s: Slots = {}
    if name == "office":
        am = (rng.choice((830, 900, 900, 900)), rng.choice((1200, 1200, 1230)))
        pm = (rng.choice((1330, 1400, 1400)), rng.choice((1630, 1700, 1700, 1730)))
        _days(s, week, am)
        _days(s, [d for d in week if not (r < 0.3 and d == 2)], pm)  # often closed Wednesday afternoon
        return s
    if name == "office_half":
        days = sorted(rng.sample(range(5), rng.randint(1, 3)))
        return _days(s, days, rng.choice(((900, 1200), (1400, 1700), (930, 1230), (1330, 1630))))
    if name == "distribution":
        days = sorted(rng.sample(range(6 if r < 0.2 else 5), rng.randint(1, 3)))
        return _days(
            s, days, rng.choice(((900, 1130), (1400, 1630), (1330, 1600), (930, 1200), (1600, 1830)))
        )
    if name == "morning":
        return _days(s, range(6 if r < 0.4 else 5), rng.choice(((800, 1130), (830, 1200), (900, 1200))))
    if name == "breakfast":
        return _days(s, range(7 if r < 0.3 else 5), rng.choice(((800, 1000), (830, 1000), (730, 930))))
    if name == "day_centre":
        if r < 0.3:
            _days(s, week, (900, 1700))
        else:
            _days(s, week, (830, 1230), (1330, 1700))
        if rng.random() < 0.4:
            _days(s, [5], (900, 1200))
        if rng.random() < 0.15:
            _days(s, [6], (1000, 1300))
        return s
    if name == "evening_meal":
        return _days(s, range(7), rng.choice(((1830, 2000), (1900, 2030), (1815, 1945))))
    if name == "meal":
        if r < 0.55:
            return _days(s, range(7 if rng.random() < 0.4 else 5), (1130, 1330))
        if r < 0.85:
            return _days(s, range(7), (1830, 2000))
        return _days(s, (5, 6), (1200, 1400))  # weekend-only, when the weekday canteens are closed
    if name == "weekend":
        return _days(s, (5, 6), (1000, 1200), (1400, 1700)) if r < 0.6 else _days(s, [5], (1000, 1600))
    if name == "h24" or (name == "h24_or_day" and r < 0.6):
        return _days(s, range(7), (0, 2359))
    if name == "h24_or_day":
        return _days(s, range(7), (700, 2100))
    if name == "night":
        nights = range(7) if r < 0.7 else range(5)
        return _days(s, nights, (rng.choice((1800, 1900, 1900, 2000)), rng.choice((700, 800, 800, 900))))
    if name == "shop":
        shop_days = range(1, 6) if r < 0.5 else range(5)
        if rng.random() < 0.3:
            return _days(s, sorted(rng.sample(list(shop_days), 2)), (1400, 1730))
        return _days(s, shop_days, (1000, 1200), (1400, 1800))
    if name == "library":
        _days(s, (1, 3, 4), (1400, 1800))
        return _days(s, (2, 5), (1000, 1200), (1400, 1800))
    if name == "course":
        days = sorted(rng.sample(range(5), 2))
        return _days(s, days, rng.choice(((1400, 1600), (1830, 2030), (930, 1130))))
    if name == "health":
        _days(s, week, (830, 1230), (1330, 1730))
        return _days(s, [5], (900, 1200)) if r < 0.15 else s
    if name == "bagagerie":
        return _days(s, range(7), (700, 1000), (1700, 2000))
    if name == "maraude":
        return _days(
            s, sorted(rng.sample(range(7), rng.randint(2, 4))) if r < 0.6 else range(7), (1930, 2230)
        )
    raise ValueError(f"unknown hours pattern {name!r}")


def _merge(slots: Slots, *more: Slots) -> Slots:
    out: Slots = {}
    for src in (slots, *more):
        for d, spans in src.items():
            out.setdefault(d, []).extend(spans)
    for d, spans in out.items():
        merged: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        out[d] = merged
    return out


def _hhmm(minutes: int) -> int:
    return 2359 if minutes >= 1440 else minutes // 60 * 100 + minutes % 60


def _week_json(slots: Slots, holidays: str) -> Doc:
    week: Doc = {}
    for d, name in enumerate(WEEKDAYS):
        spans = sorted(slots.get(d, ()))
        week[name] = {
            "open": bool(spans),
            "timeslot": [{"start": _hhmm(a), "end": _hhmm(b)} for a, b in spans],
        }
    week["closedHolidays"] = holidays
    week["description"] = None
    return week


# ---------------------------------------------------------------- texts

EXTRA_LANGUAGES = (
    ("en", 0.35),
    ("de", 0.12),
    ("ar", 0.15),
    ("es", 0.08),
    ("ru", 0.06),
    ("uk", 0.06),
    ("tr", 0.05),
    ("ro", 0.03),
    ("fa", 0.03),
    ("ps", 0.03),
    ("lsf", 0.02),
)
ALL_PUBLICS: Doc = {
    "gender": ["men", "women"],
    "administrative": ["regular", "asylum", "refugee", "undocumented"],
    "familialle": ["isolated", "family", "couple", "pregnant"],
    "other": [
        "violence",
        "addiction",
        "handicap",
        "lgbt",
        "hiv",
        "prostitution",
        "prison",
        "student",
        "mentalHealth",
    ],
}
AUDIENCES: dict[str, tuple[Doc, str]] = {  # profile → (changes to the open audience, who is meant)
    "women": ({"gender": ["women"]}, "aux femmes, seules ou avec enfants"),
    "families": ({"familialle": ["family", "pregnant"]}, "aux familles avec enfants et aux femmes enceintes"),
    "young": ({"age": {"min": 16, "max": 25}}, "aux jeunes de 16 à 25 ans"),
    "asylum": (
        {"administrative": ["asylum", "refugee"]},
        "aux demandeurs d'asile et aux personnes réfugiées",
    ),
    "addiction": ({"other": ["addiction"]}, "aux personnes usagères de drogues ou d'alcool"),
}


def _de(place: str) -> str:
    """French elision and contraction: "de Colmar", "d'Obernai", "du Havre", "des Ulis"."""
    if place.startswith("Le "):
        return "du " + place[3:]
    if place.startswith("Les "):
        return "des " + place[4:]
    return ("d'" if place[0] in "AEIOUYÉÈÊÎÏÔÂ" else "de ") + place


def _a(place: str) -> str:
    """ "à Colmar", "au Havre", "aux Mureaux"."""
    if place.startswith("Le "):
        return "au " + place[3:]
    if place.startswith("Les "):
        return "aux " + place[4:]
    return "à " + place


def _slug(text: str) -> str:
    """ "Restos du Cœur — Centre de Mulhouse" → "restos-du-coeur-centre-de", for made-up mail domains."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.lower().replace("œ", "oe")).encode("ascii", "ignore").decode()
    )
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        if len(slug) + len(word) > 32:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "accueil"


def _iso(t: datetime) -> str:
    """UTC with Mongo's millisecond precision, written the way the Soliguide export writes it."""
    t = t.astimezone(UTC)
    if t.microsecond == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}000Z"


# ---------------------------------------------------------------- documents


class _Builder:
    """Turns one planned place into a document; holds the one random stream so output stays reproducible."""

    def __init__(self, rng: random.Random, data: _Data, seed: int, now: datetime) -> None:
        self.rng, self.data, self.now = rng, data, now
        self.prefix = f"{0x5A000000 + seed % 0x1000000:08x}"
        self.tax = taxonomy()
        self.text = data.texts
        self.n = 0
        self.names: dict[str, int] = {}

    def _midnight(self, days: float) -> datetime:
        """Local midnight `days` from now, in UTC: Soliguide stores dated periods that way."""
        local = (self.now + timedelta(days=days)).astimezone(PARIS)
        return datetime(local.year, local.month, local.day, tzinfo=PARIS).astimezone(UTC)

    def _period(self, when: str) -> tuple[datetime, datetime | None]:
        r = self.rng
        if when == "current":
            return self._midnight(-r.randint(1, 20)), self._midnight(r.randint(2, 40))
        if when == "future":
            start = r.randint(3, 45)
            return self._midnight(start), self._midnight(start + r.randint(3, 30))
        if when == "past":
            end = r.randint(2, 120)
            return self._midnight(-end - r.randint(3, 30)), self._midnight(-end)
        return self._midnight(-r.randint(1, 60)), None  # open-ended

    def _dated(self, when: str) -> Doc:
        start, end = self._period(when)
        actif = self.now >= start - timedelta(days=15) and (end is None or self.now <= end)
        return {"actif": actif, "dateDebut": _iso(start), "dateFin": _iso(end) if end else None}

    def _position(self, commune: CommuneRow, spread_km: float) -> Doc:
        r, data = self.rng, self.data
        dist = spread_km * math.sqrt(r.random())
        angle = r.random() * 2 * math.pi
        lat = commune.lat + dist * math.cos(angle) / 111.32
        lon = commune.lon + dist * math.sin(angle) / (111.32 * math.cos(math.radians(commune.lat)))
        if commune.population < 2000 and r.random() < 0.7:
            street = r.choice(data.streets["village"])
        elif commune.dept in ("67", "68") and r.random() < 0.45:
            street = r.choice(data.streets["alsace"])
        else:
            street = r.choice(data.streets["town"])
        number = str(min(r.randint(1, 40), r.randint(1, 160))) + (" bis" if r.random() < 0.03 else "")
        city = _ARRONDISSEMENT.sub("", commune.name)
        dept_name, region, _ = data.departments[commune.dept]
        return {
            "address": f"{number} {street}, {commune.postal_code} {city}",
            "additionalInformation": "",
            "postalCode": commune.postal_code,
            "city": city,
            "cityCode": commune.insee,
            "department": dept_name,
            "departmentCode": commune.dept,
            "regionCode": region,
            "country": "fr",
            "location": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
            "timeZone": "Europe/Paris",
        }

    def _publics(self, profile: str | None, accueil: int) -> Doc:
        publics: Doc = {
            "accueil": 0,
            "age": {"min": 0, "max": 99},
            **{k: list(v) for k, v in ALL_PUBLICS.items()},
            "description": "",
        }
        if profile:
            changes, who = AUDIENCES[profile]
            lead = "Accueil réservé " if accueil == 2 else "Accueil en priorité "
            publics |= changes
            publics["accueil"], publics["description"] = accueil, lead + who + "."
        elif accueil:
            publics["accueil"], publics["description"] = accueil, "Priorité aux personnes sans domicile."
        return publics

    def _modalities(self, odds: Mapping[str, float]) -> Doc:
        r = self.rng

        def checked(key: str, texts: list[str]) -> Doc:
            on = r.random() < odds.get(key, 0.03)
            return {"checked": on, "precisions": r.choice(texts) if on else ""}

        appointment = checked("appointment", self.text["appointments"])
        inscription = checked("inscription", self.text["inscriptions"])
        orientation = checked("orientation", self.text["orientations"])
        price = checked("price", self.text["prices"])
        return {
            "inconditionnel": not (
                appointment["checked"] or inscription["checked"] or orientation["checked"]
            ),
            "appointment": appointment,
            "inscription": inscription,
            "orientation": orientation,
            "price": price,
            "animal": {"checked": r.random() < odds.get("animal", 0.08)},
            "pmr": {"checked": r.random() < 0.55},
            "docs": [],
            "other": "",
        }

    def _holidays(self, pattern: str) -> str:
        r = self.rng.random()
        if pattern in ("h24", "h24_or_day", "night", "evening_meal", "bagagerie", "maraude"):
            return "OPEN" if r < 0.7 else "UNKNOWN"
        return "CLOSED" if r < 0.6 else ("UNKNOWN" if r < 0.9 else "OPEN")

    def _services(
        self,
        kind: Kind,
        count: int,
        place_slots: Slots | None,
        holidays: str,
        place_publics: Doc,
        place_modalities: Doc,
        created: datetime,
    ) -> tuple[list[Doc], list[Slots]]:
        r = self.rng
        core = list(kind.pool[: kind.core])
        chosen = set(core[:count] + r.sample(kind.pool[kind.core :], max(0, count - len(core))))
        out: list[Doc] = []
        own: list[Slots] = []
        for j, cid in enumerate(c for c in kind.pool if c in chosen):
            slots = place_slots
            different = False
            if place_slots is not None and cid in kind.service_hours and r.random() < 0.85:
                slots, different = _pattern(r, kind.service_hours[cid]), True
            elif place_slots is not None and cid not in kind.pool[: kind.core] and r.random() < 0.05:
                slots, different = _pattern(r, "office_half"), True
            if different and slots is not None:
                own.append(slots)
            diff_publics = r.random() < 0.04
            diff_modalities = r.random() < 0.05
            notes = self.text["service_notes"].get(cid)
            status = "HIGH" if (s := r.random()) < 0.04 else ("MEDIUM" if s < 0.12 else "LOW")
            closed = r.random() < 0.02
            service: Doc = {
                "category": cid,
                "name": kind.service_names.get(cid),
                "description": f"<p>{r.choice(notes)}</p>" if notes and r.random() < 0.35 else None,
                "differentHours": different,
                "hours": _week_json(slots or {}, holidays),
                "differentPublics": diff_publics,
                "publics": self._publics(r.choice(("women", "young", "families")), 2)
                if diff_publics
                else place_publics,
                "differentModalities": diff_modalities,
                "modalities": self._modalities({"appointment": 0.7, "inscription": 0.3})
                if diff_modalities
                else place_modalities,
                "close": self._dated(r.choice(("current", "future")))
                if closed
                else {"actif": False, "dateDebut": None, "dateFin": None},
                "saturated": {
                    "status": status,
                    "precision": r.choice(self.text["saturation"][status]) if status != "LOW" else "",
                },
                "serviceObjectId": f"{self.prefix}{self.n:08x}{j + 1:08x}",
                "createdAt": _iso(created),
            }
            legacy = self.tax.by_id[cid].legacy_ids
            if legacy and r.random() < 0.8:
                service["categorie"] = legacy[0]
            out.append(service)
        return out, own

    def _temp_infos(self) -> Doc:
        r = self.rng
        closure: Doc = {"actif": False, "dateDebut": None, "dateFin": None, "description": None}
        hours: Doc = {"actif": False, "dateDebut": None, "dateFin": None, "description": None, "hours": None}
        message: Doc = {"actif": False, "dateDebut": None, "dateFin": None, "description": None, "name": None}
        if r.random() < 0.05:
            when = r.choices(("current", "future", "past", "open"), (40, 25, 20, 15))[0]
            closure = {**self._dated(when), "description": r.choice(self.text["temp_closures"])}
        if r.random() < 0.025:
            hours = {
                **self._dated(r.choice(("current", "future"))),
                "description": r.choice(self.text["temp_hours"]),
                "hours": _week_json(_pattern(r, "office_half"), "UNKNOWN"),
            }
        if r.random() < 0.03:
            name, text = r.choice(self.text["temp_messages"])
            message = {
                **self._dated(r.choice(("current", "current", "future", "open"))),
                "description": f"<p>{text}</p>",
                "name": name,
            }
        return {"closure": closure, "hours": hours, "message": message}

    def _name(self, kind: Kind, city: str, street: str) -> str:
        """A fresh name if a few draws find one; else a second "CCAS de Colmar" becomes an antenna."""
        r, data = self.rng, self.data
        name = ""
        for _ in range(4):
            template = r.choice(kind.names).replace("de {city}", _de(city)).replace("à {city}", _a(city))
            name = template.format(
                city=city,
                fancy=r.choice(data.fancy),
                quartier=r.choice(data.quartier),
                asso=r.choice(data.asso),
                street=street,
            )
            if name not in self.names:
                break
        seen = self.names.get(name, 0)
        self.names[name] = seen + 1
        if not seen:
            return name
        quartier = r.choice([q for q in data.quartier if q not in name])
        antenna = "" if "Antenne" in name else "Antenne "
        return name + (f" — {antenna}{quartier}" if seen < 4 else f" — {antenna}n° {seen + 1}")

    def place(self, commune: CommuneRow, kind: Kind, count: int) -> Doc:
        r, data = self.rng, self.data
        self.n += 1
        lieu_id = ID_BASE + self.n
        spread = 1.5 if commune.population >= 20000 else 0.4 + 1.1 * commune.population / 20000
        position = self._position(commune, spread)
        street = position["address"].split(",")[0].split(" ", 1)[1].removeprefix("bis ")
        city = position["city"]
        name = self._name(kind, city, street)
        holidays = self._holidays(kind.hours)
        parcours: list[Doc] = []
        pattern = _pattern(r, kind.hours)
        slots: Slots | None = pattern
        if kind.itinerary:
            days = sorted(d for d in pattern if pattern[d])
            start, length = _h(r.choice((1900, 1930, 2000))), r.choice((30, 45, 60))
            stop_slots: list[Slots] = []
            for i in range(r.randint(2, 5)):
                s: Slots = {}
                for d in days:
                    _add(s, d, start + i * length, start + (i + 1) * length)
                stop_slots.append(s)
                parcours.append(
                    {
                        "description": f"Arrêt {i + 1} — {r.choice(self.text['stop_spots'])}",
                        "hours": _week_json(s, holidays),
                        "photos": [],
                        "position": position if i == 0 else self._position(commune, min(spread, 1.0)),
                    }
                )
            slots = _merge({}, *stop_slots)
        unknown = not kind.itinerary and r.random() < 0.03
        if unknown:
            slots = None
        verified = self.now - timedelta(days=548 * r.random() ** 1.3, seconds=r.randint(0, 86399))
        created = verified - timedelta(days=r.randint(0, 5 * 365), seconds=r.randint(0, 86399))
        updated = verified + (self.now - verified) * r.random() * 0.3
        place_publics = self._publics(None, 0)
        for profile, p in kind.publics.items():
            if r.random() < p:
                place_publics = self._publics(profile, 1 if profile == "addiction" or r.random() < 0.3 else 2)
                break
        else:
            if r.random() < 0.03:
                place_publics = self._publics(None, 1)
        modalities = self._modalities(kind.modalities)
        services, own = self._services(kind, count, slots, holidays, place_publics, modalities, created)
        if slots is not None and own:
            slots = _merge(slots, *own)  # a place is open whenever one of its services is
        labels = [self.tax.by_id[s["category"]].label("fr") for s in services]
        listing = ", ".join(label[0].lower() + label[1:] for label in labels)
        intro = kind.intro.replace("{city}", city)
        phones = []
        if kind.id not in ("public_toilets", "fridge") and r.random() < 0.9:
            zone = data.departments[commune.dept][2]
            phones.append(
                {
                    "label": "",
                    "phoneNumber": f"{FICTION_PHONES[zone]} {r.randint(0, 99):02d} {r.randint(0, 99):02d}",
                    "countryCode": "fr",
                    "isSpecialPhoneNumber": False,
                }
            )
            if r.random() < 0.12 or kind.itinerary:
                phones.append(
                    {
                        "label": r.choice(("Portable", "Astreinte", "Coordination")),
                        "phoneNumber": f"{MOBILE_FICTION} {r.randint(0, 99):02d} {r.randint(0, 99):02d}",
                        "countryCode": "fr",
                        "isSpecialPhoneNumber": False,
                    }
                )
        slug = _slug(name.split(" — Antenne")[0])
        languages = ["fr"] + [
            code
            for code, p in EXTRA_LANGUAGES
            if r.random() < (p * 2.5 if code == "de" and commune.dept in ("67", "68") else p)
        ]
        status = r.choices(("ONLINE", "DRAFT", "OFFLINE"), (93, 4, 3))[0]
        return {
            "_id": f"{self.prefix}{self.n:08x}{0:08x}",
            "lieu_id": lieu_id,
            "name": name,
            "description": f"<p>{intro}</p><p>Sur place : {listing}.</p>",
            "status": status,
            "visibility": "PRO" if r.random() < kind.pro_p else "ALL",
            "placeType": "PARCOURS_MOBILE" if kind.itinerary else "LIEU",
            "position": position,
            "parcours": parcours,
            "entity": {
                "phones": phones,
                "mail": f"contact@{slug}.example" if r.random() < 0.55 else None,
                "website": f"https://www.{slug}.example" if r.random() < 0.35 else None,
                "facebook": None,
                "fax": None,
                "instagram": None,
            },
            "languages": languages,
            "publics": place_publics,
            "modalities": modalities,
            "newhours": None
            if unknown and r.random() < 0.35
            else _week_json(slots or {}, "UNKNOWN" if unknown else holidays),
            "tempInfos": self._temp_infos(),
            "services_all": services,
            "photos": [],
            "country": "fr",
            "sourceLanguage": "fr",
            "updatedByUserAt": _iso(verified),
            "createdAt": _iso(created),
            "updatedAt": _iso(updated),
            "sources": [{"name": SOURCE_NAME, "isOrigin": True, "ids": [{"id": str(lieu_id), "url": None}]}],
        }
