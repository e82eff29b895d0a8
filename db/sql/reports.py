"""Places reported wrong and the audit of places sent by SMS, in SQL (issue 13; migration 0010).

A report is *open* while the place has not been checked by a person since it was made (Soliguide's
`updatedByUserAt`, which the import and the sync bring) and for at most OPEN_DAYS: the directory team
fixing the place in Soliguide is what closes it, with no second list to keep in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from db.sql.models import PlaceReportRow, PlaceRow, ReportCountRow, SmsSendRow

OPEN_DAYS = 90  # past this a report is history: a place nobody checked in 3 months is stale anyway
REPORT_COLUMNS = (
    "created_at",
    "source",
    "lieu_id",
    "service_id",
    "place_name",
    "category",
    "kind",
    "text",
    "role",
    "channel",
    "lang",
)
SEND_FAILED = "failed"
SENDING = "sending"

_report = PlaceReportRow.__table__  # type: ignore[attr-defined]
_place = PlaceRow.__table__  # type: ignore[attr-defined]
_send = SmsSendRow.__table__  # type: ignore[attr-defined]
_count = ReportCountRow.__table__  # type: ignore[attr-defined]


def utc(value: datetime) -> datetime:
    """Every instant is written and compared in UTC: SQLite keeps no offset."""
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as the directory team reads it, with the place's commune as it is now."""

    id: int
    created_at: datetime
    source: str
    lieu_id: int
    service_id: int | None
    place_name: str
    city: str
    category: str
    kind: str
    text: str
    role: str
    channel: str
    lang: str
    open: bool


def insert_report(conn: Connection, values: Mapping[str, Any]) -> int:
    row = {name: values[name] for name in REPORT_COLUMNS}
    row["created_at"] = utc(row["created_at"])
    result = conn.execute(insert(_report).values(**row))
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def _is_open(created_at: datetime, checked_at: datetime | None, now: datetime) -> bool:
    created = utc(created_at)
    recent = created >= utc(now) - timedelta(days=OPEN_DAYS)
    return recent and (checked_at is None or utc(checked_at) < created)


def _joined() -> Any:
    on = and_(_place.c.source == _report.c.source, _place.c.lieu_id == _report.c.lieu_id)
    return _report.outerjoin(_place, on)


def read_reports(conn: Connection, since: datetime, now: datetime) -> list[StoredReport]:
    """Reports made at or after `since`, oldest first."""
    rows = conn.execute(
        select(_report, _place.c.city, _place.c.updated_by_user_at)
        .select_from(_joined())
        .where(_report.c.created_at >= utc(since))
        .order_by(_report.c.created_at, _report.c.id)
    ).all()
    return [
        StoredReport(
            id=r.id,
            created_at=utc(r.created_at),
            source=r.source,
            lieu_id=r.lieu_id,
            service_id=r.service_id,
            place_name=r.place_name,
            city=r.city or "",
            category=r.category,
            kind=r.kind,
            text=r.text,
            role=r.role,
            channel=r.channel,
            lang=r.lang,
            open=_is_open(r.created_at, r.updated_by_user_at, now),
        )
        for r in rows
    ]


def open_reports(conn: Connection, now: datetime) -> dict[tuple[str, int], int]:
    """(source, lieu_id) → how many open reports the place has."""
    rows = conn.execute(
        select(_report.c.source, _report.c.lieu_id, _report.c.created_at, _place.c.updated_by_user_at)
        .select_from(_joined())
        .where(_report.c.created_at >= utc(now) - timedelta(days=OPEN_DAYS))
    ).all()
    counts: dict[tuple[str, int], int] = {}
    for r in rows:
        if _is_open(r.created_at, r.updated_by_user_at, now):
            counts[(r.source, r.lieu_id)] = counts.get((r.source, r.lieu_id), 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class SendRecord:
    status: str
    twilio_sid: str | None
    error: str | None


def begin_send(conn: Connection, values: Mapping[str, Any]) -> SendRecord | None:
    """The audit row of a send about to be made, status `sending`. None when it is new; the record
    already kept when this confirmation was handled before (a turn computed again): not sent twice."""
    found = conn.execute(
        select(_send.c.status, _send.c.twilio_sid, _send.c.error).where(
            _send.c.request_id == values["request_id"]
        )
    ).first()
    if found is not None:
        return SendRecord(found.status, found.twilio_sid, found.error)
    row = dict(values)
    row["created_at"] = utc(row["created_at"])
    row["status"] = SENDING
    conn.execute(insert(_send).values(**row))
    return None


def finish_send(conn: Connection, request_id: str, record: SendRecord) -> None:
    conn.execute(
        update(_send)
        .where(_send.c.request_id == request_id)
        .values(status=record.status[:16], twilio_sid=record.twilio_sid, error=(record.error or None))
    )


def sends_since(conn: Connection, operator_id: int, since: datetime) -> int:
    """What counts against an operator's hourly allowance: every send not failed."""
    found = conn.execute(
        select(func.count())
        .select_from(_send)
        .where(
            _send.c.operator_id == operator_id,
            _send.c.created_at >= utc(since),
            _send.c.status != SEND_FAILED,
        )
    ).scalar_one()
    return int(found)


def count_report(conn: Connection, sender_hash: str, day: date) -> int:
    """One more report by this sender on this day (the hash is of both); returns the day's count, this
    one included."""
    found = conn.execute(
        update(_count)
        .where(_count.c.sender_hash == sender_hash)
        .values(reports=_count.c.reports + 1)
        .returning(_count.c.reports)
    ).scalar_one_or_none()
    if found is not None:
        return int(found)
    conn.execute(insert(_count).values(sender_hash=sender_hash, day=day, reports=1))
    return 1


def purge_report_counts(conn: Connection, before: date) -> int:
    """The counts of days before `before` deleted (the retention job); returns how many rows."""
    return int(conn.execute(delete(_count).where(_count.c.day < before)).rowcount or 0)
