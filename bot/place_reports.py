"""Places reported wrong (issue 13): kept in `place_report`, the open ones cached in memory for the
conversation (handlers.Deps.reports), and `solibot reports list|export` for the directory team."""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import hmac
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.outbox import derived_key
from bot.settings import Settings
from db.sql import (
    Runner,
    StoredReport,
    count_report,
    insert_report,
    make_engine,
    migrate,
    open_reports,
    purge_report_counts,
    read_reports,
)
from handlers import PARIS, PlaceReport

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0  # another worker's reports reach this one's lists within a minute
_SENDER = b"report-sender"
CSV_COLUMNS = (
    "id",
    "created_at",
    "source",
    "lieu_id",
    "service_id",
    "place_name",
    "city",
    "category",
    "kind",
    "text",
    "role",
    "channel",
    "lang",
    "open",
)


class SqlReportBook:
    """`add` writes at once; `reported` answers from memory (no I/O in the conversation): what this
    worker added, and what `refresh` last read of every worker's open reports. `take` counts a
    sender's reports of the day against `per_day`, under a keyed hash of the day and their key."""

    def __init__(
        self, engine: AsyncEngine, clock: Callable[[], datetime], secret: bytes, per_day: int
    ) -> None:
        self._runner = Runner(engine)
        self._clock = clock
        self._key = derived_key(secret, _SENDER)
        self._per_day = per_day
        self._open: frozenset[tuple[str, int]] = frozenset()

    def _today(self) -> date:
        return self._clock().astimezone(PARIS).date()

    async def take(self, user_key: str) -> bool:
        """One report counted for this sender today; False past REPORTS_PER_DAY."""
        day = self._today()
        sender = hmac.new(self._key, f"{day.isoformat()}:{user_key}".encode(), hashlib.sha256).hexdigest()
        return await self._runner.write(count_report, sender, day) <= self._per_day

    async def purge(self) -> int:
        """The counts of past days deleted (the retention job); returns how many rows."""
        return await self._runner.write(purge_report_counts, self._today())

    async def add(self, report: PlaceReport) -> None:
        values = asdict(report)
        values["kind"] = report.kind.value
        await self._runner.write(insert_report, values)
        self._open = self._open | {(report.source, report.lieu_id)}
        log.info("place reported lieu=%d kind=%s role=%s", report.lieu_id, report.kind.value, report.role)

    def reported(self) -> frozenset[tuple[str, int]]:
        return self._open

    async def refresh(self) -> None:
        self._open = frozenset(await self._runner.read(open_reports, self._clock()))

    async def keep_fresh(self, every_seconds: float = REFRESH_SECONDS) -> None:
        """For the life of the service: the open reports read again every minute."""
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # noqa: BLE001 - the database down now: the last set stays
                log.warning("open reports not refreshed: %s", exc.__class__.__name__)
            await asyncio.sleep(every_seconds)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reports = sub.add_parser(
        "reports", help="places reported wrong: list them, or export CSV for the directory"
    )
    reports.add_argument("action", choices=("list", "export"))
    reports.add_argument(
        "--since", metavar="YYYY-MM-DD", help="reports made on or after this day (default: 30 days ago)"
    )
    reports.add_argument("--output", metavar="FILE", help="export: write the CSV here instead of stdout")


def _since(value: str | None, now: datetime) -> datetime:
    day = date.fromisoformat(value) if value else (now - timedelta(days=30)).date()
    return datetime.combine(day, time(), tzinfo=PARIS)


def _inert(value: object) -> object:
    """A report's words are anyone's: a cell starting with = + - @ would be a formula in a spreadsheet
    (CSV injection), so it is quoted with an apostrophe, as OWASP advises."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(reports: list[StoredReport], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for report in reports:
        row = {name: _inert(value) for name, value in asdict(report).items()}
        row["created_at"] = report.created_at.astimezone(PARIS).isoformat(timespec="seconds")
        row["open"] = "yes" if report.open else "no"
        writer.writerow(row)


def _line(report: StoredReport) -> str:
    when = report.created_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
    state = "open" if report.open else "done"
    where = f"{report.place_name} ({report.city})" if report.city else report.place_name
    return f"{report.id:>5}  {when}  {report.kind:<6}  {state:<4}  {report.role:<9}  {where} — {report.text}"


def cmd_reports(args: argparse.Namespace, settings: Settings, now: datetime | None = None) -> int:
    """`solibot reports list|export --since 2026-11-01`."""
    now = now or datetime.now(PARIS)
    try:
        since = _since(args.since, now)
    except ValueError:
        print(f"solibot reports: --since {args.since!r} is not a day like 2026-11-01", file=sys.stderr)  # noqa: T201
        return 2
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            found = read_reports(conn, since, now)
    finally:
        engine.dispose()
    if args.action == "export":
        if args.output:
            with open(args.output, "w", newline="", encoding="utf-8") as handle:
                write_csv(found, handle)
        else:
            write_csv(found, sys.stdout)
        return 0
    for report in found:
        print(_line(report))  # noqa: T201
    print(f"{len(found)} reports since {since.date().isoformat()}")  # noqa: T201
    return 0
