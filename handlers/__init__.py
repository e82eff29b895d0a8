"""The conversation, channel-neutral: Incoming + Conversation → Turn (Conversation', Replies)."""

from handlers.conversation import respond
from handlers.deps import Deps, Locate, Searcher, Understand
from handlers.i18n import DEFAULT_LANG, LANGUAGES, reply_language, t
from handlers.model import (
    Channel,
    Choice,
    Conversation,
    Incoming,
    Pending,
    Reply,
    ReplyKind,
    Role,
    Screen,
    SessionStore,
    Stored,
    Surface,
    Turn,
    Venue,
)
from handlers.opening import describe
from handlers.outbox import Outbox, Outgoing, PlaceReport, ReportBook, ReportKind, Sealer, SendResult, Sent
from handlers.readers import prebuilt_in_child, prepare_readers
from handlers.redeeming import Redeem, Redeemed, Redemption
from handlers.roundsheet import Sheet, round_sheet
from handlers.sessions import DEFAULT_TTL_SECONDS, MemorySessionStore, with_opt_out
from handlers.sessions import dump as dump_conversation
from handlers.sessions import load as load_conversation
from handlers.stats import EventKind, Probe, SearchEvent, Supply, measure_supply
from search import HOME_DEPARTMENTS, PARIS, Point

__all__ = [
    "DEFAULT_LANG",
    "DEFAULT_TTL_SECONDS",
    "HOME_DEPARTMENTS",
    "LANGUAGES",
    "PARIS",
    "Channel",
    "Choice",
    "Conversation",
    "Deps",
    "EventKind",
    "Incoming",
    "Locate",
    "MemorySessionStore",
    "Outbox",
    "Outgoing",
    "PlaceReport",
    "ReportBook",
    "ReportKind",
    "Sealer",
    "SendResult",
    "Sent",
    "Pending",
    "Probe",
    "Point",
    "Redeem",
    "Redeemed",
    "Redemption",
    "Reply",
    "ReplyKind",
    "Role",
    "Screen",
    "Sheet",
    "SearchEvent",
    "Searcher",
    "SessionStore",
    "Stored",
    "Supply",
    "Surface",
    "Turn",
    "Understand",
    "Venue",
    "describe",
    "dump_conversation",
    "load_conversation",
    "measure_supply",
    "prebuilt_in_child",
    "prepare_readers",
    "reply_language",
    "respond",
    "round_sheet",
    "t",
    "with_opt_out",
]
