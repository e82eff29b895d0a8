"""`solibot sync soliguide` against a stand-in of Soliguide's partner API on loopback (never the real one):
a first run, an incremental run, faults in the middle, the lock between workers, the schedule, the CLI."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, text
from sqlmodel import col

from bot.__main__ import main
from bot.app import create_app, stopped
from bot.settings import Settings
from bot.soliguide_api import (
    FIELDS,
    HIDDEN_CATEGORIES,
    ApiRefused,
    ApiUnavailable,
    Retry,
    SoliguideApi,
    _retry_after,
)
from bot.sync import SyncBusy, _held, resolve_departments, sync_on_schedule, sync_soliguide
from db.sql import (
    SYNC_SOURCE,
    SyncLock,
    SyncReport,
    import_documents,
    make_engine,
    migrate,
    sync_categories,
)
from db.sql.models import PlaceRow, SearchPointRow, ServiceRow, StopRow
from tests.bot.soliguide_standin import TOKEN, Fault, StandIn, place, serving
from tests.e2e.support import make_settings, running

FAST = Retry(attempts=3, backoff_seconds=0.01, max_wait_seconds=5)
ALSACE = resolve_departments(["67", "68"])


def directory() -> list[dict[str, Any]]:
    """Bas-Rhin: 25 places a plain search lists (three pages of 10), one with toilets only, one reached
    on referral, one with wifi too, two itineraries (one across both departments, one with wifi only).
    Haut-Rhin: five places and a fountain alone. Moselle: one place, never synced here."""
    return [
        *(place(n) for n in range(1, 24)),
        place(24, categories=("toilets",)),
        place(25, referral=True),
        place(26, categories=("wifi", "food_distribution")),
        place(30, stops=("67", "68")),
        place(31, categories=("wifi",), stops=("67",)),
        *(place(n, "68") for n in range(40, 45)),
        place(45, "68", categories=("fountain",)),
        place(50, "57"),
    ]


ALSACE_IDS = {*range(1, 27), 30, 31, *range(40, 46)}
ALSACE_LISTING: dict[str, Any] = {
    "location": {"geoType": "departement", "geoValue": "bas-rhin", "country": "fr"},
    "placeType": "LIEU",
}


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """For what does not depend on the back-end (the API side): the runs that do use `engine`, both."""
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    migrate(url)
    engine = make_engine(url)
    sync_categories(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def standin() -> StandIn:
    return StandIn(directory())


@pytest.fixture
def api_url(standin: StandIn) -> Iterator[str]:
    with serving(standin) as url:
        yield url


class Sleeps:
    """Records each wait the client asks for, and waits no time: tests stay fast."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


async def sync(
    engine: Engine, url: str, *, token: str | None = TOKEN, sleeps: Sleeps | None = None
) -> SyncReport:
    api = SoliguideApi(url, token, retry=FAST, page_size=10, sleep=sleeps or Sleeps())
    try:
        report = await sync_soliguide(engine, api, ALSACE, clock=lambda: datetime.now(UTC))
    finally:
        await api.aclose()
    assert report is not None
    return report


def places(engine: Engine) -> dict[int, tuple[int | None, str, str]]:
    """lieu_id → (row id, status, address) of the synced source."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                col(PlaceRow.lieu_id), col(PlaceRow.id), col(PlaceRow.status), col(PlaceRow.address)
            ).where(col(PlaceRow.source) == "soliguide")
        )
        return {lieu_id: (pid, status, address) for lieu_id, pid, status, address in rows}


def searchable(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(col(PlaceRow.lieu_id)).join(
                SearchPointRow, col(SearchPointRow.place_id) == col(PlaceRow.id)
            )
        )
        return set(rows.scalars())


def snapshot(engine: Engine) -> tuple[Any, ...]:
    """Every row a sync writes, in order: equal before and after a run that fails."""
    with engine.connect() as conn:
        return tuple(
            tuple(tuple(row) for row in conn.execute(select(table).order_by(col(table.id))))
            for table in (PlaceRow, StopRow, ServiceRow, SearchPointRow)
        )


def runs(engine: Engine) -> list[tuple[str, str, int, int, dict[str, Any]]]:
    """The sync runs recorded in import_run: source, filename, imported, rejected, report."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT source, filename, imported, rejected, report FROM import_run"
                " WHERE source = :s ORDER BY id"
            ),
            {"s": SYNC_SOURCE},
        ).all()
    return [(s, f, i, r, rep if isinstance(rep, dict) else json.loads(rep)) for s, f, i, r, rep in rows]


async def test_a_first_run_lists_every_kind_of_place_and_writes_them_all(
    engine: Engine, standin: StandIn, api_url: str
) -> None:
    report = await sync(engine, api_url)

    assert (report.created, report.updated, report.offline, report.rejected_count) == (
        len(ALSACE_IDS),
        0,
        0,
        0,
    )
    assert report.unchecked == ()
    assert set(places(engine)) == ALSACE_IDS  # toilets, fountain and wifi alone, itineraries included; 57 not
    with engine.connect() as conn:
        itinerary = conn.execute(select(col(PlaceRow.id)).where(col(PlaceRow.lieu_id) == 30)).scalar_one()
        assert conn.execute(select(func.count()).where(col(StopRow.place_id) == itinerary)).scalar_one() == 2
    assert searchable(engine) == ALSACE_IDS

    # What was asked: searches only, with the token, by department slug, sorted, every field needed.
    assert {(c.method, c.path, c.authorization) for c in standin.calls} == {
        ("POST", "/new-search/fr", f"JWT {TOKEN}")
    }
    bodies = standin.searches_asked
    assert {b["location"]["geoValue"] for b in bodies} == {"bas-rhin", "haut-rhin"}
    assert all(b["location"]["geoType"] == "departement" for b in bodies)
    assert all(b["options"]["sortBy"] == "lieu_id" and b["options"]["sortValue"] == 1 for b in bodies)
    assert all("parcours" in b["options"]["fields"].split() for b in bodies)
    assert {(b["placeType"], tuple(b.get("categories", ()))) for b in bodies} == {
        ("LIEU", ()),
        ("LIEU", HIDDEN_CATEGORIES),
        ("PARCOURS_MOBILE", ()),
        ("PARCOURS_MOBILE", HIDDEN_CATEGORIES),
    }
    bas_rhin = [b["options"]["page"] for b in bodies if b["location"]["geoValue"] == "bas-rhin"]
    assert bas_rhin[:3] == [1, 2, 3]  # 25 places, pages of 10, from page 1

    [(source, filename, imported, rejected, run)] = runs(engine)
    assert (source, filename, imported, rejected) == (SYNC_SOURCE, "sync 67,68", len(ALSACE_IDS), 0)
    assert run["error"] is None and run["departments"] == ["67", "68"]
    assert (run["created"], run["updated"], run["offline"], run["requests"]) == (
        len(ALSACE_IDS),
        0,
        0,
        len(bodies),
    )
    assert datetime.fromisoformat(run["finished_at"]).tzinfo is not None


async def test_an_address_reached_only_through_a_social_worker_is_blanked(
    sqlite_engine: Engine, standin: StandIn, api_url: str
) -> None:
    """The API nulls `address` and sends `adresse` and `additionalInformation` anyway."""
    api = SoliguideApi(api_url, TOKEN, retry=FAST, page_size=100)
    try:
        page = await api.search({**ALSACE_LISTING, "options": {"page": 1, "limit": 100, "fields": FIELDS}})
    finally:
        await api.aclose()
    sent = {doc["lieu_id"]: doc["position"] for doc in page.places}
    assert sent[25] == sent[25] | {"address": None, "adresse": None, "additionalInformation": None}
    assert sent[1]["adresse"] and sent[1]["additionalInformation"] == "3e porte sur la droite"

    await sync(sqlite_engine, api_url)
    stored = places(sqlite_engine)
    assert stored[25][2] == "" and stored[1][2].startswith("1 rue de la Stand-in")
    with sqlite_engine.connect() as conn:
        if "address_note" in PlaceRow.model_fields:  # additionalInformation, once kept (migration 0006)
            notes = {n: note for n, note in conn.execute(text("SELECT lieu_id, address_note FROM place"))}
            assert notes[25] == ""


async def test_a_department_code_matches_nothing_so_the_sync_sends_slugs(
    standin: StandIn, api_url: str
) -> None:
    api = SoliguideApi(api_url, TOKEN, retry=FAST)
    try:
        by_code = await api.search(
            {**ALSACE_LISTING, "location": {"geoType": "departement", "geoValue": "67"}}
        )
        by_slug = await api.search(ALSACE_LISTING)
    finally:
        await api.aclose()
    assert by_code.total == 0 and by_slug.total == 25
    assert [d.slug for d in resolve_departments(["67", "68", "2a", "974", "95", "90", "1"])] == [
        "bas-rhin",
        "haut-rhin",
        "corse-du-sud",
        "la-reunion",
        "val-d-oise",
        "territoire-de-belfort",
        "ain",
    ]
    with pytest.raises(ValueError, match="99"):
        resolve_departments(["67", "99"])


async def test_an_incremental_run_updates_adds_and_sets_what_disappeared_offline(
    engine: Engine, standin: StandIn, api_url: str
) -> None:
    await sync(engine, api_url)
    before = places(engine)
    outside = place(7, "67", name="Another source's place")  # same lieu_id, another source: untouched
    import_documents(engine, [outside, place(60, "67")], source="solibot-sample")

    standin.places[3] = place(3, name="Lieu 3, renamed")
    standin.places[27] = place(27)
    del standin.places[5]  # gone from Soliguide (closed, or turned PRO)
    del standin.places[31]  # an itinerary too
    report = await sync(engine, api_url)

    assert (report.created, report.updated, report.offline) == (1, len(ALSACE_IDS) - 2, 2)
    after = places(engine)
    assert after[5] == (before[5][0], "OFFLINE", before[5][2])  # kept, with its history, not searchable
    assert after[31][1] == "OFFLINE"
    assert {5, 31}.isdisjoint(searchable(engine)) and {27, 3}.issubset(searchable(engine))
    assert all(after[n][0] == before[n][0] for n in before)  # row ids kept: a replacement, not new rows
    with engine.connect() as conn:
        name = conn.execute(select(col(PlaceRow.name)).where(col(PlaceRow.lieu_id) == 3)).scalar_one()
        others = dict(
            conn.execute(
                select(col(PlaceRow.lieu_id), col(PlaceRow.status)).where(
                    col(PlaceRow.source) == "solibot-sample"
                )
            ).all()
        )
    assert name == "Lieu 3, renamed" and others == {7: "ONLINE", 60: "ONLINE"}

    standin.places[5] = place(5)  # back again
    report = await sync(engine, api_url)
    assert report.offline == 0 and places(engine)[5] == (before[5][0], "ONLINE", before[5][2])
    assert [r[4]["offline"] for r in runs(engine)] == [0, 2, 0]


async def test_429_is_retried_after_what_retry_after_says_and_500_with_backoff(
    sqlite_engine: Engine, standin: StandIn, api_url: str
) -> None:
    standin.faults = {2: Fault(429, {"Retry-After": "1"}), 4: Fault(500), 5: Fault(503)}
    sleeps = Sleeps()
    report = await sync(sqlite_engine, api_url, sleeps=sleeps)

    assert report.created == len(ALSACE_IDS)
    assert sleeps.waits == [1.0, FAST.backoff(1), FAST.backoff(2)]
    run = runs(sqlite_engine)[0][4]
    assert (run["retries"], run["requests"] - run["pages"]) == (3, 3)


def test_retry_after_is_seconds_or_an_http_date() -> None:
    import httpx

    now = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    seconds = httpx.Response(429, headers={"Retry-After": "7"})
    date = httpx.Response(429, headers={"Retry-After": "Tue, 17 Nov 2026 09:00:30 GMT"})
    assert (_retry_after(seconds, now), _retry_after(date, now), _retry_after(httpx.Response(429), now)) == (
        7.0,
        30.0,
        None,
    )


async def test_an_api_failing_in_the_middle_of_a_run_leaves_the_previous_data_intact(
    engine: Engine, standin: StandIn, api_url: str
) -> None:
    await sync(engine, api_url)
    before = snapshot(engine)
    standin.places[3] = place(3, name="Never written")
    del standin.places[5]
    standin.fail_from = standin.searches + 3  # Bas-Rhin's third page, then every request: 500

    with pytest.raises(ApiUnavailable, match="HTTP 500 after 3 attempts"):
        await sync(engine, api_url)

    assert snapshot(engine) == before
    failed = runs(engine)[-1]
    assert failed[2:4] == (0, 0) and failed[4]["error"] == "HTTP 500 after 3 attempts"

    standin.fail_from = None  # the API is back: the next run catches up
    report = await sync(engine, api_url)
    assert (report.updated, report.offline) == (len(ALSACE_IDS) - 1, 1)


async def test_an_api_that_cannot_be_reached_is_retried_then_fails(sqlite_engine: Engine) -> None:
    with socket.socket() as free:  # a loopback port nobody listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    sleeps = Sleeps()
    with pytest.raises(ApiUnavailable, match="ConnectError.* after 3 attempts"):
        await sync(sqlite_engine, f"http://127.0.0.1:{port}", sleeps=sleeps)
    assert sleeps.waits == [FAST.backoff(1), FAST.backoff(2)] and places(sqlite_engine) == {}


async def test_a_long_retry_after_fails_the_run_instead_of_holding_it(
    sqlite_engine: Engine, standin: StandIn, api_url: str
) -> None:
    standin.faults = {1: Fault(429, {"Retry-After": "3600"})}
    with pytest.raises(ApiUnavailable, match="asked to wait 3600 s"):
        await sync(sqlite_engine, api_url)
    assert places(sqlite_engine) == {}


@pytest.mark.parametrize(
    ("token", "status", "words"),
    [("not-the-token", 401, "refused SOLIGUIDE_API_TOKEN"), (None, 403, "no token")],
)
async def test_a_wrong_token_or_none_is_refused_at_once_and_nothing_is_written(
    sqlite_engine: Engine, standin: StandIn, api_url: str, token: str | None, status: int, words: str
) -> None:
    with pytest.raises(ApiRefused, match=f"HTTP {status}.*{words}") as refused:
        await sync(sqlite_engine, api_url, token=token)
    assert len(standin.calls) == 1  # no retry: asking again would not change the answer
    assert places(sqlite_engine) == {} and "not-the-token" not in str(refused.value)
    failed = runs(sqlite_engine)[-1]
    assert failed[4]["error"].startswith(f"HTTP {status}")


async def test_unsorted_pages_overlap_so_nothing_is_set_offline_from_them(
    sqlite_engine: Engine, standin: StandIn, api_url: str
) -> None:
    """Were the sort not honoured, pages of one listing would overlap and skip places: the run writes
    each place it saw once, and takes none of the skipped ones for gone."""
    await sync(sqlite_engine, api_url)
    standin.honour_sort = False
    report = await sync(sqlite_engine, api_url)

    assert "67" in report.unchecked and report.offline == 0
    assert report.updated < len(ALSACE_IDS)  # some were skipped…
    assert {s for _, s, _ in places(sqlite_engine).values()} == {"ONLINE"}  # …and none is taken for gone


async def test_an_account_without_a_territory_sets_nothing_offline_there(
    sqlite_engine: Engine, standin: StandIn, api_url: str
) -> None:
    """generate-api-user-restriction.ts: an account limited to Bas-Rhin finds nothing in Haut-Rhin."""
    await sync(sqlite_engine, api_url)
    standin.territories = {"67"}
    report = await sync(sqlite_engine, api_url)
    assert (report.held, report.offline) == (("68",), 0)
    assert {s for _, s, _ in places(sqlite_engine).values()} == {"ONLINE"}


async def test_one_sync_at_a_time_per_database(engine: Engine, api_url: str) -> None:
    held = SyncLock(engine)
    assert held.acquire()
    try:
        assert not SyncLock(engine).acquire()
        with pytest.raises(SyncBusy):
            await sync(engine, api_url)
    finally:
        held.release()
    other = SyncLock(engine)
    assert other.acquire()
    other.release()


async def test_workers_of_serve_sync_once_when_due(database_url: str, standin: StandIn, api_url: str) -> None:
    """Two workers polling at once: one runs (the lock), the other finds it done (the record)."""
    settings = sync_settings(database_url, api_url)
    workers = [
        asyncio.create_task(
            sync_on_schedule(settings, timedelta(hours=6), clock=lambda: datetime.now(UTC), poll_seconds=0.05)
        )
        for _ in range(2)
    ]
    engine = make_engine(database_url)
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            if runs(engine):
                break
        await asyncio.sleep(0.3)  # several more polls of both workers
        assert [(r[0], r[4]["error"]) for r in runs(engine)] == [(SYNC_SOURCE, None)]
        assert set(places(engine)) == ALSACE_IDS
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        engine.dispose()


def sync_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    return make_settings(
        database_url,
        soliguide_api_url=api_url,
        soliguide_api_token=SecretStr(TOKEN),
        soliguide_sync_departments=("67", "68"),
        **overrides,
    )


async def test_serve_starts_the_schedule_when_sync_every_is_set(tmp_path: Path, api_url: str) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    settings = sync_settings(url, api_url, soliguide_sync_every=timedelta(hours=6))
    async with running(create_app(settings)):
        engine = make_engine(url)
        try:
            for _ in range(300):
                await asyncio.sleep(0.05)
                if runs(engine):
                    break
            assert runs(engine)[0][4]["created"] == len(ALSACE_IDS)
        finally:
            engine.dispose()


def settings_of(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_settings_of_the_sync() -> None:
    """A number of seconds or ISO 8601; five minutes at least; a token first; the token redacted."""
    base: dict[str, Any] = {"user_key_secret": SecretStr("x" * 32), "soliguide_api_token": SecretStr("a-jwt")}
    assert settings_of(**base, soliguide_sync_every="21600").soliguide_sync_every == timedelta(hours=6)
    assert settings_of(**base, soliguide_sync_every="PT6H").soliguide_sync_every == timedelta(hours=6)
    assert "a-jwt" in settings_of(**base).secret_values()
    assert settings_of().soliguide_api_url == "https://api.soliguide.fr"
    assert settings_of().sync_departments() == ("67", "68")
    with pytest.raises(ValueError, match="at least 300"):
        settings_of(**base, soliguide_sync_every="60")
    with pytest.raises(ValueError, match="needs SOLIGUIDE_API_TOKEN"):
        settings_of(soliguide_sync_every="3600")
    with pytest.raises(ValueError, match="SOLIGUIDE_API_URL must start with https://"):
        settings_of(soliguide_api_url="api.soliguide.fr")


def test_the_command_line(
    tmp_path: Path, api_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SOLIGUIDE_API_URL", api_url)
    monkeypatch.delenv("SOLIGUIDE_API_TOKEN", raising=False)
    assert main(["sync", "soliguide", "--departments", "67", "68"]) == 2
    assert "SOLIGUIDE_API_TOKEN" in capsys.readouterr().err

    monkeypatch.setenv("SOLIGUIDE_API_TOKEN", TOKEN)
    assert main(["sync", "soliguide", "--departments", "67", "99"]) == 2
    assert "unknown department code 99" in capsys.readouterr().err

    assert main(["sync", "soliguide", "--departments", "67", "68", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert (line["sync"], line["created"], line["offline"]) == (
        "soliguide bas-rhin, haut-rhin",
        len(ALSACE_IDS),
        0,
    )

    monkeypatch.setenv("SOLIGUIDE_API_TOKEN", "wrong")
    assert main(["sync", "soliguide", "--departments", "67", "68"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("soliguide bas-rhin, haut-rhin: HTTP 401") and "wrong" not in out


async def test_a_stopping_worker_waits_for_its_sync_to_give_the_lock_back(tmp_path: Path) -> None:
    """The web service cancels its scheduled sync at shutdown; the sync's lock, released in a thread
    from its `finally`, is free once `stopped` returns (not left to the process's exit)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'stop.db'}")
    holding = asyncio.Event()

    async def sync_in_progress() -> None:
        async with _held(SyncLock(engine)):
            holding.set()
            await asyncio.sleep(60)

    try:
        task = asyncio.create_task(sync_in_progress())
        await holding.wait()
        assert not SyncLock(engine).acquire()  # held by the running sync
        await stopped(task, None)
        other = SyncLock(engine)
        assert other.acquire()
        other.release()
    finally:
        engine.dispose()
