"""Two workers (two app instances, one REDIS_URL) share sessions and de-duplication through the real Redis."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio as aioredis

from bot.app import create_app
from bot.identity import user_key
from handlers import Channel
from tests.e2e.support import (
    NOW,
    make_settings,
    messages,
    post_sms,
    running,
    twilio_form,
)


@pytest.fixture
def database_url(sample_database_url: str) -> str:
    return sample_database_url


async def _cleanup(url: str, keys: list[str]) -> None:
    client = aioredis.Redis.from_url(url)
    await client.delete(*keys)
    await client.aclose()


async def test_turn_one_on_worker_a_turn_two_on_worker_b(database_url: str, redis_url: str) -> None:
    settings = make_settings(database_url, redis_url=redis_url)
    sender = f"+3361{uuid.uuid4().int % 10**7:07d}"
    key = user_key(b"test-user-key-secret", Channel.SMS.value, sender)
    sid = f"SM{uuid.uuid4().hex}"
    try:
        async with (
            running(create_app(settings, clock=lambda: NOW)) as worker_a,
            running(create_app(settings, clock=lambda: NOW)) as worker_b,
        ):
            first = messages(
                (await post_sms(worker_a, twilio_form("manger Strasbourg", sender, sid=sid))).text
            )
            assert first and "1." in first[0]
            # Twilio's retry lands on the other worker: the same reply, computed once.
            retry = await post_sms(worker_b, twilio_form("manger Strasbourg", sender, sid=sid))
            assert retry.status_code == 200 and messages(retry.text) == first
            # Turn 2 on worker B continues the search started on worker A.
            more = messages((await post_sms(worker_b, twilio_form("PLUS", sender))).text)
            assert more and "4." in more[0] and "Strasbourg" in more[0]
            details = messages((await post_sms(worker_a, twilio_form("4", sender))).text)
            joined = "".join(details).replace("\n", "")
            assert "openstreetmap.org" in joined or "Adresse communiquée sur orientation" in joined
    finally:
        await _cleanup(redis_url, [f"solibot:conv:{key}", f"solibot:reply:sms:{sid}"])


async def test_stop_on_one_worker_silences_the_other(database_url: str, redis_url: str) -> None:
    settings = make_settings(database_url, redis_url=redis_url)
    sender = f"+3362{uuid.uuid4().int % 10**7:07d}"
    key = user_key(b"test-user-key-secret", Channel.SMS.value, sender)
    try:
        async with (
            running(create_app(settings, clock=lambda: NOW)) as worker_a,
            running(create_app(settings, clock=lambda: NOW)) as worker_b,
        ):
            assert messages((await post_sms(worker_a, twilio_form("STOP", sender))).text)
            assert messages((await post_sms(worker_b, twilio_form("manger Colmar", sender))).text) == []
            assert messages((await post_sms(worker_b, twilio_form("START", sender))).text)
            assert messages((await post_sms(worker_a, twilio_form("manger Colmar", sender))).text)
    finally:
        await _cleanup(redis_url, [f"solibot:conv:{key}"])
