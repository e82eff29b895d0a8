"""Street geocoders through geopy (BAN/addok, Nominatim), with the offline gazetteer behind them."""

from __future__ import annotations

import asyncio
import logging

from geopy.exc import GeopyError
from geopy.geocoders import BANFrance, Nominatim
from geopy.geocoders.base import Geocoder

from search import HOME_DEPARTMENTS, PlaceMatch, Point, find_place, street_span

log = logging.getLogger(__name__)


def _in_france(lat: float, lon: float) -> bool:
    metro = 41.0 <= lat <= 51.5 and -5.5 <= lon <= 10.0
    overseas = -22.0 <= lat <= 19.0 and (-62.0 <= lon <= -50.0 or 44.0 <= lon <= 56.0 or 164 <= lon <= 168)
    return metro or overseas or (46.7 <= lat <= 47.2 and -56.5 <= lon <= -56.0)


class FallbackGeocoder:
    """A remote geopy geocoder (a self-hosted addok via BANFrance, or Nominatim) with the gazetteer behind it.

    The remote one knows streets and squares; the gazetteer never fails. Any geopy error, a timeout or
    an answer outside France falls through to the gazetteer, so a flaky geocoder only costs precision.
    The remote one is another organisation's server: it reads the street address of the message
    (`search.street_span`) and nothing else, never the rest ("mon mari me frappe", a phone number),
    and is not asked at all when the message writes no street address.
    """

    def __init__(
        self, remote: Geocoder | None, *, timeout: float = 2.0, home_depts: tuple[str, ...] = HOME_DEPARTMENTS
    ) -> None:
        self.remote = remote
        self.timeout = timeout
        self.home_depts = home_depts

    def locate(self, text: str) -> PlaceMatch | None:
        address = street_span(text) if self.remote is not None else None
        if self.remote is not None and address is not None:
            try:
                loc = self.remote.geocode(address, exactly_one=True, timeout=self.timeout)
            except (GeopyError, OSError, ValueError) as exc:
                log.info("remote geocoder failed kind=%s; using the gazetteer", type(exc).__name__)
                loc = None
            if loc is not None and _in_france(loc.latitude, loc.longitude):
                raw = loc.raw if isinstance(loc.raw, dict) else {}
                props = raw.get("properties", raw)
                insee = props.get("citycode") if isinstance(props, dict) else None
                return PlaceMatch(
                    Point(loc.latitude, loc.longitude),
                    str(loc.address),
                    insee if isinstance(insee, str) else None,
                    "geocoder",
                    None,
                    0.7,
                )
        return find_place(text, home_depts=self.home_depts)

    async def alocate(self, text: str) -> PlaceMatch | None:
        """Remote geopy geocoders block, so they run in a worker thread."""
        return await asyncio.to_thread(self.locate, text)


def remote_geocoder(
    kind: str, *, domain: str | None, timeout: float, home_depts: tuple[str, ...]
) -> FallbackGeocoder | None:
    """The configured street geocoder in front of the gazetteer: "ban" (BAN or a self-hosted addok)
    or "nominatim"; "offline" (the default) needs none."""
    if kind == "offline":
        return None
    if kind == "ban":
        remote: Geocoder = BANFrance(domain=domain or "api-adresse.data.gouv.fr", timeout=timeout)
    elif kind == "nominatim":
        remote = Nominatim(
            user_agent="solibot", domain=domain or "nominatim.openstreetmap.org", timeout=timeout
        )
    else:
        raise ValueError(f"unknown geocoder {kind!r}: offline, ban or nominatim")
    return FallbackGeocoder(remote, timeout=timeout, home_depts=home_depts)
