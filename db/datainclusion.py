"""Reading data·inclusion structures and services (schema v1) into the rows of Soliguide-shaped places.

data·inclusion publishes two flat tables: `structures` (who, where, when) and `services` (what, for
whom, on what terms, sometimes somewhere else and at other hours). A structure becomes a place; each
of its services becomes one service row per Soliguide category its `thematiques` map to
(db/data/data_inclusion_thematiques.tsv), at the structure, or at a place of its own when it is given
elsewhere. Records are validated by data·inclusion's own models (`data-inclusion-schema`, v1), hours
are read by db/osm_hours.py, publics mapped by db/data/data_inclusion_publics.tsv. docs/data-inclusion.md
has every decision and what cannot be carried over.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from db.categories import Taxonomy
from db.geo import haversine_m
from db.osm_hours import OsmHours, read_opening_hours
from db.soliguide import PlaceRecord, RecordError

# data·inclusion's models are imported by the functions that read its files: at the top, they cost
# every process that opens the database (the db.sql face imports this module) a tenth of a second.
if TYPE_CHECKING:
    from data_inclusion.schema.v1 import Public

__all__ = [
    "SAME_PLACE_M",
    "SOLIGUIDE",
    "DiPlace",
    "Note",
    "Reading",
    "publics_table",
    "read_structure",
    "read_service",
    "soliguide_lieu_id",
    "thematiques_table",
]

SOLIGUIDE = "soliguide"  # data·inclusion's name of the producer Soliguide
SAME_PLACE_M = 50.0  # a service this close to its structure is given at the structure
_FILTERED = ("gender", "familialle", "administrative")  # the publics search filters on (search/audience.py)
_TIME_ZONES = {  # overseas departments and collectivities; the rest of France is Europe/Paris
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}


@dataclass(frozen=True, slots=True)
class Note:
    """Something imported with less than the record said, or left out on purpose: `kind` is
    `hours` (kept as unknown), `thematiques` (no Soliguide equivalent), `remote` (not a place to go)."""

    kind: str
    record_id: str
    detail: str


@dataclass(slots=True)
class DiPlace:
    """A place to write: its data·inclusion identity and producer, and the rows (lieu_id still 0:
    the importer gives each external id its number)."""

    external_id: str
    producer: str
    record: PlaceRecord


@dataclass(slots=True)
class Reading:
    places: list[DiPlace] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # services: (index, id, reason)
    notes: list[Note] = field(default_factory=list)


def _data_rows(name: str) -> list[list[str]]:
    text = resources.files("db").joinpath(f"data/{name}").read_text("utf-8")
    return [
        row for row in csv.reader(text.splitlines(), delimiter="\t") if row and not row[0].startswith("#")
    ]


@cache
def thematiques_table() -> dict[str, str | None]:
    """thematique → Soliguide category id, None where Soliguide has no equivalent."""
    return {
        row[0]: (None if row[1] == "-" else row[1]) for row in _data_rows("data_inclusion_thematiques.tsv")
    }


@cache
def publics_table() -> dict[str, tuple[str, tuple[str, ...]] | None]:
    """public → (Soliguide publics field, values), None where Soliguide has no such public."""
    return {
        row[0]: None if row[1] == "-" else (row[1], tuple(row[2].split(",")))
        for row in _data_rows("data_inclusion_publics.tsv")
    }


def soliguide_lieu_id(external_id: str) -> int | None:
    """data·inclusion names a Soliguide place `soliguide--<lieu_id>` (its own pipeline's rule)."""
    _, _, tail = external_id.partition(f"{SOLIGUIDE}--")
    return int(tail) if external_id.startswith(f"{SOLIGUIDE}--") and tail.isdigit() else None


def _normalised(doc: object) -> dict[str, Any]:
    """The open dumps are written by pandas: `date_maj` is an ISO date, or epoch milliseconds when
    the column was a timestamp; a timestamp string keeps its date."""
    if not isinstance(doc, Mapping):
        raise RecordError("record is not an object")
    out = dict(doc)
    stamp = out.get("date_maj")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and math.isfinite(stamp):
        try:
            out["date_maj"] = datetime.fromtimestamp(stamp / 1000, UTC).date().isoformat()
        except (OverflowError, OSError, ValueError) as exc:
            raise RecordError(f"date_maj {stamp!r} is not epoch milliseconds") from exc
    elif isinstance(stamp, str) and len(stamp) > 10 and stamp[10] in "T ":
        out["date_maj"] = stamp[:10]
    return out


def _invalid(exc: ValidationError) -> RecordError:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "record"
        if error["type"] == "enum":  # its message lists every allowed value
            parts.append(f"{where}: {str(error['input'])[:60]!r} is not a value of the v1 schema")
        else:
            parts.append(f"{where}: {error['msg']}")
    more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return RecordError("; ".join(parts) + more)


def _structure(doc: object) -> Any:
    from data_inclusion.schema.v1 import Structure

    try:
        return Structure.model_validate(_normalised(doc))
    except ValidationError as exc:
        raise _invalid(exc) from exc


def read_service(doc: object) -> Any:
    """A services record validated by data·inclusion's v1 model; RecordError says what is wrong."""
    from data_inclusion.schema.v1 import Service

    try:
        return Service.model_validate(_normalised(doc))
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value else ""


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def _department(insee: str | None, postal: str | None) -> str:
    code = insee or postal or ""
    if code[:2] in ("97", "98"):
        return code[:3]
    if insee and code[:2] in ("2A", "2B"):
        return code[:2]
    if code[:2] == "20" and code.isdigit():
        return "2A" if int(code) < 20200 else "2B"
    return code[:2]


def _address(record: Any) -> dict[str, str]:
    street = _text(record.adresse)
    extra = _text(record.complement_adresse)
    return {
        "address": f"{street} ({extra})" if street and extra else street or extra,
        "postal_code": record.code_postal or "",
        "city": _text(record.commune),
    }


def _hours_text(description: str, expression: str | None, hours: OsmHours) -> str:
    """Hours that could not be read stay readable: the expression is shown with the description."""
    if hours.problem is None or not expression:
        return description
    return "\n".join(p for p in (description, f"Horaires : {_text(expression)}") if p)


def _publics(values: Iterable[Public] | None, precisions: str | None) -> dict[str, Any]:
    """Soliguide `publics` for a service (see the header of db/data/data_inclusion_publics.tsv)."""
    names = sorted(str(v.value) for v in values or ())
    description = _text(precisions)
    if not names or names == ["tous-publics"]:
        return {"accueil": 0, "description": description}
    table = publics_table()
    fields: dict[str, list[str]] = {}
    for name in names:
        target = table.get(name)
        if target is not None:
            fields.setdefault(target[0], []).extend(
                v for v in target[1] if v not in fields.get(target[0], ())
            )
    from data_inclusion.schema.v1 import Public

    labels = ", ".join(Public(name).label for name in names)
    exclusive = len(fields) == 1 and next(iter(fields)) in _FILTERED and all(table.get(n) for n in names)
    return {
        "accueil": 2 if exclusive else 1,
        **fields,
        "description": " ".join(p for p in (f"Publics : {labels}.", description) if p),
    }


def _modalities(service: Any) -> dict[str, Any]:
    """Soliguide `modalities`: walk in or not, through a professional or not, free or not."""
    modes = {str(m.value) for m in service.modes_mobilisation or ()}
    by = {str(p.value) for p in service.mobilisable_par or ()}
    how = _text(service.mobilisation_precisions)
    appointment = (
        bool(modes) and "se-presenter" not in modes and bool(modes & {"telephoner", "envoyer-un-courriel"})
    )
    online = bool(modes) and not appointment and "se-presenter" not in modes
    referral = by == {"professionnels"}
    paid = service.frais is not None and str(service.frais.value) == "payant"
    return {
        "inconditionnel": not (appointment or online or referral),
        "appointment": {"checked": appointment, "precisions": how if appointment else ""},
        "inscription": {"checked": online, "precisions": how if online else ""},
        "orientation": {"checked": referral, "precisions": how if referral else ""},
        "price": {"checked": paid, "precisions": _text(service.frais_precisions)},
        "animal": {"checked": False},
        "pmr": {"checked": False},
        "other": _text(service.conditions_acces),
        "docs": [],
    }


def _categories(service: Any, tax: Taxonomy) -> tuple[list[str], list[str]]:
    """(Soliguide categories, thematiques with none), each in a stable order."""
    table = thematiques_table()
    found: list[str] = []
    missing: list[str] = []
    for thematique in sorted(str(t.value) for t in service.thematiques or ()):
        category = table.get(thematique)
        if category is None or category not in tax.by_id:
            missing.append(thematique)
        elif category not in found:
            found.append(category)
    return found, missing


def _place(
    structure: Any,
    where: Any,
    point: tuple[float, float] | None,
    hours: OsmHours,
) -> PlaceRecord:
    department = _department(where.code_insee, where.code_postal)
    updated = datetime.combine(structure.date_maj, datetime.min.time(), tzinfo=UTC)
    phone = _text(where.telephone) or _text(structure.telephone)
    address = _address(where)
    place: dict[str, Any] = {
        "lieu_id": 0,
        "name": _text(structure.nom),
        "description": _hours_text((structure.description or "").strip(), structure.horaires_accueil, hours),
        "status": "ONLINE",
        "visibility": "ALL",
        "place_type": "LIEU",
        **address,
        "city_code": where.code_insee or "",
        "department_code": department,
        "timezone": _TIME_ZONES.get(department, "Europe/Paris"),
        "lat": point[0] if point else None,
        "lon": point[1] if point else None,
        "phones": [{"label": "", "number": phone}] if phone else [],
        "email": str(where.courriel or structure.courriel or "") or None,
        "website": str(structure.site_web or structure.lien_source or "") or None,
        "languages": [],
        "publics": {},
        "modalities": {},
        "hours": hours.week.to_json() if hours.week else None,
        "closed_holidays": hours.closed_holidays,
        "temp_closure": None,
        "temp_hours": None,
        "temp_message": None,
        "updated_by_user_at": updated,
        "created_at": None,
        "updated_at": updated,
    }
    stops = [{"position": 0, "lat": point[0], "lon": point[1], **address, "hours": None}] if point else []
    return PlaceRecord(lieu_id=0, place=place, stops=stops, services=[])


def _service_rows(service: Any, categories: list[str], hours: OsmHours | None) -> list[dict[str, Any]]:
    own = hours is not None
    description = (service.description or "").strip()
    if hours is not None:
        description = _hours_text(description, service.horaires_accueil, hours)
    return [
        {
            "position": 0,
            "external_id": str(service.id)[:64],
            "category": category,
            "name": _text(service.nom) or None,
            "description": description,
            "different_hours": own,
            "hours": hours.week.to_json() if hours is not None and hours.week else None,
            "closed_holidays": hours.closed_holidays if hours is not None else None,
            "publics": _publics(service.publics, service.publics_precisions),
            "modalities": _modalities(service),
            "closure": None,
            "saturation": None,
            "saturation_note": None,
        }
        for category in categories
    ]


def read_structure(
    doc: object, services: Sequence[tuple[int, object]], *, today: date, tax: Taxonomy
) -> Reading:
    """One structure and its services (index in the services file, record) → the places to write.

    A structure that fails validation raises RecordError (its services go with it); a service
    that fails is listed in `rejected` and the others are kept.
    """
    structure = _structure(doc)
    reading = Reading()
    home = _point(structure.latitude, structure.longitude)
    home_hours = read_opening_hours(structure.horaires_accueil, start=today)
    if home_hours.problem:
        reading.notes.append(
            Note("hours", structure.id, f"{home_hours.problem}: {structure.horaires_accueil}")
        )
    main = DiPlace(structure.id, structure.source, _place(structure, structure, home, home_hours))
    reading.places.append(main)
    by_key: dict[str, DiPlace] = {structure.id: main}
    rules: dict[str, str] = {}  # the holiday rule of each site of a structure without readable hours
    for index, raw in services:
        try:
            service = read_service(raw)
        except RecordError as exc:
            shown = raw.get("id") if isinstance(raw, Mapping) else None
            reading.rejected.append((index, str(shown)[:60] if shown else "?", str(exc)))
            continue
        modes = {str(m.value) for m in service.modes_accueil or ()}
        if modes and "en-presentiel" not in modes:
            reading.notes.append(Note("remote", service.id, "given at a distance only: not a place to go"))
            continue
        categories, missing = _categories(service, tax)
        if missing:
            left = "left out" if categories else "skipped"
            reading.notes.append(
                Note("thematiques", service.id, f"{left}, no Soliguide equivalent: {', '.join(missing)}")
            )
        if not categories:
            continue
        hours = (
            read_opening_hours(service.horaires_accueil, start=today) if service.horaires_accueil else None
        )
        if hours is not None and hours.problem:
            reading.notes.append(Note("hours", service.id, f"{hours.problem}: {service.horaires_accueil}"))
        point = _point(service.latitude, service.longitude)
        away = point is not None and (home is None or haversine_m(*home, *point) > SAME_PLACE_M)
        site = f"{structure.id}@{point[0]:.4f},{point[1]:.4f}" if away and point else structure.id
        # Search takes the holiday rule of a service with its own hours from its place (Soliguide's
        # rule): a service whose rule differs from its place's gets a place of its own at the same
        # address. A structure without readable hours has no rule to keep: its places take the rule
        # of their first service that has one (its services without hours are unknown on any day,
        # or closed on a public holiday when that rule says so: never open).
        policy = hours.closed_holidays if hours is not None and hours.week is not None else None
        if home_hours.week is None and policy is not None:
            rules.setdefault(site, policy)
        rule = rules.get(site, home_hours.closed_holidays)
        key = site if policy in (None, rule) else f"{site}#PH-{policy.lower()}"
        target = by_key.get(key)
        if target is None:
            here = OsmHours(home_hours.week, rule if key == site else policy or rule, home_hours.problem)
            there = _place(structure, service if away else structure, point if away else home, here)
            target = by_key[key] = DiPlace(key, structure.source, there)
            reading.places.append(target)
        if key == site:
            target.record.place["closed_holidays"] = rule
        rows = target.record.services
        for row in _service_rows(service, categories, hours):
            rows.append({**row, "position": len(rows)})
    return reading
