"""What the readers of a message make at their first use, made at once."""

from __future__ import annotations

from handlers import filters, operators, safety


def prepare_readers() -> None:
    """The crisis phrases, who is asking and the operators' jargon, their expressions compiled: the web
    app's warm-up calls it before its health check says ready, so that no person's first message pays
    for them (a command that answers one message makes only what it reads)."""
    safety.prepare()
    filters.prepare()
    operators.prepare()
