"""Redis killed under load, two workers: every SMS still gets a real answer (search does not need
Redis), a STOP is still kept (the opt-out is in the database), the logs stay small, and once Redis is
back conversations continue as before.

The audit: a session-store failure turned every answer into the 115 notice although search worked,
and a 10 s Redis outage wrote 21.6 MB of tracebacks.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from tests.e2e.support import TWILIO_TOKEN, messages, twilio_form
from tests.faults.support import RedisServer, Server

SENDERS = 12
ROUNDS = 6  # messages per sender, a third of them while Redis is down


async def _sms(client: httpx.AsyncClient, base: str, text: str, sender: str) -> tuple[int, list[str]]:
    form = twilio_form(text, sender)
    url = f"{base}/sms/twilio"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    response = await client.post(url, data=form, headers={"X-Twilio-Signature": signature})
    return response.status_code, messages(response.text) if response.status_code == 200 else []


async def _round(client: httpx.AsyncClient, servers: list[Server], n: int) -> list[tuple[int, list[str]]]:
    return await asyncio.gather(
        *(
            _sms(client, servers[(i + n) % 2].base, "manger Strasbourg", f"+336980000{i:02d}")
            for i in range(SENDERS)
        )
    )


def _real_answers(results: list[tuple[int, list[str]]]) -> bool:
    return all(status == 200 and sent and "Strasbourg" in sent[0] for status, sent in results)


async def test_redis_killed_under_load(sample_database_url: str, tmp_path: Path) -> None:
    redis = RedisServer(tmp_path).start()
    servers = [Server(sample_database_url, tmp_path, REDIS_URL=redis.url).start() for _ in range(2)]
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for n in range(ROUNDS // 3):
                assert _real_answers(await _round(client, servers, n))
            stopper = "+33698000099"
            assert (await _sms(client, servers[0].base, "STOP", stopper))[1], "STOP confirmed"

            redis.kill()
            down = [await _round(client, servers, n) for n in range(ROUNDS // 3)]
            assert all(_real_answers(results) for results in down), down
            for server in servers:
                assert (await _sms(client, server.base, "manger Colmar", stopper)) == (200, []), (
                    "opted out while Redis is down: kept in the database"
                )
            health = (await client.get(f"{servers[0].base}/healthz")).json()
            assert health["sessions"] == "down" and health["status"] == "degraded", health

            redis.start()  # the same port: the workers reconnect on their own
            await asyncio.sleep(0.5)
            for n in range(ROUNDS // 3):
                assert _real_answers(await _round(client, servers, n))
            follow = await _sms(client, servers[0].base, "manger Strasbourg", "+33698000077")
            more = await _sms(client, servers[1].base, "PLUS", "+33698000077")
            assert more[0] == 200 and more[1] and more[1] != follow[1], "PLUS continues on the other worker"
            assert "Strasbourg" in more[1][0], more
    finally:
        for server in servers:
            server.stop()
        redis.kill()
    for server in servers:
        log = server.log.read_bytes()
        assert b"Traceback" not in log or log.count(b"Traceback") <= 4, log.decode(errors="replace")[-3000:]
        assert len(log) < 64 * 1024, f"{len(log)} bytes of log for a short outage"
