"""Street geocoders through geopy: a local stand-in for BAN/addok, and the gazetteer behind them."""

import asyncio
import http.server
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from geopy.adapters import URLLibAdapter
from geopy.geocoders import BANFrance

from bot.geocoding import FallbackGeocoder, remote_geocoder


class _Handler(http.server.BaseHTTPRequestHandler):
    answer: dict[str, object] = {}
    asked: list[str] = []  # the q= of every request: all the remote geocoder read

    def do_GET(self) -> None:  # noqa: N802
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        self.asked.extend(query.get("q", []))
        body = json.dumps(self.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _feature(lat: float, lon: float, label: str, citycode: str) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"label": label, "citycode": citycode},
            }
        ],
    }


@pytest.fixture
def stub_server() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.asked.clear()
    yield server
    server.shutdown()
    server.server_close()


def _ban(port: int) -> BANFrance:
    return BANFrance(domain=f"127.0.0.1:{port}", scheme="http", adapter_factory=URLLibAdapter)


def test_remote_answer_is_used_when_in_france(stub_server: http.server.ThreadingHTTPServer) -> None:
    _Handler.answer = _feature(47.7475, 7.3390, "Place de la Réunion 68100 Mulhouse", "68224")
    geo = FallbackGeocoder(_ban(stub_server.server_address[1]), timeout=2)
    m = geo.locate("2 place de la reunion mulhouse")
    assert m is not None and m.kind == "geocoder" and m.insee == "68224"
    assert m.label.startswith("Place de la Réunion")


def test_only_the_street_address_leaves_the_machine(stub_server: http.server.ThreadingHTTPServer) -> None:
    _Handler.answer = _feature(47.7475, 7.3390, "12 Rue de la Paix 68100 Mulhouse", "68224")
    geo = FallbackGeocoder(_ban(stub_server.server_address[1]), timeout=2)
    text = (
        "je m'appelle Sophie, mon mari me frappe, je suis au 12 rue de la Paix 68100 Mulhouse 06 12 34 56 78"
    )
    m = geo.locate(text)
    assert m is not None and m.kind == "geocoder"
    assert _Handler.asked == ["12 rue de la Paix 68100 Mulhouse"]


def test_no_street_address_asks_no_remote_geocoder(stub_server: http.server.ThreadingHTTPServer) -> None:
    _Handler.answer = _feature(47.7475, 7.3390, "Mulhouse", "68224")
    geo = FallbackGeocoder(_ban(stub_server.server_address[1]), timeout=2)
    m = geo.locate("mon mari me frappe, je suis séropositive, où dormir à mulhouse")
    assert m is not None and m.kind == "commune" and m.insee == "68224"  # the gazetteer, on this machine
    assert _Handler.asked == []


def test_remote_answer_outside_france_falls_back(stub_server: http.server.ThreadingHTTPServer) -> None:
    _Handler.answer = _feature(40.7, -74.0, "Colmar, USA", "00000")
    geo = FallbackGeocoder(_ban(stub_server.server_address[1]), timeout=2)
    m = geo.locate("1 rue du Rhin colmar")
    assert _Handler.asked == ["1 rue du Rhin colmar"]
    assert m is not None and m.kind == "commune" and m.insee == "68066"


async def test_closed_port_falls_back_to_the_gazetteer() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    geo = FallbackGeocoder(_ban(port), timeout=0.5)
    m = await geo.alocate("douche 3 rue du Sauvage 68100")
    assert m is not None and m.kind == "postcode" and m.insee == "68224"
    assert await asyncio.wait_for(geo.alocate("bonjour"), 5) is None


def test_remote_geocoder_from_settings_values() -> None:
    from geopy.geocoders import BANFrance, Nominatim

    assert remote_geocoder("offline", domain=None, timeout=1.0, home_depts=("67", "68")) is None
    ban = remote_geocoder("ban", domain="addok.local", timeout=1.0, home_depts=("68",))
    assert isinstance(ban, FallbackGeocoder) and isinstance(ban.remote, BANFrance)
    assert ban.remote.domain == "addok.local" and ban.home_depts == ("68",)
    osm = remote_geocoder("nominatim", domain=None, timeout=1.0, home_depts=("67", "68"))
    assert osm is not None and isinstance(osm.remote, Nominatim)
    import pytest

    with pytest.raises(ValueError):
        remote_geocoder("google", domain=None, timeout=1.0, home_depts=())
