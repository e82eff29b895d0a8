"""Logging for every process (the command line and each web worker): one line per record, as text or
JSON lines, with secrets redacted and repeated tracebacks kept short.

- httpx logs every Bot API URL at INFO, and the URL carries the Telegram bot token: the HTTP
  libraries log at WARNING only, and any token-shaped string or configured secret is redacted.
- A dependency that is down fails every turn the same way: its traceback is written once a minute,
  the other records of the same failure keep one line (a 10 s Redis outage wrote 21.6 MB before).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable

TELEGRAM_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
REDACTED = "<redacted>"
QUIET = ("httpx", "httpcore", "telegram", "twilio.http_client", "urllib3", "asyncio")
TRACEBACK_EVERY_SECONDS = 60.0


class Redact(logging.Filter):
    """Replaces token-shaped strings and the configured secrets in the message and its arguments."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        literal = [re.escape(s) for s in secrets if len(s) >= 8]
        self._pattern = re.compile("|".join([TELEGRAM_TOKEN.pattern, *literal]))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._pattern.sub(REDACTED, message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class OncePerMinute(logging.Filter):
    """A traceback of the same kind (logger, exception type) at most once a minute; the others lose
    their traceback and keep their line, which names the exception."""

    def __init__(self, every: float = TRACEBACK_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._every, self._clock = every, clock
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[0] is None:
            return True
        kind = (record.name, record.exc_info[0].__name__)
        now = self._clock()
        if now - self._last.get(kind, -self._every) < self._every:
            record.msg = f"{record.getMessage()} ({kind[1]}; traceback shown once a minute)"
            record.args, record.exc_info, record.exc_text = None, None, None
        else:
            if len(self._last) > 1000:
                self._last.clear()
            self._last[kind] = now
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "WARNING", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Replaces the root handlers; safe to call again (each web worker calls it at start)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonLines() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(Redact(secrets))
    handler.addFilter(OncePerMinute())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
