"""Search events: recorded after the turn, nothing personal in any column, failures never cost a reply,
the retention fold counts every event once (issue 14)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, inspect, text

from bot.events import EventRecorder, row_of
from bot.identity import user_key
from bot.surfaces import SMS, TELEGRAM
from bot.wiring import Resources
from db.sql import insert_events, make_async_engine, make_engine, read_cells
from handlers import PARIS, Channel, EventKind, Incoming, Point, ReplyKind, SearchEvent, Supply
from search import Filters
from tests.conftest import NOW
from tests.e2e.support import make_settings

PHONE = "+33612345678"
EVENT_COLUMNS = {
    "id",
    "kind",
    "day",
    "hour",
    "department",
    "commune",
    "categories",
    "channel",
    "lang",
    "role",
    "nothing_found",
    "open_1km",
    "open_5km",
    "open_30km",
    "nearest_open_km",
}
MONTH_COLUMNS = {
    "month",
    "kind",
    "department",
    "commune",
    "categories",
    "channel",
    "lang",
    "role",
    "hour",
    "events",
    "measured",
    "unmet",
    "nothing_found",
    "none_open_30km",
}
# What each column may hold: codes, categories, counts and bands, never free text.
SHAPES = {
    "kind": r"search|details",
    "department": r"\d[\dAB]|\d{3}|",
    "commune": r"\d[\dAB]\d{3}|",
    "categories": r"[a-z_]+(,[a-z_]+)*",
    "channel": r"sms|telegram|console",
    "lang": r"[a-z]{2}",
    "role": r"public",
    "month": r"\d{4}-\d{2}",
}


def _rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608


def _nothing_personal(rows: list[dict[str, Any]], key: str, texts: list[str]) -> None:
    words = {w.lower() for t in texts for w in re.findall(r"[^\W\d_]{4,}", t)} - {"manger", "douche"}
    for row in rows:
        for column, value in row.items():
            shown = str(value)
            assert key not in shown and key[:12] not in shown
            assert "612345678" not in shown.replace(" ", "") and "0612" not in shown
            assert not any(w in shown.lower() for w in words if w not in SHAPES), (column, value)
            if column in SHAPES:
                assert re.fullmatch(SHAPES[column], shown), (column, value)
            elif column == "nearest_open_km":
                assert value is None or value in (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0)
            elif column in ("hour",):
                assert value in range(0, 24, 3)
            elif column not in ("id", "day", "nothing_found"):
                assert value is None or isinstance(value, int), (column, value)  # counts only


async def test_a_conversation_leaves_codes_and_counts_only(sample_database_url: str) -> None:
    """A conversation with a phone number, a street address and a story in it: every column of both
    tables, raw and folded, holds codes, categories and counts — no text, key, number or position."""
    settings = make_settings(sample_database_url)
    texts = [
        f"mon numéro c'est {PHONE}, je dors au 12 rue de la Paix Mulhouse, manger ce soir",
        "1",
        "douche Colmar, mon mari Jean-Pierre me frappe",
        "2",
    ]
    key = user_key(b"test-user-key-secret", "sms", PHONE)
    async with Resources.open(settings, lambda: NOW) as resources:
        for body in texts:
            turn = await resources.converse(Incoming(Channel.SMS, key, body, received_at=NOW, surface=SMS))
            assert turn.replies
        where = Incoming(Channel.TELEGRAM, "t" * 64, location=Point(47.7512, 7.3391), surface=TELEGRAM)
        await resources.converse(where)
        await resources.converse(Incoming(Channel.TELEGRAM, "t" * 64, "manger", surface=TELEGRAM))
        assert resources.events is not None
        await resources.events.flush()
        assert resources.events.written >= 4 and resources.events.failed == 0
        engine = make_engine(sample_database_url)
        events = await asyncio.to_thread(_rows, engine, "search_event")
        assert {r["kind"] for r in events} == {"search", "details"}
        assert {r["channel"] for r in events} == {"sms", "telegram"}
        assert {r["commune"] for r in events} >= {"68224", "68066"}  # Mulhouse, Colmar
        assert all(r["open_30km"] is not None for r in events if r["kind"] == "search")
        columns = {c["name"] for c in inspect(engine).get_columns("search_event")}
        assert columns == EVENT_COLUMNS  # a new column is a new privacy question: answer it here
        _nothing_personal(events, key, texts)
    # Folded: the same scrutiny on the monthly table.
    later = NOW + timedelta(days=500)
    async with Resources.open(settings, lambda: later) as resources:
        assert await resources.purge_expired() >= len(events)
        assert await asyncio.to_thread(_rows, engine, "search_event") == []
        folded = await asyncio.to_thread(_rows, engine, "search_month")
        assert {c["name"] for c in inspect(engine).get_columns("search_month")} == MONTH_COLUMNS
        assert sum(r["events"] for r in folded) == len(events)
        _nothing_personal(folded, key, texts)
    engine.dispose()


class _Broken:
    def offer(self, event: SearchEvent) -> None:
        raise RuntimeError("recorder broken")


async def test_recording_failures_never_cost_a_reply(sample_database_url: str) -> None:
    settings = make_settings(sample_database_url)
    async with Resources.open(settings, lambda: NOW) as resources:
        engine = make_engine(sample_database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE search_event"))  # every insert fails from now on
        engine.dispose()
        msg = Incoming(Channel.SMS, "k" * 64, "manger mulhouse", received_at=NOW, surface=SMS)
        turn = await resources.converse(msg)
        assert turn.replies[0].kind is ReplyKind.RESULTS and turn.event is not None
        assert resources.events is not None
        await resources.events.flush()
        assert resources.events.failed == 1 and resources.events.written == 0
        broken = replace(resources, events=_Broken())  # type: ignore[arg-type]
        turn = await broken.converse(replace(msg, text="douche colmar"))
        assert turn.replies[0].kind is ReplyKind.RESULTS


def _event(day: date, commune: str = "68224", **changes: Any) -> SearchEvent:
    base = SearchEvent(EventKind.SEARCH, day, 18, commune[:2], commune, ("shower",), "fr", channel="sms")
    return replace(base, **changes)


async def test_the_fold_counts_each_event_once_even_with_two_workers(database_url: str) -> None:
    """Two workers' retention passes at once (PostgreSQL runs them truly together): the monthly counts
    equal the raw ones, recent events stay raw."""
    engine = make_async_engine(database_url)
    sync = make_engine(database_url)
    old, recent = date(2025, 3, 10), date(2026, 11, 2)
    rows = [row_of(_event(old), Supply(0, 0, 2, 20.0)) for _ in range(300)]
    rows += [row_of(_event(old, "67482", channel="telegram"), Supply(3, 9, 40, 0.5)) for _ in range(7)]
    rows += [row_of(_event(old, nothing_found=True), None) for _ in range(3)]
    rows += [row_of(_event(recent), Supply(1, 1, 1, 1.0)) for _ in range(5)]
    try:
        with sync.begin() as conn:
            insert_events(conn, rows)
        with sync.connect() as conn:
            before = read_cells(conn, "2025-01", "2026-12")
        one, two = EventRecorder(engine), EventRecorder(engine)
        folded = await asyncio.gather(one.fold(NOW.date(), 400), two.fold(NOW.date(), 400))
        assert sum(folded) == 310
        with sync.connect() as conn:
            after = read_cells(conn, "2025-01", "2026-12")
            raw_left = conn.execute(text("SELECT COUNT(*) FROM search_event")).scalar()
        assert after == before and raw_left == 5
        march = {c.commune: c for c in after if c.month == "2025-03"}
        mulhouse = [c for c in after if c.month == "2025-03" and c.commune == "68224"]
        assert sum(c.events for c in mulhouse) == 303 and sum(c.unmet for c in mulhouse) == 303
        assert sum(c.nothing_found for c in mulhouse) == 3 and sum(c.measured for c in mulhouse) == 300
        assert march["67482"].unmet == 0 and march["67482"].channel == "telegram"
    finally:
        sync.dispose()
        await engine.dispose()


def test_the_event_keeps_the_commune_not_the_point() -> None:
    from handlers.stats import search_event

    at = datetime(2026, 11, 17, 19, 40, tzinfo=PARIS)
    event = search_event(
        EventKind.SEARCH, ("food",), ("food",), (47.7512, 7.3391, "your location"), at, NOW, "fr", Filters()
    )
    assert (event.commune, event.department, event.hour, event.day) == ("68224", "68", 18, NOW.date())
    row = row_of(event, None)
    assert not any(isinstance(v, float) for v in row.values())


async def test_the_measure_gives_way_to_people() -> None:
    """Measuring what was open is a search as heavy as a person's: with every turn slot taken it is
    skipped (the event is kept without it), never queued in front of people."""
    from typing import cast

    from bot.wiring import _measure
    from handlers import Deps

    turns = asyncio.Semaphore(1)
    measure = _measure(cast(Deps, object()), turns)  # a busy worker never reaches the directory
    async with turns:
        assert await measure(cast(Any, object())) is None
