"""A chat helper that keeps the state, message after message (directory fixtures: tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest

from bot.console import surface_of
from handlers import Channel, Conversation, Deps, Incoming, Reply, Surface, respond
from search import Point


@dataclass
class Chat:
    """One person writing, message after message, as a channel would drive `respond`."""

    deps: Deps
    channel: Channel = Channel.CONSOLE
    conv: Conversation = field(default_factory=Conversation)
    hint: str | None = None
    at: datetime | None = None
    surface: Surface | None = None  # None: the one the channel's adapter hands over

    async def send(self, text: str = "", location: Point | None = None) -> tuple[Reply, ...]:
        msg = Incoming(
            self.channel,
            "user-key",
            text,
            location=location,
            language_hint=self.hint,
            received_at=self.at,
            surface=self.surface or surface_of(self.channel),
        )
        turn = await respond(self.conv, msg, self.deps)
        self.conv = turn.conversation
        return turn.replies

    async def text(self, text: str = "", location: Point | None = None) -> str:
        return "\n".join(r.text for r in await self.send(text, location))


@pytest.fixture
def chat(deps: Deps) -> Chat:
    return Chat(deps)


@pytest.fixture
def sms(deps: Deps) -> Chat:
    return Chat(deps, channel=Channel.SMS)
