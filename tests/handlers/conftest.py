"""A prepared directory (Alsace sample + Soliguide fixtures) and a chat helper that keeps the state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from db.bootstrap import prepare
from db.engine import make_async_engine
from handlers import Channel, Conversation, Deps, Incoming, Reply, default_understand, respond
from search.engine import Directory
from search.geo import Point

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)  # a Tuesday morning


@pytest.fixture(scope="session")
def directory_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('handlers') / 'solibot.db'}"
    prepare(url, now=NOW).dispose()
    return url


def make_deps(engine: object, at: datetime = NOW) -> Deps:
    return Deps(directory=Directory(engine), understand=default_understand(), clock=lambda: at)  # type: ignore[arg-type]


@pytest.fixture
async def deps(directory_url: str) -> AsyncIterator[Deps]:
    engine = make_async_engine(directory_url)
    yield make_deps(engine)
    await engine.dispose()


@dataclass
class Chat:
    """One person writing, message after message, as a channel would drive `respond`."""

    deps: Deps
    channel: Channel = Channel.CONSOLE
    conv: Conversation = field(default_factory=Conversation)
    hint: str | None = None
    at: datetime | None = None

    async def send(self, text: str = "", location: Point | None = None) -> tuple[Reply, ...]:
        msg = Incoming(
            self.channel, "user-key", text, location=location, language_hint=self.hint, received_at=self.at
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
