"""A sync run in the database (db/sql/sync.py): which places are set offline, one transaction, the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from db.sql import import_documents, last_sync_started, record_failed_sync, sync_label, write_sync
from db.sql.models import ImportRunRow, PlaceRow, SearchPointRow, ServiceRow, StopRow
from tests.bot.soliguide_standin import place

STARTED = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)


def statuses(engine: Engine, source: str = "soliguide") -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(col(PlaceRow.lieu_id), col(PlaceRow.status)).where(col(PlaceRow.source) == source)
        )
        return {lieu_id: status for lieu_id, status in rows}


def snapshot(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        return tuple(
            tuple(tuple(row) for row in conn.execute(select(table).order_by(col(table.id))))
            for table in (PlaceRow, StopRow, ServiceRow, SearchPointRow)
        )


def sync_runs(engine: Engine) -> list[tuple[str, int, int, dict[str, Any]]]:
    """filename, imported, rejected, report of each sync run in import_run."""
    columns = (ImportRunRow.filename, ImportRunRow.imported, ImportRunRow.rejected, ImportRunRow.report)
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(col(c) for c in columns))
            .where(col(ImportRunRow.source) == "soliguide-api")
            .order_by(col(ImportRunRow.id))
        )
        return [(f, i, r, rep if isinstance(rep, dict) else {}) for f, i, r, rep in rows]


def pro(lieu_id: int, dept: str) -> dict[str, Any]:
    doc = place(lieu_id, dept)
    doc["visibility"] = "PRO"  # never in a partner's answer: not for the sync to judge
    return doc


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """Bas-Rhin 1–4 and a PRO place, Haut-Rhin 10–11, imported from an export; 1 under another source."""
    docs = [place(1), place(2), place(3), place(4), pro(5, "67"), place(10, "68"), place(11, "68")]
    import_documents(engine, docs, source="soliguide")
    import_documents(engine, [place(1)], source="solibot-sample")
    return engine


def test_places_gone_are_set_offline_only_where_the_listing_was_whole(loaded: Engine) -> None:
    listed = [place(1), place(2, name="Renamed"), place(10, "68"), place(20)]
    report = write_sync(
        loaded,
        iter(listed),
        source="soliguide",
        departments=["67", "68"],
        complete={"67"},  # Haut-Rhin's pages did not add up: 11 may only have been skipped
        seen={1, 2, 10, 20},
        started=STARTED,
        calls={"requests": 4, "retries": 0, "pages": 4},
    )

    assert (report.created, report.updated, report.offline, report.unchecked) == (1, 3, 2, ("68",))
    assert statuses(loaded) == {
        1: "ONLINE",
        2: "ONLINE",
        3: "OFFLINE",
        4: "OFFLINE",
        5: "ONLINE",  # PRO: a partner never sees it, so its absence says nothing
        10: "ONLINE",
        11: "ONLINE",
        20: "ONLINE",
    }
    assert statuses(loaded, "solibot-sample") == {1: "ONLINE"}
    with loaded.connect() as conn:
        points = set(
            conn.execute(
                select(col(PlaceRow.lieu_id)).join(
                    SearchPointRow, col(SearchPointRow.place_id) == col(PlaceRow.id)
                )
            ).scalars()
        )
        assert {3, 4}.isdisjoint(points)
    [(filename, imported, rejected, run)] = sync_runs(loaded)
    assert (filename, imported, rejected) == ("sync 67,68", 4, 0)
    assert (run["created"], run["updated"], run["offline"], run["unchecked"]) == (1, 3, 2, ["68"])
    assert last_sync_started(loaded, ["68", "67"]) == STARTED


def test_a_run_commits_whole_or_not_at_all(loaded: Engine) -> None:
    """The places, those set offline and the record share one transaction: a failure at the very end
    (here the clock, read for the record) leaves every row as it was."""
    before = snapshot(loaded)

    def broken_clock() -> datetime:
        raise RuntimeError("clock")

    with pytest.raises(RuntimeError):
        write_sync(
            loaded,
            iter([place(1, name="Never kept"), place(30)]),
            source="soliguide",
            departments=["67"],
            complete={"67"},
            seen={1, 30},
            started=STARTED,
            calls={},
            clock=broken_clock,
        )
    assert snapshot(loaded) == before
    assert last_sync_started(loaded, ["67"]) is None


def test_a_failed_run_is_recorded_and_counts_for_the_schedule(engine: Engine) -> None:
    record_failed_sync(
        engine,
        departments=["68", "67"],
        started=STARTED,
        error="HTTP 500 after 5 attempts",
        calls={"requests": 5},
    )
    later = STARTED + timedelta(hours=1)
    record_failed_sync(engine, departments=["75"], started=later, error="HTTP 401", calls={})
    assert last_sync_started(engine, ["67", "68"]) == STARTED
    assert last_sync_started(engine, ["75"]) == later
    assert sync_label(["68", "67"]) == "sync 67,68"
    (filename, imported, _, run), _ = sync_runs(engine)
    assert (filename, imported, run["error"], run["requests"]) == (
        "sync 67,68",
        0,
        "HTTP 500 after 5 attempts",
        5,
    )


def test_a_department_emptied_at_once_is_held_back(engine: Engine) -> None:
    """An account not allowed Haut-Rhin lists nothing there: that is not eight places closing at once.
    A few missing (fewer than FEW_GONE) are still taken for gone."""
    import_documents(
        engine, [place(n, "68") for n in range(10, 18)] + [place(n) for n in range(1, 5)], source="soliguide"
    )
    report = write_sync(
        engine,
        iter([place(1)]),
        source="soliguide",
        departments=["67", "68"],
        complete={"67", "68"},
        seen={1},
        started=STARTED,
        calls={},
    )
    assert (report.offline, report.held, report.unchecked) == (3, ("68",), ())
    assert {n for n, s in statuses(engine).items() if s == "OFFLINE"} == {2, 3, 4}
    [*_, (_, _, _, run)] = sync_runs(engine)
    assert run["held"] == ["68"]


def test_a_small_department_listed_empty_keeps_its_places(engine: Engine) -> None:
    """Fewer places than FEW_GONE, all of them missing at once (an answer emptied by an incident):
    held back too, never every place of a department set offline."""
    import_documents(engine, [place(10, "68"), place(11, "68"), place(1), place(2)], source="soliguide")
    report = write_sync(
        engine,
        iter([place(1)]),
        source="soliguide",
        departments=["67", "68"],
        complete={"67", "68"},
        seen={1},
        started=STARTED,
        calls={},
    )
    assert (report.offline, report.held) == (1, ("68",))
    assert {n for n, s in statuses(engine).items() if s == "OFFLINE"} == {2}
