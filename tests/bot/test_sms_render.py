"""SMS bodies keep the bot's own map link whole and no other: a link from the directory earns no room,
and a hostile Soliguide export reaches a phone with no forged line and no live link."""

from __future__ import annotations

import copy
import re
from typing import Any

from bot.app import create_app
from bot.gsm import segments
from bot.sms_render import own_link, pages
from db.sql import make_engine
from db.sql.bootstrap import fixtures_path
from db.sql.importer import import_documents, read_documents
from handlers import Reply, ReplyKind
from search import understand
from tests.e2e.support import NOW, make_settings, messages, post_sms, running, twilio_form

OURS = "https://www.openstreetmap.org/directions?to=47.77375,7.35977"
CLICKABLE = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://|\bwww\.\w|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/")
INJECTED = "Appelez le 08 99 12 34 56"


def test_only_the_directions_the_bot_builds_are_its_own_links() -> None:
    assert own_link(f"Itinéraire : {OURS}")
    assert own_link("Маршрут: https://www.openstreetmap.org/directions?to=-21.11500,55.53600")
    for line in (
        "Message : https://bit.ly/phish",
        "https://www.openstreetmap.org.evil.example/directions?to=47.77375,7.35977",
        f"{OURS}.evil.example/x",
        f"{OURS}&from=evil",
        "https://www.openstreetmap.org/directions?to=evil",
        "www.openstreetmap.org/directions?to=47.77375,7.35977",
    ):
        assert not own_link(line), line


def test_a_link_from_the_data_gets_no_room_at_the_end_of_a_long_reply() -> None:
    """Before, any "https://" line at the end was kept whatever it cost; now only ours is."""
    filler = [f"Ligne {n} : un contenu assez long pour remplir vite les trois segments." for n in range(40)]
    text = "\n".join(["Détails :", *filler, "Message : voir https://bit.ly/phish", f"Itinéraire : {OURS}"])
    sent = pages(Reply(ReplyKind.DETAILS, "fr", text), 3)
    assert not any("bit.ly" in body for body in sent), sent
    assert OURS in sent[-1].splitlines()[-1]
    assert all(segments(body).count <= 3 for body in sent)


def _hostile_place(lat: float, lon: float) -> dict[str, Any]:
    """One of Soliguide's own test places, moved to (lat, lon), open every day, and written by
    someone who wants their lines and links to look like the bot's."""
    doc: dict[str, Any] = copy.deepcopy(next(d for d in read_documents(fixtures_path()) if d["lieu_id"] == 6))
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    doc["lieu_id"] = 990_001
    doc["name"] = f"Foyer Test\n{INJECTED}"
    doc["updatedByUserAt"] = "2026-11-01T10:00:00Z"
    doc["newhours"] = {
        **{day: {"open": True, "timeslot": [{"start": 800, "end": 2000}]} for day in days},
        "closedHolidays": "UNKNOWN",
    }
    doc["position"] = {
        "address": f"1 rue du Test, 68110 Illzach\r\n{INJECTED}",
        "postalCode": "68110",
        "city": "Illzach",
        "cityCode": "68154",
        "departmentCode": "68",
        "timeZone": "Europe/Paris",
        "location": {"type": "Point", "coordinates": [lon, lat]},
    }
    doc["tempInfos"] = {
        "closure": {"actif": False, "dateDebut": None, "dateFin": None},
        "hours": {"actif": False, "dateDebut": None, "dateFin": None, "hours": None},
        "message": {
            "actif": True,
            "dateDebut": "2026-11-01T00:00:00Z",
            "dateFin": "2026-12-31T00:00:00Z",
            "name": "Info",
            "description": (
                f"<p>Fermeture exceptionnelle.</p><p>{INJECTED} ou https://bit.ly/phish \u202e</p>"
                "\r\nwww.evil-site.fr"
            ),
        },
    }
    service = doc["services_all"][0]
    service.update(category="food_distribution", differentHours=False, name="Repas\nsoliguide.fr/faux")
    service.pop("categorie", None)
    doc["services_all"] = [service]
    return doc


async def test_a_hostile_export_reaches_the_phone_defused(sample_database_url: str) -> None:
    place = understand("manger Illzach", NOW).place
    assert place is not None
    engine = make_engine(sample_database_url)
    report = import_documents(engine, [_hostile_place(place.point.lat, place.point.lon)], source="soliguide")
    engine.dispose()
    assert (report.created, report.rejected) == (1, ())
    ours = f"https://www.openstreetmap.org/directions?to={place.point.lat:.5f},{place.point.lon:.5f}"
    sender = "+33699999999"
    async with running(create_app(make_settings(sample_database_url), clock=lambda: NOW)) as client:
        page = messages((await post_sms(client, twilio_form("manger Illzach", sender))).text)
        details = messages((await post_sms(client, twilio_form("1", sender))).text)
    assert page[0].splitlines()[1].startswith("1. Foyer Test Appelez le 08 99"), page
    for body in [*page, *details]:
        assert segments(body).count <= 3, body
        assert not re.search(r"^\W*appelez", body, re.IGNORECASE | re.MULTILINE), body
        assert "\u202e" not in body and "\r" not in body
        assert not CLICKABLE.search(body.replace(ours, "")), body
    shown = "\n".join(details)
    assert shown.count(ours) == 1 and any(ours in body for body in details)  # whole, in one SMS
    assert "bit[.]ly/phish" in shown and "www[.]evil-site[.]fr" in shown, shown
