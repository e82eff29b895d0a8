"""What the conversation needs from below (search, understanding, clock), passed in: `respond` does no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.outbox import Outbox, ReportBook, Sealer
from handlers.redeeming import Redeem
from search import Point, Query, SearchPage


class NeedLike(Protocol):
    @property
    def category(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def span(self) -> tuple[int, int] | None: ...


class PlaceLike(Protocol):
    @property
    def point(self) -> Point: ...
    @property
    def label(self) -> str: ...


class ReadPlace(PlaceLike, Protocol):
    """A place read in a message; its kind "position" is coordinates the sender wrote (their own
    position), "abroad" such coordinates outside France."""

    @property
    def kind(self) -> str: ...


class WindowLike(Protocol):
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def label(self) -> str: ...  # "now", "tonight", "tomorrow", "time"…


class UnderstandingLike(Protocol):
    """The shape of `search.reading.Understanding`; a Protocol so handlers need not import it."""

    @property
    def language(self) -> str: ...
    @property
    def needs(self) -> tuple[NeedLike, ...]: ...
    @property
    def candidates(self) -> tuple[NeedLike, ...]: ...
    @property
    def place(self) -> ReadPlace | None: ...
    @property
    def when(self) -> WindowLike | None: ...
    @property
    def confidence(self) -> float: ...


class Understand(Protocol):
    def __call__(
        self,
        text: str,
        now: datetime,
        *,
        language_hint: str | None = None,
        not_places: Sequence[tuple[int, int]] = (),
    ) -> UnderstandingLike: ...


class Locate(Protocol):
    """A street geocoder (with the gazetteer behind it); async because remote ones block."""

    async def __call__(self, text: str) -> PlaceLike | None: ...


class Searcher(Protocol):
    """`search.engine.Directory` satisfies it."""

    async def search(self, query: Query) -> SearchPage: ...

    async def open_distances(self, query: Query) -> tuple[float, ...]:
        """The distances of the open places `search(query)` would list (the statistics' count)."""
        ...


@dataclass(frozen=True, slots=True)
class Deps:
    directory: Searcher
    understand: Understand
    clock: Callable[[], datetime]  # aware, Europe/Paris
    locate: Locate | None = None  # a configured street geocoder, asked when a message names an address
    outbox: Outbox | None = None  # sends a place to a person by SMS; None: Twilio is not configured
    sealer: Sealer | None = None  # keeps the number of a send awaiting confirmation encrypted
    reports: ReportBook | None = None  # places reported wrong (None: reports are not kept)
    redeem: Redeem | None = None  # registers the sender of an invitation code (None: codes not read)
