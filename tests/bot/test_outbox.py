"""Sending a place to a person (issue 13), through the real wiring (SQLite sample, sessions, audit) to a
local stand-in of Twilio's REST API: what is posted, confirmation, failures, the allowance, privacy."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import inspect, text

from bot.gsm import for_sms, segments
from bot.outbox import FernetSealer, SqlOutbox, recipient_hash
from bot.surfaces import TELEGRAM
from bot.twilio_rest import TwilioMessages
from bot.wiring import Resources
from db.sql import make_async_engine, make_engine
from handlers import Channel, Incoming, Outgoing, ReplyKind, Role, Sent
from tests.bot.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandIn, serving
from tests.conftest import NOW
from tests.e2e.support import make_settings

PHONE_FORMS = ("0612345678", "+33612345678", "612345678", "06 12 34 56 78", "33612345678")


@pytest.fixture
def standin() -> Iterator[tuple[TwilioStandIn, str]]:
    found = TwilioStandIn()
    with serving(found) as url:
        yield found, url


def _settings(database_url: str, base: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": SecretStr(AUTH_TOKEN),
        "twilio_from_number": FROM_NUMBER,
        "twilio_api_base": base,
    }
    values.update(overrides)
    return make_settings(database_url, **values)


def _msg(text: str, role: Role = Role.OPERATOR, actor: int | None = 7) -> Incoming:
    return Incoming(
        Channel.TELEGRAM, "o" * 64, text, received_at=NOW, surface=TELEGRAM, role=role, actor=actor
    )


async def _say(resources: Resources, text: str, **kw: Any) -> str:
    turn = await resources.converse(_msg(text, **kw))
    return "\n".join(r.text for r in turn.replies)


async def test_a_confirmed_send_posts_one_sms_with_the_right_fields(
    sample_database_url: str, standin: tuple[TwilioStandIn, str]
) -> None:
    twilio, base = standin
    async with Resources.open(_settings(sample_database_url, base), lambda: NOW, deadline=False) as resources:
        assert "1." in await _say(resources, "douche Mulhouse")
        asked = await resources.converse(_msg("envoyer 1 au 06 12 34 56 78 en arabe"))
        (question,) = asked.replies
        assert question.kind is ReplyKind.QUESTION
        assert "06 12 34 56 78" in question.text and "OUI" in question.text
        assert twilio.requests == []  # nothing leaves before YES
        done = await _say(resources, "oui")
        assert done == "Envoyé au 06 12 34 56 78."
        assert resources.events is not None
        await resources.events.flush()
    (posted,) = twilio.requests
    assert (posted.account, posted.user, posted.password) == (ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN)
    assert posted.form["To"] == "+33612345678" and posted.form["From"] == FROM_NUMBER
    body = posted.form["Body"]
    assert any("\u0600" <= c <= "\u06ff" for c in body)  # in Arabic, as asked
    assert body in question.text or for_sms(body) == body
    assert segments(body).count <= 3
    engine = make_engine(sample_database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM sms_send")).mappings().one()
    assert row["operator_id"] == 7 and row["lang"] == "ar" and row["status"] == "queued"
    assert row["twilio_sid"].startswith("SM") and row["error"] is None
    assert row["recipient_hash"] == recipient_hash(b"test-user-key-secret", "+33612345678")
    with engine.connect() as conn:
        query = text("SELECT kind, role, channel, categories FROM search_event ORDER BY id")
        events = conn.execute(query).all()
    engine.dispose()
    # Sent to a person: the search's strong success (issue 14), with the operator's role.
    assert [tuple(e) for e in events] == [
        ("search", "operator", "telegram", "shower"),
        ("sent", "operator", "telegram", "shower"),
    ]


async def test_nothing_is_sent_without_the_confirmation(
    sample_database_url: str, standin: tuple[TwilioStandIn, str]
) -> None:
    twilio, base = standin
    async with Resources.open(_settings(sample_database_url, base), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "envoyer 1 au 0612345678")
        dropped = await _say(resources, "manger Colmar")  # anything else drops the send, and says so
        assert dropped.startswith("Annulé : rien n'a été envoyé.") and "1." in dropped
        assert "Envoy" not in await _say(resources, "oui")
        await _say(resources, "envoie le 2 par sms au 0612345678")
        assert await _say(resources, "non") == "Annulé : rien n'a été envoyé."
        assert "Envoy" not in await _say(resources, "oui")
    assert twilio.requests == []


@pytest.mark.parametrize(("status", "code"), [(400, 21211), (503, 20500)])
async def test_a_twilio_failure_is_answered_clearly_and_audited(
    sample_database_url: str, standin: tuple[TwilioStandIn, str], status: int, code: int
) -> None:
    twilio, base = standin
    twilio.fail_status, twilio.fail_code = status, code
    async with Resources.open(_settings(sample_database_url, base), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "send 1 to +44 7911 123456")
        said = await _say(resources, "yes")
    assert "+44 7911 123456" in said and "rien n'est parvenu" in said
    assert "Twilio" not in said and str(code) not in said, "the code is for the audit, not the operator"
    assert len(twilio.requests) == 1
    engine = make_engine(sample_database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, error, twilio_sid FROM sms_send")).one()
    engine.dispose()
    assert tuple(row) == ("failed", f"Twilio {code}", None)


async def test_a_twilio_out_of_reach_is_a_plain_sentence_and_the_class_in_the_audit(
    sample_database_url: str,
) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused
    async with Resources.open(
        _settings(sample_database_url, closed), lambda: NOW, deadline=False
    ) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "envoyer 1 au 0612345678")
        said = await _say(resources, "oui")
    assert said.startswith("Le SMS n'a pas pu être envoyé : rien n'est parvenu au 06 12 34 56 78."), said
    assert "Error" not in said and "(" not in said
    engine = make_engine(sample_database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, error FROM sms_send")).one()
    engine.dispose()
    assert tuple(row) == ("failed", "ConnectError")


async def test_a_twilio_that_does_not_answer_is_a_timeout(
    sample_database_url: str, standin: tuple[TwilioStandIn, str]
) -> None:
    twilio, base = standin
    twilio.hang_seconds = 1.5
    engine = make_async_engine(sample_database_url)
    messages = TwilioMessages(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, base_url=base, timeout=0.2)
    outbox = SqlOutbox(engine, messages, b"k", per_hour=5, max_segments=3, clock=lambda: NOW)
    sms = Outgoing("r" * 32, 7, "+33612345678", "Foyer", "fr", "solibot-sample", 1, 1)
    result = await outbox.send(sms)
    assert (result.outcome, result.reason) == (Sent.FAILED, "timeout")
    again = await outbox.send(sms)  # the same confirmation handled again: not posted twice
    assert again.outcome is Sent.FAILED and len(twilio.requests) == 1
    await engine.dispose()


async def test_the_hourly_allowance(sample_database_url: str, standin: tuple[TwilioStandIn, str]) -> None:
    twilio, base = standin
    settings = _settings(sample_database_url, base, send_sms_per_hour=1)
    async with Resources.open(settings, lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "envoyer 1 au 0612345678")
        assert (await _say(resources, "oui")).startswith("Envoyé")
        limited = await _say(resources, "envoyer 2 au 0687654321")
        assert "1 SMS dans la dernière heure" in limited
        other = await _say(resources, "envoyer 2 au 0687654321", actor=8)  # another operator's own allowance
        assert "OUI" in other
    later = NOW + timedelta(hours=1, minutes=1)
    async with Resources.open(settings, lambda: later, deadline=False) as resources:
        await resources.converse(replace(_msg("douche Mulhouse"), received_at=later))
        turn = await resources.converse(replace(_msg("envoyer 1 au 0612345678"), received_at=later))
        assert "OUI" in turn.replies[0].text
    assert len(twilio.requests) == 1


async def test_the_public_is_refused_politely(
    sample_database_url: str, standin: tuple[TwilioStandIn, str]
) -> None:
    twilio, base = standin
    async with Resources.open(_settings(sample_database_url, base), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse", role=Role.PUBLIC, actor=None)
        said = await _say(resources, "envoyer 1 au 0612345678", role=Role.PUBLIC, actor=None)
        assert "réservé aux écoutants du 115" in said
        assert "Envoy" not in await _say(resources, "oui", role=Role.PUBLIC, actor=None)
    assert twilio.requests == []


async def test_without_twilio_the_command_says_so(sample_database_url: str) -> None:
    async with Resources.open(make_settings(sample_database_url), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        said = await _say(resources, "envoyer 1 au 0612345678")
    assert "pas activé" in said and "Twilio" in said


async def test_bad_numbers_are_answered(sample_database_url: str, standin: tuple[TwilioStandIn, str]) -> None:
    twilio, base = standin
    async with Resources.open(_settings(sample_database_url, base), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        assert "fixe" in await _say(resources, "envoyer 1 au 03 89 12 34 56")
        assert "n'est pas un numéro" in await _say(resources, "envoyer 1 au 06 12 34")
        assert "pas de résultat 40" in (await _say(resources, "envoyer 40 au 0612345678")).lower()
        assert "par exemple" in await _say(resources, "envoyer au 0612345678")
    assert twilio.requests == []


def _everything(database_url: str) -> str:
    """Every value of every table, as one text."""
    engine = make_engine(database_url)
    found = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - our own table names
                found.append(" ".join(str(v) for v in row))
    engine.dispose()
    return "\n".join(found)


async def test_the_number_is_never_stored_in_clear(
    sample_database_url: str, standin: tuple[TwilioStandIn, str]
) -> None:
    _, base = standin
    async with Resources.open(_settings(sample_database_url, base), lambda: NOW, deadline=False) as resources:
        await _say(resources, "douche Mulhouse")
        await _say(resources, "envoyer 1 au 06 12 34 56 78")
        stored = _everything(sample_database_url)  # the session holds the send awaiting YES
        assert "sending" in stored
        session = (await resources.sessions.load("o" * 64)).conversation
        assert session is not None and session.sending is not None
        assert FernetSealer(b"test-user-key-secret").unseal(session.sending) is not None
        await _say(resources, "oui")
        await _say(resources, "envoyer 2 au +33 6 12 34 56 78")
    for stage in (stored, _everything(sample_database_url)):
        squeezed = stage.replace(" ", "")
        for form in PHONE_FORMS:
            assert form.replace(" ", "") not in squeezed


def test_a_sealed_send_expires_and_resists_another_secret() -> None:
    token = FernetSealer(b"secret").seal(json.dumps({"to": "+33612345678"}))
    assert FernetSealer(b"secret").unseal(token) is not None
    assert FernetSealer(b"another").unseal(token) is None
    assert FernetSealer(b"secret").unseal(token[:-4] + "AAAA") is None


async def test_nor_in_redis(
    sample_database_url: str, standin: tuple[TwilioStandIn, str], redis_url: str
) -> None:
    """With several workers the conversation lives in Redis: the send awaiting YES is sealed there too."""
    import redis.asyncio as aioredis

    _, base = standin
    key = uuid.uuid4().hex * 2
    settings = _settings(sample_database_url, base, redis_url=redis_url)
    async with Resources.open(settings, lambda: NOW, deadline=False) as resources:
        await resources.converse(replace(_msg("douche Mulhouse"), user_key=key))
        await resources.converse(replace(_msg("envoyer 1 au 06 12 34 56 78"), user_key=key))
        client = aioredis.Redis.from_url(redis_url)
        found = [k async for k in client.scan_iter(match=f"*{key}*")]
        values: list[bytes] = []
        for k in found:
            kind = await client.type(k)
            if kind == b"hash":
                values.extend(v for v in (await client.hgetall(k)).values() if isinstance(v, bytes))
            elif kind == b"string" and isinstance(value := await client.get(k), bytes):
                values.append(value)
        await client.delete(*found)
        await client.aclose()
    stored = b" ".join(values)
    assert b'"sending":"' in stored  # the sealed send is there, and nothing of the number
    for form in PHONE_FORMS:
        assert form.replace(" ", "").encode() not in stored.replace(b" ", b"")
