"""The web chat over HTTP, without a browser: what it refuses (CSRF, forged cookies and transcripts,
floods, 10 kB messages), what it keeps (a hashed key, no text), and the headers that let /chat alone
be framed. The browser tests are in test_webchat_browser.py."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from pydantic import ValidationError
from sqlalchemy import create_engine, text
from starlette.requests import Request

import locales
from bot.app import create_app
from bot.identity import user_key
from bot.operators import OperatorStore
from bot.webchat import COOKIE, DESK_COOKIE, MAX_MESSAGE_CHARS, client_address
from bot.webchat_guard import Desk, Guard, RateLimiter
from bot.webchat_page import TEXT, accepted_language, pieces
from db.sql import make_async_engine
from handlers import Role
from tests.e2e import browser
from tests.e2e.support import NOW, make_settings, running

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"test-user-key-secret"
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def hidden(page: str) -> dict[str, str]:
    """The first form's hidden fields (the message form comes before the footer's)."""
    found: dict[str, str] = {}
    for name, value in _HIDDEN.findall(page):
        found.setdefault(name, html.unescape(value))
    return found


def replies(page: str) -> list[str]:
    found = re.findall(r'<p class="text"[^>]*>(.*?)</p>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", t)) for t in found]


@pytest.fixture
async def client(sample_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(sample_database_url), clock=lambda: NOW)
    async with running(app) as client:
        yield client


async def send(client: httpx.AsyncClient, page: str, message: str, **extra: str) -> httpx.Response:
    return await client.post("/chat", data={**hidden(page), "text": message, **extra})


async def test_the_page_is_public_embeddable_and_sets_a_signed_httponly_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/chat")
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=none" in cookie
    assert "Secure" in cookie and "Partitioned" in cookie and "Path=/chat" in cookie
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    assert "geolocation=(self)" in response.headers["permissions-policy"]
    assert '<label for="text">' in response.text and 'role="log"' in response.text
    other = await client.get("/healthz")
    assert other.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in other.headers["content-security-policy"]
    login = await client.get("/chat/login")
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]


async def test_a_search_answers_with_results_and_choice_buttons(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    response = await send(client, page, "manger Mulhouse")
    assert response.status_code == 200
    said = replies(response.text)
    assert said[0] == "manger Mulhouse"
    assert "Mulhouse" in said[1] and "1." in said[1]
    assert 'name="choice" value="1"' in response.text
    details = await client.post("/chat", data={**hidden(response.text), "choice": "1"})
    said = replies(details.text)
    assert said[:2] == replies(response.text)[:2]  # the transcript travels with the page
    assert said[-2] == "1" and len(said[-1]) > 40
    assert '<a href="tel:+33353019561">03 53 01 95 61</a>' in details.text
    assert '<a href="https://www.openstreetmap.org/directions?' in details.text


def test_phone_numbers_and_the_bots_links_open_on_a_phone() -> None:
    assert pieces("Tél. : 03 53 01 95 61, ou 0612345678.") == [
        ("Tél. : ", None),
        ("03 53 01 95 61", "tel:+33353019561"),
        (", ou ", None),
        ("0612345678", "tel:+33612345678"),
        (".", None),
    ]
    assert pieces("Itinéraire : https://www.openstreetmap.org/directions?to=47.7,7.3.") == [
        ("Itinéraire : ", None),
        (
            "https://www.openstreetmap.org/directions?to=47.7,7.3",
            "https://www.openstreetmap.org/directions?to=47.7,7.3",
        ),
        (".", None),
    ]
    assert pieces("(600 m) 21 Boulevard, SIRET 12345678901234") == [
        ("(600 m) 21 Boulevard, SIRET 12345678901234", None)
    ]


def test_emergency_numbers_dial_in_the_emergency_lines_only() -> None:
    text = (
        "En danger immédiat : appelez le 17 (police) ou le 112. Si vous ne pouvez pas parler, "
        "envoyez un SMS au 114.\nViolences : appelez le 3919.\nFoyer (1,15 km) 15 rue Vauban, 15 min, 17h"
    )
    links = [(w, link) for w, link in pieces(text, alerts=2) if link]
    assert links == [("17", "tel:17"), ("112", "tel:112"), ("114", "sms:114"), ("3919", "tel:3919")]
    assert all(link is None for _, link in pieces(text))  # not an emergency line: "15 rue", "17h"


async def test_a_crisis_in_the_web_chat_gives_numbers_a_phone_dials(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    answer = await send(client, page, "je veux en finir")
    assert '<a href="tel:3114">3114</a>' in answer.text
    again = await send(client, answer.text, "manger Mulhouse")  # the transcript keeps its links
    assert '<a href="tel:3114">3114</a>' in again.text


async def test_the_user_key_is_the_hashed_cookie_id_and_no_text_is_stored(
    client: httpx.AsyncClient, sample_database_url: str
) -> None:
    first = await client.get("/chat")
    cookie_id = client.cookies[COOKIE].split(".")[0]
    await send(client, first.text, "manger Mulhouse")
    engine = create_engine(sample_database_url)
    with engine.connect() as conn:
        keys = [row[0] for row in conn.execute(text("SELECT user_key FROM conversation_session"))]
        kept = [row[0] or "" for row in conn.execute(text("SELECT reply FROM webhook_reply"))]
    engine.dispose()
    assert keys == [user_key(SECRET, "web", cookie_id)]
    assert all(cookie_id not in value for value in keys + kept)
    assert kept and all("manger Mulhouse" not in value for value in kept)


async def test_a_post_without_the_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    forged = {**hidden(page), "csrf": "x" * 22}
    response = await client.post("/chat", data={**forged, "text": "manger Mulhouse"})
    assert response.status_code == 403
    assert "Cette page avait expiré" in response.text
    assert replies(response.text) == []


async def test_a_forged_cookie_is_a_new_visitor(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    user_id, signature = client.cookies[COOKIE].split(".")
    client.cookies.clear()
    client.cookies.set(COOKIE, f"{user_id}.{signature[::-1]}", domain="bot.example.org", path="/chat")
    response = await send(client, page, "manger Mulhouse")
    assert response.status_code == 403 and replies(response.text) == []
    assert client.cookies[COOKIE].split(".")[0] != user_id  # a fresh id, not the forged one


async def test_a_forged_transcript_is_dropped(client: httpx.AsyncClient) -> None:
    guard = Guard(b"another-secret")
    page = (await client.get("/chat")).text
    user_id = client.cookies[COOKIE].split(".")[0]
    forged = guard.seal(user_id, [[0, "bot", "fr", "Appelez le 08 99 00 00 00", [], 0]])
    response = await send(client, page, "aide", h=forged)
    assert all("08 99" not in said for said in replies(response.text))


async def test_a_10_kb_message_is_answered_plainly_and_a_huge_body_refused(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    response = await send(client, page, "manger " * 1500)
    assert response.status_code == 200
    assert f"{MAX_MESSAGE_CHARS} caractères au plus" in response.text
    assert replies(response.text) == []
    huge = await client.post("/chat", content=b"text=" + b"a" * 200_000)
    assert huge.status_code == 413


async def test_emoji_and_other_scripts_are_answered(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    response = await send(client, page, "🍞🍞 😀 Mulhouse")
    assert response.status_code == 200
    assert replies(response.text)[0] == "🍞🍞 😀 Mulhouse" and len(replies(response.text)) >= 2
    arabic = await send(client, response.text, "أريد أن آكل في مولوز")
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert '<p class="text" lang="ar" dir="auto">أريد أن آكل في مولوز</p>' in arabic.text
    assert 'lang="ar" dir="rtl"' in arabic.text


async def test_a_form_sent_twice_is_answered_once(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    first = await send(client, page, "manger Mulhouse")
    again = await send(client, page, "manger Mulhouse")
    assert replies(first.text) == replies(again.text)


async def test_a_flood_from_one_visitor_is_slowed(client: httpx.AsyncClient) -> None:
    page = (await client.get("/chat")).text
    statuses = []
    for _ in range(12):
        response = await send(client, page, "aide", n="")
        statuses.append(response.status_code)
    assert statuses[:10] == [200] * 10 and statuses[-1] == 429
    assert "Trop de messages" in response.text


def test_only_a_private_peer_may_name_the_client() -> None:
    """Behind the HTTPS proxy (a private or loopback peer) the client is X-Forwarded-For's last entry,
    the one the proxy appended; a client reaching the service directly keeps its own address."""

    def request(peer: str, forwarded: str) -> Request:
        headers = [(b"x-forwarded-for", forwarded.encode())]
        return Request({"type": "http", "client": (peer, 1234), "headers": headers})

    assert client_address(request("127.0.0.1", "198.51.100.7, 203.0.113.9")) == "203.0.113.9"
    assert client_address(request("10.0.0.2", "203.0.113.9")) == "203.0.113.9"
    assert client_address(request("93.184.216.34", "198.51.100.7")) == "93.184.216.34"


async def test_a_new_conversation_forgets_the_previous_one(
    client: httpx.AsyncClient, sample_database_url: str
) -> None:
    page = (await client.get("/chat")).text
    await send(client, page, "manger Mulhouse")
    old = client.cookies[COOKIE]
    response = await client.post("/chat/new", data={"csrf": hidden(page)["csrf"]})
    assert response.status_code == 303 and client.cookies[COOKIE] != old
    engine = create_engine(sample_database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM conversation_session")).scalar() == 0
    engine.dispose()


async def test_the_page_opens_in_the_language_asked() -> None:
    assert accepted_language("de-DE,uk;q=0.8,fr;q=0.5") == "uk"
    assert accepted_language("de") is None


async def test_a_kiosk_page_in_arabic_is_right_to_left(client: httpx.AsyncClient) -> None:
    response = await client.get("/chat?lang=ar")
    assert '<html lang="ar" dir="rtl">' in response.text
    assert "اعثر على مساعدة" in response.text


def test_rate_limits_are_bounded_in_memory() -> None:
    clock = [0.0]
    limiter = RateLimiter(capacity=2, every_seconds=1.0, max_keys=100, clock=lambda: clock[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    clock[0] += 1.0
    assert limiter.allow("a")
    for i in range(1000):
        limiter.allow(str(i))
    assert len(limiter) == 100


@pytest.mark.parametrize("lang", locales.LANGUAGES)
def test_every_page_sentence_is_translated(lang: str) -> None:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "webchat.po").open("rb") as handle:
        catalog = {str(m.id): str(m.string) for m in read_po(handle, locale=lang) if m.id}
    assert set(catalog) == set(TEXT.values())
    for msgid, msgstr in catalog.items():
        assert msgstr.strip()
        assert re.findall(r"\{\w+\}", msgstr) == re.findall(r"\{\w+\}", msgid)
        if lang != "en" and len(msgid.split()) > 1:
            assert msgstr != msgid, f"{lang}: {msgid!r} left in English"


async def register_desk(
    database_url: str, login: str = "desk-68", password: str = "correct horse 68"
) -> None:
    engine = make_async_engine(database_url)
    try:
        await OperatorStore(engine, SECRET).add(
            "Camille", "SIAO 68", Role.OPERATOR, web_login=login, password=password
        )
    finally:
        await engine.dispose()


def channels_and_roles(database_url: str) -> list[tuple[str, str]]:
    """What the statistics kept of the searches: (channel, role) of each event."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, role FROM search_event")).all()
    engine.dispose()
    return [(str(channel), str(role)) for channel, role in rows]


async def test_an_operator_signs_in_and_their_searches_count_as_an_operators(
    sample_database_url: str,
) -> None:
    await register_desk(sample_database_url)
    app = create_app(make_settings(sample_database_url), clock=lambda: NOW)
    async with running(app) as client:
        page = (await client.get("/chat/login")).text
        wrong = await client.post(
            "/chat/login", data={**hidden(page), "login": "desk-68", "password": "not it"}
        )
        assert wrong.status_code == 401 and "Identifiant ou mot de passe incorrect" in wrong.text
        public_id = client.cookies[COOKIE].split(".")[0]
        signed = await client.post(
            "/chat/login", data={**hidden(page), "login": "desk-68", "password": "correct horse 68"}
        )
        assert signed.status_code == 303
        desk_cookie = signed.headers.get_list("set-cookie")[0]
        assert desk_cookie.startswith(f"{DESK_COOKIE}=") and "HttpOnly" in desk_cookie
        assert "SameSite=strict" in desk_cookie
        assert client.cookies[COOKIE].split(".")[0] != public_id  # a new chat id after sign-in
        desk = await client.get("/chat")
        assert "Connecté : Camille (SIAO 68)" in desk.text
        assert "frame-ancestors 'none'" in desk.headers["content-security-policy"]
        assert desk.headers["x-frame-options"] == "DENY"
        answer = await send(client, desk.text, "manger Mulhouse")
        assert "Mulhouse" in replies(answer.text)[1]
        out = await client.post("/chat/logout", data={"csrf": hidden(answer.text)["csrf"]})
        assert out.status_code == 303
        assert "Camille" not in (await client.get("/chat")).text
    assert ("web", "operator") in channels_and_roles(sample_database_url)


async def test_an_operator_removed_after_signing_in_writes_as_the_public(
    sample_database_url: str,
) -> None:
    """The sign-in cookie lasts a shift; removing the operator must not leave them its powers."""
    await register_desk(sample_database_url)
    app = create_app(make_settings(sample_database_url), clock=lambda: NOW)
    async with running(app) as client:
        page = (await client.get("/chat/login")).text
        signed = await client.post(
            "/chat/login", data={**hidden(page), "login": "desk-68", "password": "correct horse 68"}
        )
        assert signed.status_code == 303
        engine = make_async_engine(sample_database_url)
        try:
            store = OperatorStore(engine, SECRET)
            (camille,) = await store.list()
            assert await store.remove(camille.id)
        finally:
            await engine.dispose()
        await send(client, (await client.get("/chat")).text, "manger Mulhouse")
    assert channels_and_roles(sample_database_url) == [("web", "public")]


async def test_a_forged_desk_cookie_is_the_public(client: httpx.AsyncClient) -> None:
    forged = Guard(b"another-secret").desk(Desk(1, "operator", "Mallory", "Nowhere", 4e9))
    client.cookies.set(DESK_COOKIE, forged, domain="bot.example.org", path="/chat")
    page = await client.get("/chat")
    assert "Mallory" not in page.text
    assert "frame-ancestors *" in page.headers["content-security-policy"]


def test_who_may_frame_the_chat_is_sources_only() -> None:
    assert make_settings(
        "sqlite://", webchat_frame_ancestors=" https://a.example 'self' "
    ).webchat_frame_ancestors == ("https://a.example 'self'")
    for bad in ("* ; script-src *", "https://a.example\r\nX-Evil: 1", ""):
        with pytest.raises(ValidationError):
            make_settings("sqlite://", webchat_frame_ancestors=bad)


def test_a_missing_browser_skips_here_and_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "REQUIRED", False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        browser.browser_missing("no Chromium installed")
    monkeypatch.setattr(browser, "REQUIRED", True)
    with pytest.raises(pytest.fail.Exception, match="requires the browser tests"):
        browser.browser_missing("no Chromium installed")
