"""An outreach volunteer's messages: position and need in one message, "ici", a walking limit, walking
times, and one map for a chosen result (issue 13, part 5). On the real directory, fixed clock."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.surfaces import CONSOLE
from handlers import Channel, Incoming, ReplyKind, Role, respond
from handlers.outreach import WALK_KM, read_walk, says_here, walking_distance, walking_minutes
from handlers.sessions import dump, load
from search.geo import Point

from .conftest import Chat, recording

POSITION = "@48.58,7.74"  # Strasbourg, near the Grande Île
LINE = re.compile(r"^(\d+)\. .*\((?P<far>[^()]*)\) – ", re.M)


def _km(far: str) -> float:
    """ "350 m", "1,2 km · 20 min à pied" → kilometres."""
    m = re.match(r"([\d\s ,.]+)\s*(k?m)", far)
    assert m, far
    value = float(m.group(1).replace(" ", "").replace(" ", "").replace(",", "."))
    return value if m.group(2) == "km" else value / 1000


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("à pied", WALK_KM),
        ("manger 2 km max", 2.0),
        ("pas plus de 1 km", 1.0),
        ("food within 500 m", 0.5),
        ("douche 1,5 km maximum", 1.5),
        ("pas plus de 20 min à pied", 1.5),
        ("un lit à 2 km à pied", 2.0),
        ("manger dans un rayon de 800 m", 0.8),
        ("пешком не больше 2 км", 2.0),
        ("مشيا 1 كم كحد أقصى", 1.0),
        ("ფეხით 1 კმ", 1.0),
        ("a pie, 3 km como máximo", 3.0),
    ],
)
def test_walking_limits_in_several_languages(text: str, km: float) -> None:
    assert read_walk(text).max_km == pytest.approx(km)


@pytest.mark.parametrize(
    "text",
    [
        "rdv à 15 min",
        "5 m de long",
        "manger Mulhouse",
        "j'ai 20 ans",
        "10 km de Colmar",
        "appelle le 06 12 34 56 78",
    ],
)
def test_numbers_that_are_no_walking_limit(text: str) -> None:
    assert read_walk(text).max_km is None


def test_here_words_and_walking_times() -> None:
    assert says_here("manger ici") and says_here("food near me") and says_here("покушать здесь")
    assert not says_here("manger Mulhouse") and not says_here("icitte")
    assert walking_minutes(100) == 2 and walking_minutes(1200) == 20 and walking_minutes(3000) == 50
    assert walking_distance(1200, "fr") == "1,2 km · 20 min à pied"
    assert walking_distance(350, "en") == "350 m · 6 min walk"
    assert walking_distance(16_000, "fr") == "16 km", "nobody walks that far: no time"


async def test_position_and_need_in_one_message(chat: Chat) -> None:
    spy = recording(chat)
    replies = await chat.send(f"maraude {POSITION} on a 3 personnes qui cherchent à manger")
    assert replies[-1].kind is ReplyKind.RESULTS, replies
    assert "près de votre position" in replies[-1].text
    assert "Où êtes-vous" not in replies[-1].text
    assert chat.conv.place is not None and chat.conv.place[:2] == (48.58, 7.74)
    assert chat.conv.here == (48.58, 7.74)
    assert spy.queries[0].point == Point(48.58, 7.74)
    assert not replies[-1].venues, "a list sends no map pins"


@pytest.mark.parametrize(
    "where",
    [
        "48.58391, 7.74553",
        "48°35'02\"N 7°44'44\"E",
        "geo:48.58391,7.74553",
        "https://www.google.com/maps/@48.58391,7.74553,17z",
        "https://www.openstreetmap.org/#map=18/48.58391/7.74553",
    ],
)
async def test_a_written_position_is_rounded_like_a_shared_one(chat: Chat, where: str) -> None:
    spy = recording(chat)
    await chat.send(f"douche {where}")
    assert chat.conv.place is not None and chat.conv.place[:2] == (48.584, 7.746)
    assert spy.queries[0].point == Point(48.584, 7.746)


async def test_a_position_abroad_is_said_not_searched(chat: Chat) -> None:
    spy = recording(chat)
    (reply,) = await chat.send("manger 40.7128, -74.0060")
    assert "n'est pas en France" in reply.text and "40.713, -74.006" in reply.text
    assert spy.queries == []


async def test_a_postcode_a_phone_and_a_time_are_no_position(chat: Chat) -> None:
    replies = await chat.send("manger 68100 à 20.30, tel 06.12.34.56.78")
    assert chat.conv.place is not None and "Mulhouse" in chat.conv.place[2], replies


async def test_ici_is_the_last_position_shared(chat: Chat) -> None:
    await chat.send("manger", location=Point(48.5734, 7.7521))
    await chat.send("douche Colmar")
    assert chat.conv.place is not None and "Colmar" in chat.conv.place[2]
    spy = recording(chat)
    text = await chat.text("et une douche ici")
    assert "près de votre position" in text
    assert spy.queries[0].point == Point(48.573, 7.752)


async def test_ici_without_a_position_asks_where(chat: Chat) -> None:
    replies = await chat.send("manger ici")
    assert replies[-1].kind is ReplyKind.QUESTION


async def test_a_walking_limit_is_honoured_with_walking_times(chat: Chat) -> None:
    spy = recording(chat)
    text = await chat.text(f"manger {POSITION} à pied, 1 km max")
    assert spy.queries[0].max_radius_km == 1.0
    lines = LINE.findall(text)
    assert lines, text
    for match in LINE.finditer(text):
        far = match.group("far")
        if not re.match(r"\d", far):
            continue  # a place reached on referral shows its commune, never a distance or a time
        assert "min à pied" in far, far
        assert _km(far) <= 1.0, far
    assert all(r.distance_m <= 1000 for r in spy.results)
    assert chat.conv.walk_km == 1.0 and (chat.conv.radius_km or 0) <= 1.0
    more = await chat.text("plus")
    assert all(_km(m.group("far")) <= 1.0 for m in LINE.finditer(more) if re.match(r"\d", m.group("far")))


async def test_a_limit_said_after_the_search_narrows_it(chat: Chat) -> None:
    await chat.send(f"manger {POSITION}")
    assert chat.conv.walk_km is None
    spy = recording(chat)
    text = await chat.text("à pied, pas plus de 500 m")
    assert chat.conv.lang == "fr", 'walking words name no language ("a pe" is Portuguese too)'
    assert chat.conv.walk_km == 0.5 and spy.queries[0].max_radius_km == 0.5
    if "Rien à moins de 0,5 km à pied" not in text:
        assert all(r.distance_m <= 500 for r in spy.results), text


async def test_the_walk_lasts_when_the_need_changes(chat: Chat) -> None:
    """ "à pied 1 km max douche", then "manger ici": still 1 km, until they say another limit."""
    await chat.send(f"douche {POSITION} à pied 1 km max")
    spy = recording(chat)
    text = await chat.text("manger ici")
    assert chat.conv.need == ("food",) and chat.conv.walk_km == 1.0
    assert spy.queries and all(q.max_radius_km == 1.0 for q in spy.queries)
    assert all(r.distance_m <= 1000 for r in spy.results) or text.startswith("Rien à moins de 1 km"), text
    await chat.send("vêtements ici 500 m max")
    assert chat.conv.walk_km == 0.5


async def test_nothing_within_the_walk_says_so_and_shows_the_nearest_beyond(chat: Chat) -> None:
    text = await chat.text("douche @48.62,7.70 pas plus de 100 m")
    assert text.startswith("Rien à moins de 0,1 km à pied. Les plus proches, plus loin :"), text
    assert all(_km(m.group("far")) > 0.1 for m in LINE.finditer(text) if re.match(r"\d", m.group("far")))
    details = await chat.send("1")
    assert details[0].kind is ReplyKind.DETAILS


async def test_a_volunteer_sees_walking_times_without_a_limit(chat: Chat) -> None:
    msg = Incoming(Channel.TELEGRAM, "volunteer", f"manger {POSITION}", surface=CONSOLE)
    public = await respond(chat.conv, msg, chat.deps)
    assert "min à pied" not in public.replies[-1].text
    volunteer = await respond(chat.conv, replace(msg, role=Role.VOLUNTEER), chat.deps)
    assert "min à pied" in volunteer.replies[-1].text


async def test_one_map_for_the_chosen_result_only(chat: Chat) -> None:
    page = await chat.send(f"manger {POSITION}")
    assert all(not r.venues for r in page)
    (details,) = await chat.send("1")
    assert details.kind is ReplyKind.DETAILS and len(details.venues) <= 1


def test_the_walk_and_the_position_are_kept_between_messages(chat: Chat) -> None:
    conv = load(dump(chat.conv.__class__(walk_km=1.5, here=(48.58, 7.74))))
    assert conv.walk_km == 1.5 and conv.here == (48.58, 7.74)
    assert load('{"walk_km": "far", "here": [999, 1]}').here is None
