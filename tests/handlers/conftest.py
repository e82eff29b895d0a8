"""A chat helper that keeps the state, message after message (directory fixtures: tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import pytest

from bot.console import surface_of
from handlers import Channel, Conversation, Deps, Incoming, Reply, Surface, respond
from handlers.deps import Searcher
from search import Point
from search.engine import Query, Result, SearchPage


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


class RecordingDirectory:
    """The real directory, remembering every query and result it answered."""

    def __init__(self, inner: Searcher) -> None:
        self.inner = inner
        self.queries: list[Query] = []
        self.results: list[Result] = []

    async def search(self, query: Query) -> SearchPage:
        page = await self.inner.search(query)
        self.queries.append(query)
        self.results.extend(page.results)
        return page

    async def open_distances(self, query: Query) -> tuple[float, ...]:
        return await self.inner.open_distances(query)


def recording(chat: Chat) -> RecordingDirectory:
    spy = RecordingDirectory(chat.deps.directory)
    chat.deps = replace(chat.deps, directory=spy)
    return spy
