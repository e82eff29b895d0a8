"""The conversation, channel-neutral: Incoming + Conversation → Turn (Conversation', Replies)."""

from handlers.conversation import page_size, respond
from handlers.deps import Deps, Understand
from handlers.model import (
    Channel,
    Choice,
    Conversation,
    Incoming,
    Reply,
    ReplyKind,
    SessionStore,
    Turn,
    Venue,
)
from handlers.sessions import MemorySessionStore, RedisSessionStore, SqliteSessionStore, user_key
from handlers.understanding import default_understand

__all__ = [
    "Channel",
    "Choice",
    "Conversation",
    "Deps",
    "Incoming",
    "MemorySessionStore",
    "RedisSessionStore",
    "Reply",
    "ReplyKind",
    "SessionStore",
    "SqliteSessionStore",
    "Turn",
    "Understand",
    "Venue",
    "default_understand",
    "page_size",
    "respond",
    "user_key",
]
