"""Signed Twilio form posts through the whole ASGI app: SQLite directory, real conversation, TwiML out."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import locales
from bot.app import create_app
from bot.gsm import is_gsm, segments, to_gsm
from bot.identity import user_key
from bot.surfaces import travels_in_ucs2
from handlers import LANGUAGES
from tests.e2e.support import (
    NOW,
    SMS_URL,
    make_settings,
    messages,
    post_sms,
    running,
    sign,
    twilio_form,
)


@pytest.fixture
def database_url(sample_database_url: str) -> str:
    return sample_database_url


def _assert_sms_rules(bodies: list[str], lang: str, max_segments: int = 3) -> None:
    for body in bodies:
        assert body.strip(), "an empty <Message> costs a segment and says nothing"
        assert segments(body).count <= max_segments, (lang, body)
        if not travels_in_ucs2(lang):
            # GSM-7 whenever transliteration can reach it; only another script (the language menu) is UCS-2.
            assert is_gsm(body) or to_gsm(body) is None, (lang, body)
        assert "...." not in body, (lang, body)
        assert "??" not in body, "a letter of another script was replaced by a question mark"


async def test_multi_turn_search_more_and_details(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    sender = "+33611111111"
    async with running(app) as client:
        first = await post_sms(client, twilio_form("manger Strasbourg", sender))
        assert first.status_code == 200
        assert first.headers["content-type"].startswith("application/xml")
        page1 = messages(first.text)
        assert page1 and "1." in page1[0] and "Strasbourg" in page1[0]
        _assert_sms_rules(page1, "fr")

        more = messages((await post_sms(client, twilio_form("PLUS", sender))).text)
        assert "4." in more[0]
        assert more[0] != page1[0]

        details = messages((await post_sms(client, twilio_form("1", sender))).text)
        joined = "\n".join(details)
        assert "openstreetmap.org" in joined.replace("\n", "")
        _assert_sms_rules(details, "fr")

        # Another number has its own conversation.
        other = messages((await post_sms(client, twilio_form("PLUS", "+33622222222"))).text)
        assert other and "4." not in other[0]


async def test_forged_or_missing_signature_is_refused_and_not_processed(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    async with running(app) as client:
        form = twilio_form("manger Strasbourg", "+33633333333")
        forged = await post_sms(client, form, signature=sign(SMS_URL, form, token="not-the-token"))
        assert forged.status_code == 403
        tampered = dict(form)
        signature = sign(SMS_URL, form)
        tampered["Body"] = "STOP"
        assert (await post_sms(client, tampered, signature=signature)).status_code == 403
        missing = await client.post("/sms/twilio", data=form)
        assert missing.status_code == 403
        wrong_url = await post_sms(client, form, signature=sign("https://evil.example/sms/twilio", form))
        assert wrong_url.status_code == 403
        # Nothing was processed: the same MessageSid, correctly signed, is answered (not seen as a retry).
        genuine = await post_sms(client, form)
        assert genuine.status_code == 200 and messages(genuine.text)


async def test_retried_message_sid_gets_the_same_reply_computed_once(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    sender = "+33644444444"
    async with running(app) as client:
        form = twilio_form("manger Mulhouse", sender)
        first, second = await post_sms(client, form), await post_sms(client, form)
        assert messages(first.text) and second.status_code == 200 and second.text == first.text
        # Retries of a PLUS racing each other: one computes it (the page moves once), all get it.
        race = twilio_form("PLUS", sender)
        answers = await asyncio.gather(*(post_sms(client, race) for _ in range(5)))
        assert len({r.text for r in answers}) == 1 and re.search(r"^4\. ", messages(answers[0].text)[0], re.M)
        following = messages((await post_sms(client, twilio_form("PLUS", sender))).text)
        assert re.search(r"^7\. ", following[0], re.M), "the page moved once, not five times"


async def test_a_signed_request_re_cut_into_other_fields_is_not_answered(database_url: str) -> None:
    """Twilio signs the fields concatenated: "NumMedia"="0", "To"="+337…" and "NumMedia"="0To+337…"
    carry the same signature. The re-cut keeps the MessageSid, so it is not the person's message."""
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    async with running(app) as client:
        form = twilio_form("manger Colmar", "+33644444445")
        signature = sign(SMS_URL, form)
        assert messages((await post_sms(client, form, signature=signature)).text)
        re_cut = {k: v for k, v in form.items() if k != "To"} | {"NumMedia": "0To" + form["To"]}
        replayed = await post_sms(client, re_cut, signature=signature)
        assert replayed.status_code == 200 and messages(replayed.text) == []
        without_sid = {k: v for k, v in form.items() if k != "MessageSid"}
        without_sid["AccountSid"] += "MessageSid" + form["MessageSid"]
        refused = await post_sms(client, without_sid, signature=sign(SMS_URL, without_sid))
        assert refused.status_code == 400, "a form without its MessageSid is not Twilio's"


async def test_stop_then_silence_then_start(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    sender = "+33655555555"
    async with running(app) as client:
        stop = messages((await post_sms(client, twilio_form("STOP", sender))).text)
        assert len(stop) == 1 and "START" in stop[0]
        silent = await post_sms(client, twilio_form("manger Strasbourg", sender))
        assert silent.status_code == 200 and messages(silent.text) == []
        back = messages((await post_sms(client, twilio_form("START", sender))).text)
        assert back
        again = messages((await post_sms(client, twilio_form("manger Strasbourg", sender))).text)
        assert again and "1." in again[0]


async def test_proxy_url_from_forwarded_headers_and_public_base_url(database_url: str) -> None:
    behind = "https://sms.solibot.example/sms/twilio"
    form = twilio_form("aide", "+33666666666")
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    async with running(app, base_url="http://10.0.0.5:8000") as client:
        ok = await post_sms(
            client,
            form,
            url=behind,
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.solibot.example"},
        )
        assert ok.status_code == 200
        plain = await post_sms(client, twilio_form("aide"), url=behind)
        assert plain.status_code == 403  # without the headers the URL is http://10.0.0.5:8000/...
    app = create_app(
        make_settings(database_url, public_base_url="https://sms.solibot.example/"), clock=lambda: NOW
    )
    async with running(app, base_url="http://10.0.0.5:8000") as client:
        assert (await post_sms(client, twilio_form("aide"), url=behind)).status_code == 200


async def test_bad_input_never_500(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    async with running(app) as client:
        bad = await client.post(
            "/sms/twilio",
            content=b"\xff\xfe not a form",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert bad.status_code == 400
        as_json = await client.post("/sms/twilio", json={"Body": "hi"})
        assert as_json.status_code == 400
        for body in ("x" * 10_000, "😀🍞🛏️", "", "\u200f\u0000\t", "<Message>&amp;</Message>"):
            response = await post_sms(client, twilio_form(body, "+33677777777"))
            assert response.status_code == 200, body
            _assert_sms_rules(messages(response.text), "fr")


async def test_every_latin_locale_stays_gsm7_within_three_segments(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    script = (
        "aide",
        "menu",
        "1",
        "Strasbourg",
        "PLUS",
        "1",
        "langue",
        "manger Colmar",
        "2",
        "douche",
        "Mulhouse",
    )
    async with running(app) as client:
        for index, lang in enumerate(sorted(lang for lang in LANGUAGES if not travels_in_ucs2(lang))):
            sender = f"+336880000{index:02d}"
            messages((await post_sms(client, twilio_form(lang, sender))).text)
            for text in script:
                bodies = messages((await post_sms(client, twilio_form(text, sender))).text)
                _assert_sms_rules(bodies, lang)
            assert locales.LANGUAGES  # the catalogs load for every language


async def test_non_latin_replies_fit_ucs2_pages(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    async with running(app) as client:
        for index, (lang, text) in enumerate(
            (
                ("ar", "طعام ستراسبورغ"),
                ("ru", "еда Страсбург"),
                ("uk", "їжа Страсбург"),
                ("fa", "غذا استراسبورگ"),
            )
        ):
            sender = f"+336990000{index:02d}"
            for step in (lang, text, "1"):
                bodies = messages((await post_sms(client, twilio_form(step, sender))).text)
                _assert_sms_rules(bodies, lang)


async def test_language_menu_names_every_language_in_its_own_script(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    async with running(app) as client:
        bodies = messages((await post_sms(client, twilio_form("langue", "+33698000001"))).text)
        _assert_sms_rules(bodies, "ar")
        menu = "\n".join(bodies)
        for name in ("Français", "العربية", "Русский", "پښتو", "فارسی", "Українська", "ქართული", "Română"):
            assert name in menu, name


async def test_list_and_details_end_with_their_instructions(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    sender = "+33698000002"
    async with running(app) as client:
        for text in ("soins Mulhouse", "PLUS", "douche Strasbourg", "PLUS", "manger Colmar"):
            bodies = messages((await post_sms(client, twilio_form(text, sender))).text)
            _assert_sms_rules(bodies, "fr")
            last = bodies[-1].split("\n")
            assert len(last) > 1, "the instructions never travel alone in an SMS"
            assert last[-1].startswith("PLUS"), bodies
            assert len(bodies) == 1, "a page of results is one SMS of at most three segments"
        details = messages((await post_sms(client, twilio_form("2", sender))).text)
        _assert_sms_rules(details, "fr")
        lines = details[-1].split("\n")
        assert any(
            line.startswith(
                ("Itinéraire : https://www.openstreetmap.org/", "Adresse communiquée sur orientation")
            )
            for line in lines
        )


async def test_healthz(database_url: str) -> None:
    app = create_app(make_settings(database_url), clock=lambda: NOW)
    async with running(app) as client:
        response = await client.get("/healthz")
        assert response.status_code == 200 and response.json()["database"] == "up"


async def test_database_down_answers_115_with_status_200() -> None:
    down = make_settings("postgresql://solibot@127.0.0.1:1/solibot")  # nothing listens on port 1
    app = create_app(down, clock=lambda: NOW)
    async with running(app) as client:
        assert (await client.get("/healthz")).status_code == 503
        response = await post_sms(client, twilio_form("manger Strasbourg", "+33612000000"))
        assert response.status_code == 200
        (body,) = messages(response.text)
        assert "115" in body and "indisponible" in body
        assert is_gsm(body) and segments(body).count <= 2


async def test_redis_down_still_answers_and_keeps_stop(database_url: str) -> None:
    """The session store down is no reason to answer everyone "call 115": the search works. The
    opt-out is in the database, so someone who sent STOP stays silent."""
    settings = make_settings(database_url, redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    async with running(create_app(settings, clock=lambda: NOW)) as client:
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json() == {
            "status": "degraded",
            "database": "up",
            "sessions": "down",
        }
        (body, *_) = messages((await post_sms(client, twilio_form("manger Strasbourg", "+33612000001"))).text)
        assert "1." in body and "indisponible" not in body
        assert messages((await post_sms(client, twilio_form("STOP", "+33612000002"))).text)
        assert messages((await post_sms(client, twilio_form("manger Strasbourg", "+33612000002"))).text) == []


@contextmanager
def _write_lock_held(url: str) -> Iterator[None]:
    """On SQLite, another connection holding the write lock (an import, say): a turn's writes, which
    run on the loop and never wait there, wait in a thread instead. PostgreSQL's always wait."""
    if not url.startswith("sqlite"):
        yield
        return
    holder = sqlite3.connect(str(make_url(url).database), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.close()  # rolled back: the turn's write goes on in its thread


async def test_past_the_deadline_the_notice_goes_out_in_the_senders_language(database_url: str) -> None:
    settings = make_settings(database_url, turn_deadline_seconds=1e-6)  # past it at the first wait
    async with running(create_app(settings, clock=lambda: NOW)) as client:
        with _write_lock_held(database_url):
            response = await post_sms(client, twilio_form("хочу есть Страсбург", "+33612000003"))
        (body,) = messages(response.text)
        assert response.status_code == 200 and "115" in body and re.search("[а-я]", body), body


async def test_metrics_count_turns_latency_and_refusals(database_url: str) -> None:
    async with running(create_app(make_settings(database_url), clock=lambda: NOW)) as client:
        before = (await client.get("/metrics")).text
        await post_sms(client, twilio_form("manger Strasbourg", "+33612000004"))
        await post_sms(client, twilio_form("manger Strasbourg", "+33612000004"), signature="forged")
        after = (await client.get("/metrics")).text

    def value(text: str, sample: str) -> float:
        found = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.M)
        return float(found.group(1)) if found else 0.0

    answered = 'solibot_turns_total{channel="sms",outcome="answered"}'
    assert value(after, answered) == value(before, answered) + 1
    refused = 'solibot_webhook_refused_total{channel="sms",reason="signature"}'
    assert value(after, refused) == value(before, refused) + 1
    assert value(after, 'solibot_turn_seconds_count{channel="sms"}') >= 1
    assert value(after, 'solibot_dependency_up{dependency="database"}') == 1


async def test_forget_me_deletes_the_stored_conversation(database_url: str) -> None:
    sender = "+33612000005"
    key = user_key(b"test-user-key-secret", "sms", sender)
    async with running(create_app(make_settings(database_url), clock=lambda: NOW)) as client:
        await post_sms(client, twilio_form("manger Strasbourg", sender))
        engine = create_engine(database_url)
        with engine.connect() as conn:
            stored = "SELECT count(*) FROM conversation_session WHERE user_key = :k"
            assert conn.execute(text(stored), {"k": key}).scalar_one() == 1
        (done,) = messages((await post_sms(client, twilio_form("oublie-moi", sender))).text)
        assert "effac" in done
        with engine.connect() as conn:
            assert conn.execute(text(stored), {"k": key}).scalar_one() == 0
        engine.dispose()
        (again,) = messages((await post_sms(client, twilio_form("PLUS", sender))).text)
        assert "Strasbourg" not in again, "nothing of the search is left"
