"""The values the conversation exchanges with channels: Incoming in, Reply out, Conversation kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from search import Point


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: Channel
    user_key: str  # HMAC of channel + sender id, never the raw number or chat id
    text: str = ""
    location: Point | None = None
    language_hint: str | None = None  # e.g. Telegram's language_code
    received_at: datetime | None = None  # None: the conversation uses its clock


class ReplyKind(StrEnum):
    RESULTS = "results"
    DETAILS = "details"
    QUESTION = "question"  # asks for a place, a need, or a choice
    HELP = "help"
    CONFIRMATION = "confirmation"  # opt-out / opt-in / language switched
    SAFETY = "safety"  # emergency numbers, sent before anything else
    NOTICE = "notice"  # no result, bad input, service unavailable


@dataclass(frozen=True, slots=True)
class Choice:
    """An answer the user can give: a button on Telegram, a numbered line on SMS and console."""

    reply: str  # what typing it would send: "1", "plus", "fr"
    label: str


@dataclass(frozen=True, slots=True)
class Venue:
    """A result as a map pin (Telegram send_venue)."""

    title: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send. `text` is complete and localized (choices already written into it);
    channels only escape, transliterate, page or add buttons."""

    kind: ReplyKind
    lang: str
    text: str
    choices: tuple[Choice, ...] = ()
    ask_location: bool = False
    venues: tuple[Venue, ...] = ()


@dataclass(frozen=True, slots=True)
class Conversation:
    """What is remembered about one user between messages (time-to-live set by the store)."""

    lang: str | None = None  # chosen or detected reply language
    lang_chosen: bool = False  # an explicit choice is not overridden by detection
    opted_out: bool = False
    pending: str | None = None  # the question awaiting an answer: "place", "need", "choice", "language"
    need: tuple[str, ...] = ()  # categories of the current search
    place: tuple[float, float, str] | None = None  # lat, lon, label of the current search
    when: tuple[str, str] | None = None  # ISO start, end of the asked time window
    page: int = 0
    radius_km: float | None = None
    options: tuple[str, ...] = ()  # what the numbers of the pending choice stand for
    results: tuple[tuple[str, int, int], ...] = ()  # (source, lieu_id, service_id) of the last page shown
    extra: dict[str, Any] = field(default_factory=dict)  # room for later features, JSON-serialisable
    updated_at: str | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    conversation: Conversation
    replies: tuple[Reply, ...]


class SessionStore(Protocol):
    async def load(self, user_key: str) -> Conversation | None: ...
    async def save(self, user_key: str, conv: Conversation) -> None: ...
    async def forget(self, user_key: str) -> None: ...
