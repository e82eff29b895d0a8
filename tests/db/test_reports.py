"""Reports and the send audit in SQL, on SQLite and on the local PostgreSQL (migration 0010)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, text

from db.sql import (
    SEND_FAILED,
    SendRecord,
    begin_send,
    finish_send,
    insert_report,
    open_reports,
    read_reports,
    sends_since,
)
from tests.conftest import NOW


def _send(request_id: str, operator: int, minutes_ago: int) -> dict[str, object]:
    return {
        "request_id": request_id,
        "operator_id": operator,
        "created_at": NOW - timedelta(minutes=minutes_ago),
        "source": "s",
        "lieu_id": 1,
        "service_id": 2,
        "lang": "fr",
        "recipient_hash": "h" * 64,
        "segments": 2,
    }


def test_the_send_audit_counts_an_hour_and_sends_once(engine: Engine) -> None:
    with engine.begin() as conn:
        assert begin_send(conn, _send("a" * 32, 7, 10)) is None
        finish_send(conn, "a" * 32, SendRecord("queued", "SM1", None))
        assert begin_send(conn, _send("b" * 32, 7, 90)) is None  # more than an hour ago
        assert begin_send(conn, _send("c" * 32, 7, 5)) is None
        finish_send(conn, "c" * 32, SendRecord(SEND_FAILED, None, "Twilio 21211"))
        assert begin_send(conn, _send("d" * 32, 8, 5)) is None
    with engine.begin() as conn:
        again = begin_send(conn, _send("a" * 32, 7, 0))
        assert again == SendRecord("queued", "SM1", None)  # the same confirmation: not a second send
        assert sends_since(conn, 7, NOW - timedelta(hours=1)) == 1  # failed and older ones do not count
        assert sends_since(conn, 8, NOW - timedelta(hours=1)) == 1
        rows = conn.execute(text("SELECT request_id, status, error FROM sms_send ORDER BY request_id")).all()
    assert [tuple(r) for r in rows][2] == ("c" * 32, "failed", "Twilio 21211")


def test_reports_open_until_the_place_is_checked(engine: Engine) -> None:
    base = {
        "source": "s",
        "service_id": 3,
        "place_name": "Foyer",
        "category": "shower",
        "text": "fermé",
        "role": "public",
        "channel": "sms",
        "lang": "fr",
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO place (source, lieu_id, name, description, status, visibility, place_type, "
                "address, address_note, postal_code, city, city_code, department_code, timezone, "
                "closed_holidays, updated_by_user_at) VALUES ('s', 1, 'Foyer', '', 'ONLINE', 'ALL', "
                "'LIEU', '', '', '', 'Colmar', '68066', '68', 'Europe/Paris', 'UNKNOWN', :checked)"
            ),
            {"checked": NOW - timedelta(days=1)},
        )
        insert_report(conn, {**base, "lieu_id": 1, "kind": "closed", "created_at": NOW})
        insert_report(conn, {**base, "lieu_id": 1, "kind": "phone", "created_at": NOW - timedelta(days=2)})
        insert_report(conn, {**base, "lieu_id": 2, "kind": "moved", "created_at": NOW - timedelta(days=100)})
    with engine.connect() as conn:
        assert open_reports(conn, NOW) == {("s", 1): 1}  # the older one was before the last check
        found = read_reports(conn, NOW - timedelta(days=200), NOW)
    assert [(r.kind, r.open, r.city) for r in found] == [
        ("moved", False, ""),
        ("phone", False, "Colmar"),
        ("closed", True, "Colmar"),
    ]
