"""SQLModel tables for the services directory: places, their stops, their services, the taxonomy.

JSON columns hold what is read whole and never filtered on in SQL (hours, publics, modalities,
temporary infos); what search filters on (status, visibility, category, coordinates) is a column.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, DateTime, Index, SmallInteger, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


def _aware(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class CategoryRow(SQLModel, table=True):
    __tablename__ = "category"

    id: str = Field(primary_key=True, max_length=64)
    parent: str | None = Field(default=None, max_length=64)
    level: int = 0
    rank: int = 0
    labels: dict[str, str] = _json(nullable=False)


class PlaceRow(SQLModel, table=True):
    """A Soliguide place (`lieu`): a fixed place (LIEU) or an itinerary (PARCOURS_MOBILE)."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("source", "lieu_id", name="uq_place_source_lieu"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    lieu_id: int
    name: str
    description: str = ""
    status: str = Field(max_length=32)
    visibility: str = Field(max_length=16)
    place_type: str = Field(max_length=32)
    address: str = ""
    address_note: str = ""  # position.additionalInformation: "3e porte sur la droite" (migration 0006)
    postal_code: str = Field(default="", max_length=16)
    city: str = ""
    city_code: str = Field(default="", max_length=16)
    department_code: str = Field(default="", max_length=8)
    timezone: str = Field(default="Europe/Paris", max_length=64)
    lat: float | None = None
    lon: float | None = None
    phones: list[dict[str, Any]] = _json()
    email: str | None = None
    website: str | None = None
    languages: list[str] = _json()
    publics: dict[str, Any] = _json()
    modalities: dict[str, Any] = _json()
    hours: list[list[list[int]]] | None = _json()
    closed_holidays: str = Field(default="UNKNOWN", max_length=16)
    temp_closure: dict[str, Any] | None = _json()
    temp_hours: dict[str, Any] | None = _json()
    temp_message: dict[str, Any] | None = _json()
    updated_by_user_at: datetime | None = _aware()
    created_at: datetime | None = _aware()
    updated_at: datetime | None = _aware()


class StopRow(SQLModel, table=True):
    """A searchable point of a place: the place itself, or one stop of an itinerary with its own hours."""

    __tablename__ = "stop"
    __table_args__ = (Index("ix_stop_place", "place_id"),)

    id: int | None = Field(default=None, primary_key=True)
    place_id: int = Field(foreign_key="place.id", ondelete="CASCADE")
    position: int = 0
    lat: float
    lon: float
    address: str = ""
    address_note: str = ""  # where exactly, for an itinerary stop the meeting point (migration 0006)
    postal_code: str = Field(default="", max_length=16)
    city: str = ""
    hours: list[list[list[int]]] | None = _json()
    closed_holidays: str | None = Field(default=None, max_length=16)


class ServiceRow(SQLModel, table=True):
    __tablename__ = "service"
    __table_args__ = (Index("ix_service_place", "place_id"),)

    id: int | None = Field(default=None, primary_key=True)
    place_id: int = Field(foreign_key="place.id", ondelete="CASCADE")
    position: int = 0
    external_id: str | None = Field(default=None, max_length=64)
    category: str = Field(max_length=64)
    name: str | None = None
    description: str = ""
    different_hours: bool = False
    hours: list[list[list[int]]] | None = _json()
    closed_holidays: str | None = Field(default=None, max_length=16)
    publics: dict[str, Any] | None = _json()
    modalities: dict[str, Any] | None = _json()
    closure: dict[str, Any] | None = _json()
    saturation: str | None = Field(default=None, max_length=16)
    saturation_note: str | None = None


class SearchPointRow(SQLModel, table=True):
    """One searchable (stop, service) pair of an ONLINE place visible to all: what nearby search scans.

    The category is a depth-first code, so "a category and all below it" is one range; SQLite
    indexes (lat, lon, code) in an R*Tree, PostgreSQL the point with earthdistance and the code.
    """

    __tablename__ = "search_point"
    __table_args__ = (
        Index("ix_search_point_place", "place_id"),
        Index("ix_search_point_stop", "stop_id"),  # the cascades of a re-import (migration 0004)
        Index("ix_search_point_service", "service_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    place_id: int = Field(foreign_key="place.id", ondelete="CASCADE")
    stop_id: int = Field(foreign_key="stop.id", ondelete="CASCADE")
    service_id: int = Field(foreign_key="service.id", ondelete="CASCADE")
    lat: float
    lon: float
    category_code: int
    hour_mask: str = Field(max_length=42)  # 168 bits as hex: hours of the week it may be open


class ImportRunRow(SQLModel, table=True):
    """One imported file: what came in and what was rejected, so an operator can see the last load."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    filename: str
    started_at: datetime = _aware(nullable=False)
    imported: int = 0
    rejected: int = 0
    report: list[dict[str, Any]] = _json()


class ExternalIdRow(SQLModel, table=True):
    """A text id of another directory ("dora--42", data·inclusion's) and the lieu_id it was given the
    first time it was imported, ever after the same (db/sql/external_ids.py, migration 0007)."""

    __tablename__ = "place_external_id"

    source: str = Field(primary_key=True, max_length=64)
    external_id: str = Field(primary_key=True, max_length=255)
    lieu_id: int = Field(index=True)


class SessionRow(SQLModel, table=True):
    """One person's conversation (handlers.sessions codec), kept until `expires_at` (epoch seconds);
    the key is a keyed hash of the sender (bot/identity.py). Read and written by bot/stores.py."""

    __tablename__ = "conversation_session"
    __table_args__ = (Index("ix_conversation_session_expires", "expires_at"),)

    user_key: str = Field(primary_key=True, max_length=64)
    data: str = Field(sa_type=Text)
    expires_at: float
    version: int = 0  # compared and set by every save: turns of one person in order


class OptOutRow(SQLModel, table=True):
    """Someone who sent STOP: kept without expiry, until they send START."""

    __tablename__ = "conversation_opt_out"

    user_key: str = Field(primary_key=True, max_length=64)
    lang: str | None = Field(default=None, max_length=8)
    since: float


class WebhookReplyRow(SQLModel, table=True):
    """A Twilio MessageSid or Telegram update_id being answered or answered, with its reply, so that a
    retry of the same request is answered the same (bot/dedup.py, when there is no Redis)."""

    __tablename__ = "webhook_reply"
    __table_args__ = (Index("ix_webhook_reply_expires", "expires_at"),)

    key: str = Field(primary_key=True, max_length=128)
    request_hash: str = Field(max_length=64)
    reply: str | None = Field(default=None, sa_type=Text)
    claimed_at: float
    expires_at: float


class SearchEventRow(SQLModel, table=True):
    """One search answered, or the first details asked of one (a strong success): append-only, with
    no text, user key, phone number or position finer than the commune (migration 0008, issue 14)."""

    __tablename__ = "search_event"
    __table_args__ = (
        Index("ix_search_event_day", "day"),
        Index("ix_search_event_department_day", "department", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)  # search | details | sent
    day: date = Field(sa_column=Column(Date, nullable=False))
    hour: int = Field(sa_column=Column(SmallInteger, nullable=False))  # start of the 3-hour block asked
    department: str = Field(max_length=3)
    commune: str = Field(max_length=5)  # INSEE
    categories: str = Field(max_length=255)  # the needs, sorted, comma-separated
    channel: str = Field(max_length=16)
    lang: str = Field(max_length=8)
    role: str = Field(max_length=16)
    nothing_found: bool
    open_1km: int | None = None  # places open at the asked time; None when not measured
    open_5km: int | None = None
    open_30km: int | None = None
    nearest_open_km: float | None = None  # the upper bound of the nearest open place's band


class SearchMonthRow(SQLModel, table=True):
    """Search events past STATS_RETENTION_DAYS, folded by month with their dimensions (migration 0008)."""

    __tablename__ = "search_month"

    month: str = Field(primary_key=True, max_length=7)  # 2026-11
    kind: str = Field(primary_key=True, max_length=8)
    department: str = Field(primary_key=True, max_length=3)
    commune: str = Field(primary_key=True, max_length=5)
    categories: str = Field(primary_key=True, max_length=255)
    channel: str = Field(primary_key=True, max_length=16)
    lang: str = Field(primary_key=True, max_length=8)
    role: str = Field(primary_key=True, max_length=16)
    hour: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    events: int
    measured: int  # events whose open places were measured
    unmet: int  # nothing open within 5 km, or nothing at all
    nothing_found: int
    none_open_30km: int


_ACTIVE = text("removed_at IS NULL")


class OperatorRow(SQLModel, table=True):
    """A 115 operator or an outreach volunteer an administrator registered (migration 0009, issue 13):
    their Telegram account as the bot's user key (never the chat id) and/or a web login with an scrypt
    hash. Removal keeps the row (`removed_at`); an identity is unique among the operators not removed."""

    __tablename__ = "operator"
    __table_args__ = (
        Index(
            "ix_operator_active_user_key",
            "user_key",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "ix_operator_active_web_login",
            "web_login",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=120)
    organisation: str = Field(max_length=120)
    role: str = Field(max_length=16)  # operator | volunteer
    user_key: str | None = Field(default=None, max_length=64)
    web_login: str | None = Field(default=None, max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = _aware(nullable=False)
    removed_at: datetime | None = _aware()


class OperatorInvitationRow(SQLModel, table=True):
    """A one-time code registering whoever sends it as an operator: only its keyed hash is kept."""

    __tablename__ = "operator_invitation"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    display_name: str | None = Field(default=None, max_length=120)
    organisation: str = Field(max_length=120)
    role: str = Field(max_length=16)
    created_at: datetime = _aware(nullable=False)
    expires_at: datetime = _aware(nullable=False)
    used_at: datetime | None = _aware()
    operator_id: int | None = Field(default=None, foreign_key="operator.id")


class OperatorCodeFailureRow(SQLModel, table=True):
    """Wrong codes sent by one sender since `since`: guessing is refused past a few (bot/operators.py)."""

    __tablename__ = "operator_code_failure"

    user_key: str = Field(primary_key=True, max_length=64)
    failures: int
    since: datetime = _aware(nullable=False)


class PlaceReportRow(SQLModel, table=True):
    """Someone said a place is wrong ("le 3 est fermé"): the words with phone numbers taken out, the
    writer's role and channel, never their number or user key (migration 0010, issue 13)."""

    __tablename__ = "place_report"
    __table_args__ = (
        Index("ix_place_report_created_at", "created_at"),
        Index("ix_place_report_place", "source", "lieu_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _aware(nullable=False)
    source: str = Field(max_length=64)
    lieu_id: int
    service_id: int | None = None
    place_name: str = Field(sa_type=Text)
    category: str = Field(max_length=64)
    kind: str = Field(max_length=16)  # closed | moved | phone | hours | other
    text: str = Field(sa_type=Text)
    role: str = Field(max_length=16)
    channel: str = Field(max_length=16)
    lang: str = Field(max_length=8)


class SmsSendRow(SQLModel, table=True):
    """A place an operator sent to a person by SMS: who, what, when, Twilio's answer; the recipient
    only as a keyed hash (migration 0010, issue 13)."""

    __tablename__ = "sms_send"
    __table_args__ = (Index("ix_sms_send_operator_created_at", "operator_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=32, unique=True)  # one send per confirmation, turn retried or not
    operator_id: int
    created_at: datetime = _aware(nullable=False)
    source: str = Field(max_length=64)
    lieu_id: int
    service_id: int | None = None
    lang: str = Field(max_length=8)
    recipient_hash: str = Field(max_length=64)
    segments: int = Field(sa_column=Column(SmallInteger, nullable=False))
    status: str = Field(max_length=16)  # sending | queued | sent | … (Twilio's) | failed
    twilio_sid: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=255)


class ReportCountRow(SQLModel, table=True):
    """How many places one sender reported on one day, for REPORTS_PER_DAY: the sender only as a keyed
    hash of their user key and the day, never linked to a report; deleted by the retention job after
    the day (migration 0011)."""

    __tablename__ = "report_count"
    __table_args__ = (Index("ix_report_count_day", "day"),)

    sender_hash: str = Field(max_length=64, primary_key=True)
    day: date = Field(sa_column=Column(Date, nullable=False))
    reports: int = Field(sa_column=Column(SmallInteger, nullable=False))
