"""What a monitoring system scrapes at /metrics (the standard Prometheus client): turns by channel and
outcome, their latency, failures by kind, refused webhooks, and whether each dependency answers.

With several workers, set PROMETHEUS_MULTIPROC_DIR to an empty folder shared by them: each worker
writes its counts there and /metrics adds them up (prometheus_client's multiprocess mode). Imported
by the web service only: the console does not pay for it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from bot.wiring import ConflictError
from handlers import Incoming, Turn

TURNS = Counter("solibot_turns_total", "Turns, by channel and outcome", ["channel", "outcome"])
TURN_SECONDS = Histogram(
    "solibot_turn_seconds",
    "Time to compute a turn (load, respond, save)",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
ERRORS = Counter("solibot_errors_total", "Turns that failed, by what failed", ["kind"])
REFUSED = Counter("solibot_webhook_refused_total", "Webhook requests refused", ["channel", "reason"])
DEPENDENCY_UP = Gauge(
    "solibot_dependency_up",
    "1 when the dependency answered the last check",
    ["dependency"],
    multiprocess_mode="min",
)

Converse = Callable[[Incoming], Awaitable[Turn]]


def error_kind(exc: BaseException) -> str:
    """deadline, conflict, database, sessions (Redis) or other: from the exception's type and module."""
    if isinstance(exc, TimeoutError):
        return "deadline"
    if isinstance(exc, ConflictError):
        return "conflict"
    module = type(exc).__module__.split(".")[0]
    if module in ("sqlalchemy", "psycopg", "sqlite3", "aiosqlite"):
        return "database"
    if module == "redis":
        return "sessions"
    return "other"


def metered(converse: Converse) -> Converse:
    """The same turn, counted and timed."""

    async def turn(msg: Incoming) -> Turn:
        started = time.perf_counter()
        channel = msg.channel.value
        try:
            result = await converse(msg)
        except Exception as exc:
            ERRORS.labels(error_kind(exc)).inc()
            TURNS.labels(channel, "failed").inc()
            raise
        finally:
            TURN_SECONDS.labels(channel).observe(time.perf_counter() - started)
        TURNS.labels(channel, "answered" if result.replies else "silent").inc()
        return result

    return turn


def exposition() -> tuple[bytes, str]:
    """The text format, for this worker or (PROMETHEUS_MULTIPROC_DIR) for all of them."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
