"""PostgreSQL hung (blackholed) or slow, through a proxy: every SMS is answered within the turn deadline
(the audit: ten SMS waited 20.3 s with no answer; at +300 ms a round trip, 13.9 s a turn)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from bot.app import create_app
from tests.conftest import fresh_pg_database
from tests.e2e.support import NOW, make_settings, messages, post_sms, running, twilio_form
from tests.faults.support import Proxy

DEADLINE = 2.0
MARGIN = 3.0  # the de-duplication store (1 s at most each way) and the response, on a busy machine


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    with fresh_pg_database(pg_server) as url:
        yield url


async def _timed(client: object, text: str, sender: str) -> tuple[float, list[str]]:
    started = time.monotonic()
    response = await post_sms(client, twilio_form(text, sender))  # type: ignore[arg-type]
    assert response.status_code == 200
    return time.monotonic() - started, messages(response.text)


async def test_a_hung_or_slow_database_still_answers_in_time(pg_database: str) -> None:
    async with Proxy() as proxy:
        url = pg_database.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        settings = make_settings(url, turn_deadline_seconds=DEADLINE)
        async with running(create_app(settings, clock=lambda: NOW)) as client:
            took, (answer, *_) = await _timed(client, "manger Strasbourg", "+33611000000")
            assert "indisponible" not in answer

            proxy.stall()  # packets go nowhere: no error, no answer, as a blackholed host
            ten = await asyncio.gather(
                *(_timed(client, "manger Colmar", f"+3361100001{i}") for i in range(10))
            )
            assert all(took < DEADLINE + MARGIN for took, _ in ten), [round(t, 2) for t, _ in ten]
            assert all(len(sent) == 1 and "115" in sent[0] for _, sent in ten)
            started = time.monotonic()
            health = await client.get("/healthz")
            assert health.status_code == 503 and time.monotonic() - started < DEADLINE + MARGIN

            proxy.flow(delay=0.3)  # +300 ms each way on every packet
            slow = await asyncio.gather(
                *(_timed(client, "douche Mulhouse", f"+3361100002{i}") for i in range(5))
            )
            assert all(took < DEADLINE + MARGIN for took, _ in slow), [round(t, 2) for t, _ in slow]
            assert all(sent for _, sent in slow)

            proxy.flow()
            await asyncio.sleep(DEADLINE)  # the stalled connections have been given up
            took, (answer, *_) = await _timed(client, "manger Strasbourg", "+33611000003")
            assert "indisponible" not in answer, "back to normal once the database answers again"
