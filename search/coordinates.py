"""A position written in a message: "@48.58,7.74", "48.5839, 7.7455", "48°35'N 7°44'E", a geo: URI,
or a Google Maps / OpenStreetMap / Apple Maps link that carries its coordinates.

An outreach volunteer sends where they stand and what is needed in one message. Numbers that are
not a position must never be read as one: a postcode (67000), a phone (06.12.34.56.78), a time
(20.30), a price (12.50). So a bare pair needs three decimals on each number (about 100 m); two are
enough only after "@" or inside a geo: URI or a map link, which say it is a position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from db import haversine_m
from search.geo import Point
from search.territory import commune_at

__all__ = ["Position", "find_position"]

MAX_CHARS = 1500  # as for places: a position is written early, a paste must not cost more
IN_FRANCE_KM = 20.0  # farther than this from every French commune centre: abroad (or at sea)

_NUM = r"[-+]?\d{1,3}(?:[.,]\d+)?"
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
_GEO = re.compile(rf"(?<![\w:])geo:\s*(?P<lat>{_NUM})\s*,\s*(?P<lon>{_NUM})(?:[,;]\S*)?", re.IGNORECASE)
# "@48.58,7.74": the "@" says it is a position, so two decimals suffice (a decimal point, not a comma,
# since "@48,58,7,74" could be cut anywhere).
_AT = re.compile(r"(?<![\w@])@\s?(?P<lat>[-+]?\d{1,2}\.\d{2,})\s*,\s*(?P<lon>[-+]?\d{1,3}\.\d{2,})(?![\d.])")
# "48.5839, 7.7455", "48.5839 7.7455", "48,5839 ; 7,7455": three decimals or more on both numbers.
_PAIR = re.compile(
    r"(?<![\w.,+-])(?P<lat>[-+]?\d{1,2}(?P<sep>[.,])\d{3,})\s*[,;/]?\s*(?P<lon>[-+]?\d{1,3}(?P=sep)\d{3,})(?![\d]|[.,]\d)"
)
# 48°35'N 7°44'E, 48°35'02"N 7°44'44"E, N 48°35.034 E 7°44.733, 48.58°N 7.74°E ("O" is the French west).
_DMS_PART = (
    r"(?P<{p}h1>[NSEOW])?\s*(?P<{p}d>\d{{1,3}}(?:[.,]\d+)?)\s*°\s*"
    r"(?:(?P<{p}m>\d{{1,2}}(?:[.,]\d+)?)\s*['′’]?\s*)?(?:(?P<{p}s>\d{{1,2}}(?:[.,]\d+)?)\s*(?:\"|″|''|’’)\s*)?"
    r"(?P<{p}h2>[NSEOW])?"
)
_DMS = re.compile(
    rf"(?<!\w){_DMS_PART.format(p='a')}[\s,;/]*{_DMS_PART.format(p='b')}(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Position:
    """A point written in the message, exact as written (the conversation rounds it, as it does a
    shared location), the commune it falls in or None when it is not in France, and where it was."""

    point: Point
    insee: str | None
    label: str  # the commune, "Strasbourg (67)", or "" abroad
    span: tuple[int, int]

    @property
    def kind(self) -> str:
        """As a PlaceMatch's kind: "position", or "abroad" (outside France: nothing to search there)."""
        return "position" if self.insee is not None else "abroad"


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _french(point: Point) -> tuple[str, str] | None:
    commune = commune_at(point)
    if commune is None:
        return None
    if haversine_m(point.lat, point.lon, commune.lat, commune.lon) > IN_FRANCE_KM * 1000:
        return None
    return commune.insee, f"{commune.name} ({commune.dept})"


def _position(lat: float, lon: float, span: tuple[int, int], *, swappable: bool) -> Position | None:
    """The pair as a valid point; "7.7455, 48.5839" (GeoJSON writes longitude first) is turned round
    when only that order falls in France."""
    try:
        point = Point(lat, lon)
    except ValueError:
        point = None
    where = _french(point) if point is not None else None
    if where is None and swappable and -90 <= lon <= 90:
        turned = Point(lon, lat) if -180 <= lat <= 180 else None
        if turned is not None and (found := _french(turned)) is not None:
            return Position(turned, found[0], found[1], span)
    if point is None:
        return None
    return Position(point, where[0] if where else None, where[1] if where else "", span)


def _from_link(url: str) -> tuple[float, float] | None:
    """Coordinates a map link carries: Google's "@lat,lon,17z", "?q=lat,lon", "query=", "ll=",
    "destination="; OpenStreetMap's "#map=17/lat/lon" and "mlat=&mlon="."""
    parts = urlsplit(url.rstrip(".,;)!?"))
    host = parts.hostname or ""
    if not any(name in host for name in ("google.", "openstreetmap.", "osm.org", "apple.com", "goo.gl")):
        return None
    query = parse_qs(parts.query)
    if "mlat" in query and "mlon" in query:
        return _number(query["mlat"][0]), _number(query["mlon"][0])
    for key in ("q", "query", "ll", "sll", "destination", "daddr", "center"):
        for value in query.get(key, ()):
            if m := re.fullmatch(rf"\s*({_NUM})\s*,\s*({_NUM})\s*", unquote(value)):
                return _number(m.group(1)), _number(m.group(2))
    if m := re.search(rf"map=\d+(?:\.\d+)?/({_NUM})/({_NUM})", parts.fragment):
        return _number(m.group(1)), _number(m.group(2))
    # A place's own pin ("!3d…!4d…") before the map's centre ("@…").
    if m := re.search(r"!3d(-?\d{1,2}\.\d+)!4d(-?\d{1,3}\.\d+)", unquote(parts.path)):
        return _number(m.group(1)), _number(m.group(2))
    if m := re.search(r"@(-?\d{1,2}\.\d+),(-?\d{1,3}\.\d+)", unquote(parts.path)):
        return _number(m.group(1)), _number(m.group(2))
    return None


def _degrees(match: re.Match[str], p: str, letter: str | None) -> tuple[float, str] | None:
    hemisphere = (letter or "").upper()
    if not hemisphere:
        return None
    value = _number(match.group(f"{p}d"))
    if match.group(f"{p}m"):
        value += _number(match.group(f"{p}m")) / 60
    if match.group(f"{p}s"):
        value += _number(match.group(f"{p}s")) / 3600
    return value, hemisphere


def _from_dms(match: re.Match[str]) -> tuple[float, float] | None:
    """ "N 48°35.034 E 7°44.733": the first number's trailing letter is the second's leading one."""
    a = _degrees(match, "a", match.group("ah1") or match.group("ah2"))
    b_letter = match.group("bh1") or match.group("bh2")
    if b_letter is None and match.group("ah1") and match.group("ah2"):
        a, b_letter = _degrees(match, "a", match.group("ah1")), match.group("ah2")
    b = _degrees(match, "b", b_letter)
    if a is None or b is None:
        return None
    values: dict[str, float] = {}
    for value, hemisphere in (a, b):
        axis = "lat" if hemisphere in "NS" else "lon"
        if axis in values:
            return None
        values[axis] = -value if hemisphere in "SWO" else value
    return values["lat"], values["lon"]


def find_position(text: str) -> Position | None:
    """The first position the message writes, with the characters that wrote it (a link whole), or
    None. A pair out of range is no position."""
    text = text[:MAX_CHARS]
    found: list[tuple[int, int, float, float, bool]] = []
    for m in _LINK.finditer(text):
        if (pair := _from_link(m.group())) is not None:
            found.append((m.start(), m.end(), *pair, False))
    for m in _GEO.finditer(text):
        found.append((m.start(), m.end(), _number(m.group("lat")), _number(m.group("lon")), False))
    links = [(a, b) for a, b, *_ in found]
    for m in (*_AT.finditer(text), *_PAIR.finditer(text)):
        if not any(a <= m.start() < b for a, b in links):
            found.append((m.start(), m.end(), _number(m.group("lat")), _number(m.group("lon")), True))
    for m in _DMS.finditer(text):
        if (pair := _from_dms(m)) is not None:
            found.append((m.start(), m.end(), *pair, False))
    for start, end, lat, lon, swappable in sorted(found):
        position = _position(lat, lon, (start, end), swappable=swappable)
        if position is not None:
            return position
    return None
