"""A stand-in for Soliguide's partner API, served over loopback by uvicorn, that answers as its code does
(solinumasso/soliguide 4.151.0, packages/api/src/search and middleware/request), with faults on demand.

What it reproduces: `POST /new-search/{lang}` only; no `Authorization` → 403, another token than
`JWT <TOKEN>` → 401; a department matched on its slug (`position.slugs.departement`, so "67" matches
nothing); only ONLINE places visible to all; `placeType` LIEU unless asked, itineraries matched on
their stops; without a category, the places whose services are all in the default exclusions left
out; `options.page` from 1, `options.limit` (20 by default); sorted only with `sortBy` and a numeric
`sortValue`, otherwise each query orders the places anew (pages overlap and skip); the fields of
`options.fields`, else FIELDS_FOR_SEARCH.API (no `placeType`, no `parcours`); and for a place reached
only through a social worker, `position.address` and `complementAdresse` nulled while the legacy
`adresse` and `additionalInformation` are still sent.
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.bot.standin_server import serving_app

TOKEN = "partner-jwt-for-tests"  # noqa: S105 - the stand-in's own, public
EXCLUDED = frozenset({"addictions", "toilets", "wifi", "electrical_outlets_available", "fountain"})
API_FIELDS = (
    "close createdAt description distance entity lieu_id modalities name newhours position.address "
    "position.additionalInformation position.city position.cityCode position.postalCode position.department "
    "position.departmentCode position.regionCode position.country position.timeZone position.adresse "
    "position.codePostal position.complementAdresse position.departement position.location position.pays "
    "position.region position.ville publics seo_url services_all status sources tempInfos updatedAt "
    "visibility country"
)
DEPARTMENTS = {"67": ("Bas-Rhin", "bas-rhin"), "68": ("Haut-Rhin", "haut-rhin"), "57": ("Moselle", "moselle")}
TOWNS = {
    "67": ("Strasbourg", "67000", "67482"),
    "68": ("Mulhouse", "68100", "68224"),
    "57": ("Metz", "57000", "57463"),
}


def _position(dept: str, n: int, note: str) -> dict[str, Any]:
    name, slug = DEPARTMENTS[dept]
    city, postal, insee = TOWNS[dept]
    street = f"{n} rue de la Stand-in, {postal} {city}"
    return {
        "address": street,
        "adresse": street,
        "additionalInformation": note,
        "complementAdresse": note,
        "city": city,
        "ville": city,
        "postalCode": postal,
        "codePostal": postal,
        "cityCode": insee,
        "department": name,
        "departement": name,
        "departmentCode": dept,
        "departementCode": dept,
        "country": "fr",
        "pays": "France",
        "timeZone": "Europe/Paris",
        "location": {
            "type": "Point",
            "coordinates": [7.3 + n / 1000, 47.7 + (0.8 if dept == "67" else 0) + n / 2000],
        },
        "slugs": {"departement": slug, "department": slug, "ville": city.lower(), "city": city.lower()},
    }


def place(
    lieu_id: int,
    dept: str = "67",
    *,
    categories: Sequence[str] = ("food_distribution",),
    name: str | None = None,
    referral: bool = False,
    stops: Sequence[str] = (),
    note: str = "3e porte sur la droite",
) -> dict[str, Any]:
    """A place as Soliguide stores it; with `stops` (departments), an itinerary with a stop in each."""
    hours = {"closedHolidays": "UNKNOWN"} | {
        day: {"open": True, "timeslot": [{"start": 900, "end": 1700}]}
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    }
    doc: dict[str, Any] = {
        "lieu_id": lieu_id,
        "name": name or f"Lieu {lieu_id}",
        "description": "<p>Accueil de jour</p>",
        "status": "ONLINE",
        "visibility": "ALL",
        "placeType": "PARCOURS_MOBILE" if stops else "LIEU",
        "seo_url": f"lieu-{lieu_id}",
        "entity": {"phones": [{"label": "Accueil", "phoneNumber": "03 88 00 00 00"}]},
        "languages": ["fr"],
        "modalities": {"inconditionnel": not referral, "orientation": {"checked": referral}},
        "publics": {"accueil": 0},
        "newhours": hours,
        "services_all": [{"category": c, "serviceObjectId": f"{lieu_id}-{c}"} for c in categories],
        "tempInfos": {},
        "createdAt": "2024-01-10T09:00:00.000Z",
        "updatedAt": "2026-10-01T09:00:00.000Z",
        "updatedByUserAt": "2026-10-01T09:00:00.000Z",
        "parcours": [
            {"position": _position(stop, lieu_id + i, "devant la gare"), "hours": hours}
            for i, stop in enumerate(stops)
        ],
    }
    if not stops:
        doc["position"] = _position(dept, lieu_id, note)
    return doc


def _referral_only(doc: dict[str, Any]) -> bool:
    return bool(doc.get("modalities", {}).get("orientation", {}).get("checked"))


def _project(stored: dict[str, Any], fields: str) -> dict[str, Any]:
    """search.service.ts, apiSearchPlacesWithParams: `$project` of the asked fields, then the address of
    a place reached on referral nulled (the legacy fields are not)."""
    doc = copy.deepcopy(stored)
    out: dict[str, Any] = {}
    for name in fields.split():
        top, _, sub = name.partition(".")
        if top not in doc:
            continue
        if not sub:
            out[top] = doc[top]
        elif isinstance(doc[top], dict) and sub in doc[top]:
            out.setdefault(top, {})[sub] = doc[top][sub]
    if "position" in out and _referral_only(doc):
        out["position"]["address"] = None
        out["position"]["complementAdresse"] = None
    return out


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    authorization: str | None
    body: Any


class StandIn:
    """The partner API with places to list, faults to play and every request kept."""

    def __init__(self, places: Sequence[dict[str, Any]]) -> None:
        self.places = {p["lieu_id"]: p for p in places}
        self.faults: dict[int, Fault] = {}  # by number of the accepted search request, from 1
        self.fail_from: int | None = None  # from this accepted search request on, every answer is a 500
        self.honour_sort = True  # False: as if `sortBy` were not sent
        self.territories: set[str] | None = None  # an account limited to these departments (codes)
        self.calls: list[Call] = []
        self.searches = 0
        self.lock = threading.Lock()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/new-search/{lang}", self._search, methods=["POST"]),
                Route("/{path:path}", self._other, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )

    async def _other(self, request: Request) -> Response:
        self.calls.append(Call(request.method, request.url.path, request.headers.get("authorization"), None))
        return JSONResponse({"message": "NOT_FOUND"}, status_code=404)

    async def _search(self, request: Request) -> Response:
        body = await request.json()
        authorization = request.headers.get("authorization")
        self.calls.append(Call("POST", request.url.path, authorization, body))
        if not authorization:
            return JSONResponse({"message": "FORBIDDEN"}, status_code=403)
        if authorization != f"JWT {TOKEN}":  # requestCurrentUser.middleware.ts: slice(4) then verify
            return JSONResponse({"message": "INVALID_TOKEN"}, status_code=401)
        with self.lock:
            self.searches += 1
            number = self.searches
        if self.fail_from is not None and number >= self.fail_from:
            return JSONResponse({"message": "SEARCH_ERROR"}, status_code=500)
        fault = self.faults.get(number)
        if fault is not None:
            return JSONResponse({"message": "FAULT"}, status_code=fault.status, headers=fault.headers)
        return JSONResponse(self._answer(body, number))

    def _matches(self, doc: dict[str, Any], slug: str, place_type: str, categories: Sequence[str]) -> bool:
        if doc["status"] != "ONLINE" or doc["visibility"] != "ALL" or doc["placeType"] != place_type:
            return False
        positions = (
            [doc["position"]] if place_type == "LIEU" else [stop["position"] for stop in doc["parcours"]]
        )
        if slug not in [p["slugs"]["departement"] for p in positions]:
            return False
        allowed = self.territories  # generate-api-user-restriction.ts: the account's territories only
        if allowed is not None and not any(p["departmentCode"] in allowed for p in positions):
            return False
        services = [s["category"] for s in doc["services_all"]]
        if categories:
            return any(c in categories for c in services)
        return any(c not in EXCLUDED for c in services)

    def _answer(self, body: dict[str, Any], number: int) -> dict[str, Any]:
        location = body.get("location") or {}
        if location.get("geoType") != "departement":
            return {"nbResults": 0, "places": []}
        slug = str(location.get("geoValue", "")).lower().strip()
        place_type = body.get("placeType") or "LIEU"
        categories = body.get("categories") or ([body["category"]] if body.get("category") else [])
        found = [d for d in self.places.values() if self._matches(d, slug, place_type, categories)]
        options = body.get("options") or {}
        page, limit = int(options.get("page", 1)), int(options.get("limit", 20))
        sort_by, sort_value = options.get("sortBy"), options.get("sortValue")
        if self.honour_sort and sort_by and sort_value in (1, -1):
            found.sort(key=lambda d: d[sort_by], reverse=sort_value == -1)
        else:
            random.Random(number).shuffle(found)  # no sort: MongoDB's order may differ at each query
        chosen = found[(page - 1) * limit : page * limit]
        fields = options.get("fields") or API_FIELDS
        return {"nbResults": len(found), "places": [_project(d, fields) for d in chosen]}

    @property
    def searches_asked(self) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.path.startswith("/new-search/")]


def serving(standin: StandIn) -> AbstractContextManager[str]:
    """The stand-in on a free loopback port, in a thread; its base URL."""
    return serving_app(standin.app(), "the stand-in")
