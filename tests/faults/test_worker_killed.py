"""A worker killed in the middle of a turn, then Twilio's retry: the reply arrives once.

The audit: the de-duplication key was claimed before the turn and never released, so the retry of a
message whose worker died got an empty answer; with in-memory de-duplication a retry after a restart
was answered a second time. Here two real `solibot serve` processes share one SQLite database: A
claims the message and is killed while its turn waits on a geocoder that never answers; the retry,
sent to B, takes over the claim once its lease lapses and is answered; a second retry, and a retry
after a restart, get that same reply again without a second turn.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import twilio_form
from tests.faults.support import Server, post, serving

DEADLINE = "3"  # seconds: the claim of a dead worker lapses 2 s after it (bot/wiring.py)
MESSAGE = "manger 12 rue du Vieux Marché aux Poissons Strasbourg"  # a street: the geocoder is asked


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port that accepts connections and never answers: a geocoder that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


def _claim(database: Path, sid: str) -> tuple[str | None] | None:
    with sqlite3.connect(database, timeout=5) as conn:
        row = conn.execute("SELECT reply FROM webhook_reply WHERE key = ?", (f"sms:{sid}",)).fetchone()
    return None if row is None else (row[0],)


def _turns_saved(database: Path) -> int:
    with sqlite3.connect(database, timeout=5) as conn:
        return int(conn.execute("SELECT coalesce(sum(version), 0) FROM conversation_session").fetchone()[0])


def test_a_worker_killed_mid_turn_and_the_retry_answered_once(
    sample_database_url: str, tmp_path: Path, blackhole: int
) -> None:
    database = Path(sample_database_url.removeprefix("sqlite:///"))
    form = twilio_form(MESSAGE, "+33699000001", sid="SM" + "d1" * 16)
    hanging = {
        "GEOCODER": "ban",
        "GEOCODER_DOMAIN": f"127.0.0.1:{blackhole}",
        "GEOCODER_TIMEOUT_SECONDS": "2.5",
        "TURN_DEADLINE_SECONDS": DEADLINE,
    }
    a = Server(sample_database_url, tmp_path, **hanging).start()
    b = Server(sample_database_url, tmp_path, TURN_DEADLINE_SECONDS=DEADLINE).start()
    try:
        failure: list[BaseException] = []

        def first_try() -> None:
            try:
                post(a.base, form)
            except BaseException as exc:  # noqa: BLE001 - the connection dies with the worker
                failure.append(exc)

        thread = threading.Thread(target=first_try)
        thread.start()
        until = time.monotonic() + 10
        while _claim(database, form["MessageSid"]) is None and time.monotonic() < until:
            time.sleep(0.01)
        assert _claim(database, form["MessageSid"]) == (None,), "A claimed the message, no reply yet"
        a.kill()  # mid-turn: its geocoder has not answered
        thread.join(timeout=10)
        assert failure and isinstance(failure[0], httpx.TransportError), "A never answered"
        assert _turns_saved(database) == 0

        answered = post(b.base, form)  # Twilio's retry, to the other worker
        assert answered and "indisponible" not in answered[0], answered
        assert "Strasbourg" in answered[0]
        assert post(b.base, form) == answered, "a second retry: the same reply, no second turn"
    finally:
        a.stop()
        b.stop()
    with serving(sample_database_url, tmp_path, TURN_DEADLINE_SECONDS=DEADLINE) as restarted:
        assert post(restarted.base, form) == answered, "after a restart: kept in the database"
    assert _turns_saved(database) == 1, "the person's conversation went through one turn"
