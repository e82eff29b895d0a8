"""STOP and another message sent at once, 100 times, on one worker (SQLite) and on two workers sharing
Redis: the opt-out is never undone, and a message sent once STOP was confirmed is never answered.
(The audit found the person answered again in 80 of 100 trials on SQLite, 50 of 100 on Redis.)"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.app import create_app
from tests.e2e.support import NOW, make_settings, messages, post_sms, running, twilio_form

TRIALS = 100


@pytest.fixture
def database_url(sample_database_url: str) -> str:
    return sample_database_url


async def _race(workers: list, trials: int) -> tuple[int, int]:  # type: ignore[type-arg]
    """(opt-outs lost, messages answered after STOP was confirmed), over `trials` people."""
    lost = answered_after = 0
    for trial in range(trials):
        sender = f"+3367{uuid.uuid4().int % 10**7:07d}"
        first, second = workers[trial % len(workers)], workers[(trial + 1) % len(workers)]
        stop = asyncio.create_task(post_sms(first, twilio_form("STOP", sender)))
        await asyncio.sleep(0)  # STOP is sent first, the other message right after
        other = asyncio.create_task(post_sms(second, twilio_form("manger Strasbourg", sender)))
        assert messages((await stop).text), "STOP is confirmed"
        after = asyncio.create_task(post_sms(second, twilio_form("douche Colmar", sender)))
        await other
        if messages((await after).text):
            answered_after += 1
        if messages((await post_sms(first, twilio_form("manger Mulhouse", sender))).text):
            lost += 1
    return lost, answered_after


async def test_stop_is_never_undone_on_one_worker(database_url: str) -> None:
    async with running(create_app(make_settings(database_url), clock=lambda: NOW)) as worker:
        assert await _race([worker], TRIALS) == (0, 0)


async def test_stop_is_never_undone_across_two_workers_sharing_redis(
    database_url: str, redis_url: str
) -> None:
    settings = make_settings(database_url, redis_url=redis_url)
    async with (
        running(create_app(settings, clock=lambda: NOW)) as a,
        running(create_app(settings, clock=lambda: NOW)) as b,
    ):
        assert await _race([a, b], TRIALS) == (0, 0)
