"""Soliguide's partner API, as its code answers (solinumasso/soliguide, packages/api/src/search).

ApiFailure                 a listing could not be read (SOLIGUIDE_API_URL not a URL); nothing was written
 ├── ApiRefused            401 (the token), 403 (no token, or not an API account), another 4xx
 ├── ApiUnavailable        429 or 5xx or the network, still failing after the retries
 └── ApiAnswerError        a 200 that is not `{"nbResults": int, "places": [...]}`
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

log = logging.getLogger(__name__)

LANG = "fr"  # the directory's own language: no machine translation of names and descriptions
PAGE_SIZE = 100
# FIELDS_FOR_SEARCH.API (search/constants/requests), plus what an API answer leaves out by default and
# the importer reads: the place type, an itinerary's stops, the languages spoken, the last verification.
FIELDS = " ".join(
    (
        "close createdAt description distance entity lieu_id modalities name newhours position.address",
        "position.additionalInformation position.city position.cityCode position.postalCode",
        "position.department position.departmentCode position.regionCode position.country",
        "position.timeZone position.adresse position.codePostal position.complementAdresse",
        "position.departement position.location position.pays position.region position.ville publics",
        "seo_url services_all status sources tempInfos updatedAt visibility country",
        "placeType parcours languages updatedByUserAt",
    )
)
# DEFAULT_SERVICES_TO_EXCLUDE_WITH_ADDICTION (common/src/search-places): a search without a category
# leaves out the places whose only services are these.
HIDDEN_CATEGORIES = ("addictions", "toilets", "wifi", "electrical_outlets_available", "fountain")
_ADDRESS_KEYS = ("address", "adresse", "complementAdresse", "additionalInformation")


class ApiFailure(Exception):
    """One line, safe to print: it never holds the token."""


class ApiRefused(ApiFailure):
    pass


class ApiUnavailable(ApiFailure):
    pass


class ApiAnswerError(ApiFailure):
    pass


@dataclass(frozen=True, slots=True)
class Listing:
    """One search that, page after page, lists part of a department.

    A plain search leaves out itineraries (they come only with their place type) and the places of
    HIDDEN_CATEGORIES alone (they come only when asked by category), so a department takes four.
    Pages are sorted by lieu_id: unsorted, MongoDB may order each page's query differently, and pages
    then overlap and skip places.
    """

    place_type: str  # LIEU | PARCOURS_MOBILE
    categories: tuple[str, ...] = ()

    def body(self, slug: str, page: int, limit: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "location": {"geoType": "departement", "geoValue": slug, "country": "fr"},
            "placeType": self.place_type,
            "options": {"page": page, "limit": limit, "sortBy": "lieu_id", "sortValue": 1, "fields": FIELDS},
        }
        if self.categories:
            body["categories"] = list(self.categories)
        return body

    def __str__(self) -> str:
        return self.place_type + (" (" + ", ".join(self.categories) + ")" if self.categories else "")


LISTINGS = (
    Listing("LIEU"),
    Listing("LIEU", HIDDEN_CATEGORIES),
    Listing("PARCOURS_MOBILE"),
    Listing("PARCOURS_MOBILE", HIDDEN_CATEGORIES),
)


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    total: int  # nbResults: the places of the whole listing, counted when this page was asked
    places: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Retry:
    """How long a run insists. A wait past `max_wait_seconds` (a long Retry-After) fails the run
    rather than holding it: the next scheduled run tries again."""

    attempts: int = 5
    backoff_seconds: float = 1.0  # then 2, 4, 8… between attempts after a 5xx or a network error
    max_wait_seconds: float = 120.0

    def backoff(self, attempt: int) -> float:
        return float(self.backoff_seconds * 2 ** (attempt - 1))


@dataclass(slots=True)
class Calls:
    """What a run asked of the API, for its record."""

    requests: int = 0
    retries: int = 0
    pages: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"requests": self.requests, "retries": self.retries, "pages": self.pages}


def referral_only(doc: Mapping[str, Any]) -> bool:
    modalities = doc.get("modalities")
    orientation = modalities.get("orientation") if isinstance(modalities, Mapping) else None
    return isinstance(orientation, Mapping) and orientation.get("checked") is True


def blank_referral_address(doc: Any) -> Any:
    """For a place reached only through a social worker the API nulls `position.address` (and
    `complementAdresse`) but still sends the legacy `position.adresse` and `additionalInformation`
    (search.service.ts, apiSearchPlacesWithParams): blanked here, and on its itinerary stops, so no
    copy of them is ever kept."""
    if not isinstance(doc, dict) or not referral_only(doc):
        return doc
    positions = [doc.get("position")]
    stops = doc.get("parcours")
    if isinstance(stops, list):
        positions += [stop.get("position") for stop in stops if isinstance(stop, dict)]
    for position in positions:
        if isinstance(position, dict):
            position.update({key: None for key in _ADDRESS_KEYS})
    return doc


def _retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Seconds to wait, from `Retry-After` as a number of seconds or an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _short(exc: Exception) -> str:
    """An httpx error in a few words ("ConnectError: [Errno 111] Connection refused")."""
    words = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {words[:80]}" if words else type(exc).__name__


def _message(response: httpx.Response) -> str:
    """Soliguide's own word for a refusal (`{"message": "INVALID_TOKEN"}`), when short."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f" ({message})" if isinstance(message, str) and len(message) <= 60 else ""


def _page(response: httpx.Response, number: int) -> Page:
    try:
        body = response.json()
    except ValueError as exc:
        raise ApiAnswerError(f"page {number}: the answer is not JSON") from exc
    total = body.get("nbResults") if isinstance(body, dict) else None
    places = body.get("places") if isinstance(body, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or not isinstance(places, list):
        raise ApiAnswerError(f'page {number}: expected {{"nbResults", "places"}}')
    return Page(number, total, tuple(blank_referral_address(doc) for doc in places))


class SoliguideApi:
    """POST /new-search/{lang} with `Authorization: JWT <token>`, retried through 429 (honouring
    Retry-After) and 5xx (with backoff). `GET /place/{id}` counts as a person viewing the place in
    Soliguide's statistics: never called, every field comes from the search."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        retry: Retry | None = None,
        page_size: int = PAGE_SIZE,
        timeout_seconds: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "solibot-sync"}
        if token:
            headers["Authorization"] = f"JWT {token}"
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_seconds, follow_redirects=False
        )
        self.retry = retry or Retry()
        self.page_size = page_size
        self.calls = Calls()
        self._sleep = sleep
        self._clock = clock

    async def aclose(self) -> None:
        await self._client.aclose()

    async def search(self, body: dict[str, Any]) -> Page:
        number = int(body.get("options", {}).get("page", 1))
        failure = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.calls.requests += 1
            try:
                response = await self._client.post(f"/new-search/{LANG}", json=body)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:  # asking again cannot help
                raise ApiFailure(f"SOLIGUIDE_API_URL cannot be called: {_short(exc)}") from exc
            except httpx.TransportError as exc:  # refused, reset, timed out: perhaps not next time
                failure, wait = _short(exc), self.retry.backoff(attempt)
            else:
                status = response.status_code
                if status == 200:
                    self.calls.pages += 1
                    return _page(response, number)
                if status == 401:
                    raise ApiRefused(f"HTTP 401{_message(response)}: Soliguide refused SOLIGUIDE_API_TOKEN")
                if status == 403:
                    raise ApiRefused(f"HTTP 403{_message(response)}: no token, or the account may not search")
                if status == 429:
                    failure = "HTTP 429"
                    wait = _retry_after(response, self._clock()) or self.retry.backoff(attempt)
                elif status >= 500:
                    failure, wait = f"HTTP {status}", self.retry.backoff(attempt)
                else:
                    raise ApiRefused(f"HTTP {status}{_message(response)}")
            if attempt == self.retry.attempts:
                break
            if wait > self.retry.max_wait_seconds:
                raise ApiUnavailable(
                    f"{failure}: asked to wait {wait:.0f} s, more than {self.retry.max_wait_seconds:.0f} s"
                )
            self.calls.retries += 1
            log.info("soliguide api: %s on page %d, retry %d in %.1f s", failure, number, attempt, wait)
            await self._sleep(wait)
        raise ApiUnavailable(f"{failure} after {self.retry.attempts} attempts")

    async def pages(self, slug: str, listing: Listing) -> AsyncIterator[Page]:
        """Every page of one listing, from page 1 until the count it announces is reached."""
        number, received = 1, 0
        while True:
            page = await self.search(listing.body(slug, number, self.page_size))
            yield page
            received += len(page.places)
            if len(page.places) < self.page_size or received >= page.total:
                return
            number += 1
