"""The values the conversation exchanges with channels: Incoming in, Reply out, Conversation kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from handlers.stats import SearchEvent
from search import Filters, Point


class Channel(StrEnum):
    """Where a message came from: for logs and counts, never for what to answer (see Surface)."""

    SMS = "sms"
    TELEGRAM = "telegram"
    CONSOLE = "console"
    WEB = "web"  # the web chat at /chat (issue 13)


class Role(StrEnum):
    """Who is writing, as an administrator registered them (bot/ looks it up by the sender's account).
    Everyone not registered is the public, and nothing changes for them."""

    PUBLIC = "public"
    OPERATOR = "operator"  # a 115 / SIAO call-taker: jargon, dense lists, send a place to a person
    VOLUNTEER = "volunteer"  # an outreach team member on the street


class Surface(Protocol):
    """What a channel's medium holds. Each channel hands one to the conversation with every message,
    so the conversation asks it instead of knowing SMS or Telegram."""

    @property
    def terse(self) -> bool:
        """Every character costs (SMS): short forms of the help, menus and emergency lines."""
        ...

    @property
    def shares_location(self) -> bool:
        """The person can press a button to send their position."""
        ...

    def page_size(self, lang: str) -> int:
        """How many results one page holds in this language."""
        ...

    def fits(self, text: str, lang: str) -> bool:
        """Whether one reply of this text arrives whole, in one message."""
        ...


@dataclass(frozen=True, slots=True)
class Screen:
    """A screen that shows a reply whole (console, chat apps): five results a page."""

    results: int = 5
    max_chars: int | None = None  # a message's longest text, where the medium has a limit
    shares_location: bool = False
    terse: bool = False

    def page_size(self, lang: str) -> int:
        return self.results

    def fits(self, text: str, lang: str) -> bool:
        return self.max_chars is None or len(text) <= self.max_chars


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: Channel
    user_key: str  # HMAC of channel + sender id, never the raw number or chat id
    text: str = ""
    location: Point | None = None
    language_hint: str | None = None  # e.g. Telegram's language_code
    received_at: datetime | None = None  # None: the conversation uses its clock
    surface: Surface = field(kw_only=True)  # what the channel's medium holds: every channel says it
    role: Role = field(default=Role.PUBLIC, kw_only=True)
    # The registered operator or volunteer (their id in the operators table), for the audit of what
    # they send and per-operator rate limits; None for the public.
    actor: int | None = field(default=None, kw_only=True)


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
    alerts: tuple[str, ...] = ()  # the emergency lines `text` begins with (or is), most urgent first


class Pending(StrEnum):
    """The question awaiting an answer."""

    PLACE = "place"  # where?
    NEED = "need"  # what? (the menu of needs)
    CHOICE = "choice"  # which of these needs?
    LANGUAGE = "language"  # which language? (the language menu)


@dataclass(frozen=True, slots=True)
class Conversation:
    """What is remembered about one user between messages (time-to-live set by the store)."""

    lang: str | None = None  # chosen or detected reply language
    lang_chosen: bool = False  # an explicit choice is not overridden by detection
    opted_out: bool = False
    pending: Pending | None = None
    need: tuple[str, ...] = ()  # categories of the current search
    place: tuple[float, float, str] | None = None  # lat, lon, label of the current search
    when: tuple[datetime, datetime] | None = None  # the asked time window, when one was named
    at: datetime | None = None  # the instant the current search is for
    filters: Filters = Filters()  # who is asking and what they bring, for the current search
    page: int = 0
    radius_km: float | None = None  # of the list's last part
    total: int = 0  # results of the current search within radius_km
    # The list's parts before its last, when PLUS went past the radius its first page chose: each
    # part's radius and places (the next part: the places beyond it). Empty for a list of one part.
    parts: tuple[tuple[float, int], ...] = ()
    options: tuple[str, ...] = ()  # what the numbers of the pending choice stand for
    updated_at: datetime | None = None
    detailed: bool = False  # details were asked of the current search (counted once, as a success)
    walk_km: float | None = None  # how far the person can walk (handlers/outreach.py): nothing beyond it
    here: tuple[float, float] | None = None  # the last position shared or written, rounded: "ici"
    shown: int | None = None  # the result whose details were shown last ("ce numéro ne répond pas")
    sending: str | None = None  # a send to a person awaiting YES, sealed (bot/outbox.py): never in clear
    # Thoughts of suicide were told (never by an operator, who speaks of others): 3114 heads every list
    # of the conversation, not the first only. Kept as long as the conversation (its time-to-live).
    suicide: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    conversation: Conversation
    replies: tuple[Reply, ...]
    forget: bool = False  # the person asked to be forgotten: the store deletes the conversation
    event: SearchEvent | None = None  # what the statistics keep of a turn that searched (handlers.stats)


@dataclass(frozen=True, slots=True)
class Stored:
    """A conversation as loaded, with the version a save must find unchanged (0: never saved)."""

    conversation: Conversation | None
    version: int = 0


class SessionStore(Protocol):
    """Turns of one person are ordered by compare-and-set: `save` writes only if the version loaded
    is still the stored one, else returns False and the turn is computed again on the newer state
    (a STOP saved meanwhile silences it). The opt-out is additive: a save writes it when the
    conversation is opted out, and only `lift_opt_out` (START) removes it."""

    async def load(self, user_key: str) -> Stored: ...
    async def save(
        self, user_key: str, conv: Conversation, *, version: int, lift_opt_out: bool = False
    ) -> bool: ...
    async def forget(self, user_key: str) -> None: ...
