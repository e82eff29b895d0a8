"""One planned place → one Soliguide document: names, address, phones, services, hours, texts."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from db.categories import taxonomy
from db.reference import CommuneRow
from db.sample.data import Kind, SampleData
from db.sample.hours import Slots, add_slot, merge_slots, minutes, pattern, week_json
from db.schedule import PARIS

Doc = dict[str, Any]
SOURCE_NAME = "solibot-sample"
ID_BASE = 9_000_000
FICTION_PHONES = {"01": "01 99 00", "02": "02 61 91", "03": "03 53 01", "04": "04 65 71", "05": "05 36 49"}
MOBILE_FICTION = "06 39 98"
_ARRONDISSEMENT = re.compile(r"\s+\d+(?:er|e) Arrondissement$")

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


class Builder:
    """Turns one planned place into a document; holds the one random stream so output stays reproducible."""

    def __init__(self, rng: random.Random, data: SampleData, seed: int, now: datetime) -> None:
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

    def _holidays(self, hours: str) -> str:
        r = self.rng.random()
        if hours in ("h24", "h24_or_day", "night", "evening_meal", "bagagerie", "maraude"):
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
                slots, different = pattern(r, kind.service_hours[cid]), True
            elif place_slots is not None and cid not in kind.pool[: kind.core] and r.random() < 0.05:
                slots, different = pattern(r, "office_half"), True
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
                "hours": week_json(slots or {}, holidays),
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
                "hours": week_json(pattern(r, "office_half"), "UNKNOWN"),
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
        weekly = pattern(r, kind.hours)
        slots: Slots | None = weekly
        if kind.itinerary:
            days = sorted(d for d in weekly if weekly[d])
            start, length = minutes(r.choice((1900, 1930, 2000))), r.choice((30, 45, 60))
            stop_slots: list[Slots] = []
            for i in range(r.randint(2, 5)):
                s: Slots = {}
                for d in days:
                    add_slot(s, d, start + i * length, start + (i + 1) * length)
                stop_slots.append(s)
                parcours.append(
                    {
                        "description": f"Arrêt {i + 1} — {r.choice(self.text['stop_spots'])}",
                        "hours": week_json(s, holidays),
                        "photos": [],
                        "position": position if i == 0 else self._position(commune, min(spread, 1.0)),
                    }
                )
            slots = merge_slots({}, *stop_slots)
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
            slots = merge_slots(slots, *own)  # a place is open whenever one of its services is
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
            else week_json(slots or {}, "UNKNOWN" if unknown else holidays),
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
