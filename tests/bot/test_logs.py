"""Logs: one line a record, the Telegram token and configured secrets never written, a dependency
that fails every turn writes its traceback once a minute, JSON lines on request, in every worker."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bot import logs

TOKEN = "1234567890:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"


def test_tokens_and_secrets_are_redacted_and_http_libraries_are_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure("INFO", "text", secrets=("twilio-auth-token-value",))
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    logging.getLogger("bot.telegram").warning("failed calling https://api.telegram.org/bot%s/getMe", TOKEN)
    logging.getLogger("bot.sms").warning("token was twilio-auth-token-value")
    written = capsys.readouterr().err
    assert TOKEN not in written and "twilio-auth-token-value" not in written
    assert "sendMessage" not in written, "httpx's INFO lines are not written"
    assert written.count(logs.REDACTED) == 2


def test_a_repeated_traceback_is_written_once_a_minute() -> None:
    now = [0.0]
    once = logs.OncePerMinute(every=60, clock=lambda: now[0])
    records = []
    for at in (0.0, 1.0, 30.0, 61.0):
        now[0] = at
        try:
            raise ConnectionError("redis down")
        except ConnectionError:
            record = logging.LogRecord("bot.sms", logging.WARNING, __file__, 1, "turn failed", None, None)
            record.exc_info = sys.exc_info()
        assert once.filter(record)
        records.append(record)
    assert [r.exc_info is not None for r in records] == [True, False, False, True]
    assert "ConnectionError" in records[1].getMessage()


def test_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("WARNING", "json")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.app").exception("health check failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["level"] == "ERROR" and lines[0]["message"] == "health check failed"
    assert "ValueError: boom" in lines[0]["traceback"]


def test_each_web_worker_configures_its_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's workers are new processes: the app factory they call sets up redaction itself."""
    from bot.app import factory

    logging.getLogger().handlers.clear()
    monkeypatch.setenv("USER_KEY_SECRET", "a-long-random-secret-for-this-test")
    monkeypatch.setenv("LOG_FORMAT", "json")
    factory()
    handlers = logging.getLogger().handlers
    assert len(handlers) == 1 and isinstance(handlers[0].formatter, logs.JsonLines)
    assert any(isinstance(f, logs.Redact) for f in handlers[0].filters)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_database_errors_never_show_their_parameters(database_url: str) -> None:
    """A failed statement's error is logged with its traceback: its parameters (a conversation, a
    position, a record) must not be in it, on either engine, on either back-end."""
    from sqlalchemy import text

    from db.sql import make_async_engine, make_engine

    secret = "+33612345678 mon mari me frappe"
    statement = text("INSERT INTO no_such_table (x) VALUES (:x)")
    sync = make_engine(database_url)
    with pytest.raises(Exception) as failed, sync.begin() as conn:
        conn.execute(statement, {"x": secret})
    sync.dispose()
    engine = make_async_engine(database_url)
    with pytest.raises(Exception) as failed_async:
        async with engine.begin() as aconn:
            await aconn.execute(statement, {"x": secret})
    await engine.dispose()
    for error in (failed.value, failed_async.value):
        assert "no_such_table" in str(error)
        assert secret not in str(error) and "33612345678" not in str(error)
