"""Reading one Soliguide place document into table rows, refusing it whole when any part is wrong."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.categories import Taxonomy
from db.schedule import HoursError, Period, Week, parse_instant, parse_period, parse_week

STATUSES = frozenset({"DRAFT", "ONLINE", "OFFLINE", "PERMANENTLY_CLOSED"})
VISIBILITIES = frozenset({"ALL", "PRO"})
PLACE_TYPES = frozenset({"LIEU", "PARCOURS_MOBILE"})
HOLIDAY_POLICIES = {"OPEN": "OPEN", "CLOSED": "CLOSED", "UNKNOWN": "UNKNOWN", "UNKOWN": "UNKNOWN"}
# Soliguide's time zone of a French department when a document carries no `position.timeZone`
# (getTimeZoneFromPosition over FR_REGIONS_DEF); every other department is Paris, Monaco's 98 too.
DEPARTMENT_ZONES = {
    "971": "America/Martinique",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/Martinique",
    "978": "America/Martinique",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
# Saint-Barthélemy and Saint-Martin have Guadeloupe's 971 postal prefix (FR_POSTAL_CODE_EXCEPTIONS).
POSTAL_DEPARTMENTS = {"97133": "977", "97150": "978"}


class RecordError(ValueError):
    """Why one document cannot be imported; the importer skips it and lists the reason."""


@dataclass(slots=True)
class PlaceRecord:
    """One validated document: column values for the place, its stops and its services."""

    lieu_id: int
    place: dict[str, Any]
    stops: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "br", "li", "div", "ul", "ol", "h1", "h2", "h3", "h4", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(value: object) -> str:
    """Soliguide descriptions are HTML: keep the words, one line per paragraph, entities unescaped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError("description is not text")
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    text = html.unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{what} is not text")
    return value.strip()


def _object(value: object, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RecordError(f"{what} is not an object")
    return value


def _coordinates(position: Mapping[str, Any], what: str) -> tuple[float, float] | None:
    """[lon, lat] → (lat, lon); None for Soliguide's [0, 0], its mark of a place not yet geocoded."""
    location = _object(position.get("location"), f"{what}.location")
    coords = location.get("coordinates")
    if not isinstance(coords, list | tuple) or len(coords) != 2:
        raise RecordError(f"{what} has no [lon, lat] coordinates")
    lon, lat = coords
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        raise RecordError(f"{what} coordinates are not numbers")
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise RecordError(f"{what} coordinates out of range: lat={lat} lon={lon}")
    if lat == 0 and lon == 0:
        return None
    return lat, lon


def _address(position: Mapping[str, Any]) -> dict[str, str]:
    """The current field, or the legacy French one only when the current one is absent: an export
    that blanks `address` (a place reached on referral) must not have it read back from `adresse`.
    `additionalInformation` ("3e porte sur la droite", an itinerary stop's meeting point) is the
    address's note, kept to be shown beside it."""

    def first(*keys: str) -> str:
        for key in keys:
            if key in position:
                value = position[key]
                return value.strip() if isinstance(value, str) else ""
        return ""

    return {
        "address": first("address", "adresse"),
        "postal_code": first("postalCode", "codePostal"),
        "city": first("city", "ville"),
        "address_note": first("additionalInformation", "complementAdresse"),
    }


def _department(position: Mapping[str, Any]) -> str:
    """The department code, as Soliguide finds it for holidays: a postal code of Saint-Barthélemy or
    Saint-Martin says which, else the document's code, else the postal code's prefix."""
    postal = position.get("postalCode") or position.get("codePostal")
    postal = postal.strip() if isinstance(postal, str) else ""
    if postal in POSTAL_DEPARTMENTS:
        return POSTAL_DEPARTMENTS[postal]
    code = _text(position.get("departmentCode") or position.get("departementCode"), "dept")
    if code or len(postal) != 5 or not postal.isdigit():
        return code
    if postal.startswith("20"):
        return "2A" if postal[2] in "01" else "2B"
    return postal[:3] if postal.startswith(("97", "98")) else postal[:2]


def _zone(position: Mapping[str, Any], department: str) -> tuple[str, tzinfo]:
    name = _text(position.get("timeZone"), "timeZone") or DEPARTMENT_ZONES.get(department, "Europe/Paris")
    try:
        return name, ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise RecordError(f"unknown time zone {name!r}") from exc


def _phones(entity: Mapping[str, Any]) -> list[dict[str, Any]]:
    phones = entity.get("phones") or []
    if not isinstance(phones, list):
        raise RecordError("entity.phones is not a list")
    out = []
    for phone in phones:
        if not isinstance(phone, Mapping):
            raise RecordError("entity.phones has a non-object entry")
        number = _text(phone.get("phoneNumber"), "phoneNumber")
        if number:
            out.append({"label": _text(phone.get("label"), "phone label"), "number": number})
    return out


def _period_json(period: Period | None) -> dict[str, Any] | None:
    return period.to_json() if period else None


def _hours(data: object, what: str) -> tuple[Week | None, str]:
    try:
        week = parse_week(data)
    except HoursError as exc:
        raise RecordError(f"{what}: {exc}") from exc
    policy = "UNKNOWN"
    if isinstance(data, Mapping):
        raw = data.get("closedHolidays")
        policy = HOLIDAY_POLICIES.get(str(raw), "UNKNOWN") if raw is not None else "UNKNOWN"
    return week, policy


def _period(data: object, tz: tzinfo, text_keys: tuple[str, ...] = ("description",)) -> Period | None:
    """A dated period in the place's zone, its reason as plain text: Soliguide writes it as rich text
    ("<p>Travaux</p>"), as it writes descriptions."""
    period = parse_period(data, text_keys, tz=tz)
    if period is None or not period.text:
        return period
    return Period(period.start, period.end, plain_text(period.text) or None)


def _temp_infos(raw: Mapping[str, Any], tz: tzinfo) -> dict[str, Any]:
    try:
        closure = _period(raw.get("closure"), tz)
        message = _period(raw.get("message"), tz, ("name", "description"))
        hours_info = _object(raw.get("hours"), "tempInfos.hours")
        hours_period = _period(hours_info, tz)
    except HoursError as exc:
        raise RecordError(f"tempInfos: {exc}") from exc
    temp_hours = None
    if hours_period is not None:
        week, _ = _hours(hours_info.get("hours"), "tempInfos.hours")
        temp_hours = {**hours_period.to_json(), "week": week.to_json() if week else None}
    return {
        "temp_closure": _period_json(closure),
        "temp_hours": temp_hours,
        "temp_message": _period_json(message),
    }


def _service(raw: object, index: int, taxonomy: Taxonomy, tz: tzinfo) -> dict[str, Any]:
    what = f"services_all[{index}]"
    service = _object(raw, what)
    category = taxonomy.resolve(service.get("category")) or taxonomy.resolve(service.get("categorie"))
    if category is None:
        shown = service.get("category", service.get("categorie"))
        raise RecordError(f"{what}: unknown category {shown!r}")
    different_hours = service.get("differentHours") is True
    week, policy = _hours(service.get("hours"), f"{what}.hours") if different_hours else (None, None)
    try:
        closure = _period(service.get("close"), tz)
    except HoursError as exc:
        raise RecordError(f"{what}.close: {exc}") from exc
    saturated = _object(service.get("saturated"), f"{what}.saturated")
    external = service.get("serviceObjectId")
    return {
        "position": index,
        "external_id": str(external)[:64] if external else None,
        "category": category,
        "name": _text(service.get("name"), f"{what}.name") or None,
        "description": plain_text(service.get("description")),
        "different_hours": different_hours,
        "hours": week.to_json() if week else None,
        "closed_holidays": policy,
        "publics": dict(_object(service.get("publics"), f"{what}.publics"))
        if service.get("differentPublics") is True
        else None,
        "modalities": dict(_object(service.get("modalities"), f"{what}.modalities"))
        if service.get("differentModalities") is True
        else None,
        "closure": _period_json(closure),
        "saturation": _text(saturated.get("status"), "saturation") or None,
        "saturation_note": _text(saturated.get("precision"), "saturation precision") or None,
    }


def read_place(doc: object, taxonomy: Taxonomy) -> PlaceRecord:
    """Validate one Soliguide `lieu` document; RecordError says what is wrong."""
    if not isinstance(doc, Mapping):
        raise RecordError("record is not an object")
    lieu_id = doc.get("lieu_id")
    if not isinstance(lieu_id, int) or isinstance(lieu_id, bool) or lieu_id < 0:
        raise RecordError(f"lieu_id {lieu_id!r} is not a non-negative integer")
    name = _text(doc.get("name"), "name")
    if not name:
        raise RecordError("name is empty")
    status = doc.get("status")
    if status is None:
        raise RecordError("status is missing")
    if status not in STATUSES:
        raise RecordError(f"unknown status {status!r}")
    visibility = doc.get("visibility") or "ALL"
    if visibility not in VISIBILITIES:
        raise RecordError(f"unknown visibility {visibility!r}")
    place_type = doc.get("placeType") or "LIEU"
    if place_type not in PLACE_TYPES:
        raise RecordError(f"unknown placeType {place_type!r}")

    position = _object(doc.get("position"), "position")
    entity = _object(doc.get("entity"), "entity")
    week, policy = _hours(doc.get("newhours"), "newhours")
    languages = doc.get("languages") or []
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise RecordError("languages is not a list of codes")
    try:
        verified = parse_instant(doc.get("updatedByUserAt"))
        created = parse_instant(doc.get("createdAt"))
        updated = parse_instant(doc.get("updatedAt"))
    except HoursError as exc:
        raise RecordError(str(exc)) from exc

    stops: list[dict[str, Any]] = []
    if place_type == "PARCOURS_MOBILE":
        parcours = doc.get("parcours")
        if not isinstance(parcours, list) or not parcours:
            raise RecordError("itinerary has no parcours stops")
        for index, raw_stop in enumerate(parcours):
            stop = _object(raw_stop, f"parcours[{index}]")
            stop_position = _object(stop.get("position"), f"parcours[{index}].position")
            point = _coordinates(stop_position, f"parcours[{index}].position")
            if point is None:
                continue
            stop_week, stop_policy = _hours(stop.get("hours"), f"parcours[{index}].hours")
            stops.append(
                {
                    "position": index,
                    "lat": point[0],
                    "lon": point[1],
                    **_address(stop_position),
                    "hours": stop_week.to_json() if stop_week else None,
                    "closed_holidays": stop_policy,
                }
            )
        if not stops:
            raise RecordError("itinerary has no geocoded stop")
        lat, lon = stops[0]["lat"], stops[0]["lon"]
        if not position:
            position = _object(_object(parcours[0], "parcours[0]").get("position"), "position")
    else:
        point = _coordinates(position, "position")
        lat, lon = point if point else (None, None)
        if point:
            stops.append({"position": 0, "lat": lat, "lon": lon, **_address(position), "hours": None})

    department = _department(position)
    timezone, tz = _zone(position, department)
    services_raw = doc.get("services_all") or []
    if not isinstance(services_raw, list):
        raise RecordError("services_all is not a list")
    services = [_service(raw, i, taxonomy, tz) for i, raw in enumerate(services_raw)]

    place = {
        "lieu_id": lieu_id,
        "name": name,
        "description": plain_text(doc.get("description")),
        "status": status,
        "visibility": visibility,
        "place_type": place_type,
        **_address(position),
        "city_code": _text(position.get("cityCode"), "cityCode"),
        "department_code": department,
        "timezone": timezone,
        "lat": lat,
        "lon": lon,
        "phones": _phones(entity),
        "email": _text(entity.get("mail"), "mail") or None,
        "website": _text(entity.get("website"), "website") or None,
        "languages": languages,
        "publics": dict(_object(doc.get("publics"), "publics")),
        "modalities": dict(_object(doc.get("modalities"), "modalities")),
        "hours": week.to_json() if week else None,
        "closed_holidays": policy,
        **_temp_infos(_object(doc.get("tempInfos"), "tempInfos"), tz),
        "updated_by_user_at": verified,
        "created_at": created,
        "updated_at": updated,
    }
    return PlaceRecord(lieu_id=lieu_id, place=place, stops=stops, services=services)
