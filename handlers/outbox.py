"""What the conversation hands to bot/ when an operator sends a place to a person by SMS, or anyone
reports a place wrong (issue 13): values and the small seams bot/ implements (I/O stays there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One SMS to a person, as confirmed by the operator. `to` is E.164 and lives only in memory
    and, sealed, in the conversation until the confirmation: bot/ keeps a keyed hash of it."""

    request_id: str  # one per confirmation: a turn computed again does not send twice
    operator: int
    to: str
    body: str
    lang: str
    source: str
    lieu_id: int
    service_id: int


class Sent(StrEnum):
    SENT = "sent"  # Twilio took it (queued, sending or sent)
    LIMITED = "limited"  # the operator's hourly allowance is used up
    FAILED = "failed"  # Twilio refused it, failed or did not answer in time


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Sent
    segments: int = 0
    reason: str = ""  # Twilio's error code or the failure's kind, for the operator (never the number)


class Outbox(Protocol):
    """Sends one SMS through Twilio's REST API and keeps its audit (bot/outbox.py)."""

    def fits(self, text: str, lang: str) -> bool:
        """Whether one SMS to the person holds this text (the SMS budget is bot/'s)."""
        ...

    @property
    def per_hour(self) -> int:
        """Sends an operator may make in an hour."""
        ...

    async def remaining(self, operator: int) -> int: ...

    async def send(self, sms: Outgoing) -> SendResult: ...


class Sealer(Protocol):
    """Encrypts what waits for a confirmation (the number) with the app's secret, with an expiry."""

    def seal(self, payload: str) -> str: ...

    def unseal(self, token: str) -> str | None:
        """None when the token is expired, altered or from another secret."""
        ...


class ReportKind(StrEnum):
    CLOSED = "closed"
    MOVED = "moved"
    PHONE = "phone"
    HOURS = "hours"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class PlaceReport:
    """What someone said is wrong about a place: the words without phone numbers, who in general
    (role, channel, language), never the sender's number or key."""

    created_at: datetime
    source: str
    lieu_id: int
    service_id: int
    place_name: str
    category: str
    kind: ReportKind
    text: str
    role: str
    channel: str
    lang: str


class ReportBook(Protocol):
    """Keeps reports (bot/place_reports.py) and knows which places have open ones, from memory."""

    async def add(self, report: PlaceReport) -> None: ...

    async def take(self, user_key: str) -> bool:
        """One report counted for this sender today; False when they are past the day's allowance."""
        ...

    def reported(self) -> frozenset[tuple[str, int]]:
        """(source, lieu_id) of the places with an open report; no I/O (a cache bot/ refreshes)."""
        ...
