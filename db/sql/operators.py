"""Operators, invitation codes and wrong-code counts in SQL (migration 0009, issue 13).

Plain functions over a Connection, run by bot/operators.py through a Runner. Times are stored in UTC
(SQLite keeps no offset) and read back aware. Roles are strings here: the layers above own `Role`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel

import db.sql.models  # noqa: F401 - registers the tables


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


OPERATOR = _table("operator")
INVITATION = _table("operator_invitation")
FAILURE = _table("operator_code_failure")


@dataclass(frozen=True, slots=True)
class Operator:
    """A registered operator or volunteer, without their secrets."""

    id: int
    display_name: str
    organisation: str
    role: str  # operator | volunteer
    account: bool  # their Telegram account (or a console user, for trying) is registered
    web_login: str | None
    created_at: datetime
    removed_at: datetime | None


class DuplicateIdentityError(ValueError):
    """That Telegram account or web login already belongs to an operator not removed."""


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _operator(row: Any) -> Operator:
    created = _aware(row.created_at)
    assert created is not None
    return Operator(
        id=row.id,
        display_name=row.display_name,
        organisation=row.organisation,
        role=row.role,
        account=row.user_key is not None,
        web_login=row.web_login,
        created_at=created,
        removed_at=_aware(row.removed_at),
    )


def _active_holder(conn: Connection, column: str, value: str) -> int | None:
    found = conn.execute(
        select(OPERATOR.c.id).where(and_(OPERATOR.c[column] == value, OPERATOR.c.removed_at.is_(None)))
    ).first()
    return None if found is None else int(found[0])


def insert_operator(
    conn: Connection,
    *,
    display_name: str,
    organisation: str,
    role: str,
    user_key: str | None,
    web_login: str | None,
    password_hash: str | None,
    now: datetime,
) -> Operator:
    """Raises DuplicateIdentityError when the account or login is already an active operator's (the
    partial unique indexes hold it too, for two administrators at once)."""
    for column, value in (("user_key", user_key), ("web_login", web_login)):
        if value is not None and _active_holder(conn, column, value) is not None:
            raise DuplicateIdentityError(column)
    new_id = conn.execute(
        OPERATOR.insert().values(
            display_name=display_name,
            organisation=organisation,
            role=role,
            user_key=user_key,
            web_login=web_login,
            password_hash=password_hash,
            created_at=utc(now),
        )
    ).inserted_primary_key
    assert new_id is not None
    return by_id(conn, int(new_id[0]))


def by_id(conn: Connection, operator_id: int) -> Operator:
    return _operator(conn.execute(select(OPERATOR).where(OPERATOR.c.id == operator_id)).one())


def list_operators(conn: Connection, *, include_removed: bool = False) -> list[Operator]:
    query = select(OPERATOR).order_by(OPERATOR.c.organisation, OPERATOR.c.display_name, OPERATOR.c.id)
    if not include_removed:
        query = query.where(OPERATOR.c.removed_at.is_(None))
    return [_operator(row) for row in conn.execute(query)]


def remove_operator(conn: Connection, operator_id: int, now: datetime) -> bool:
    """Marks them removed (their row stays for the audit); False when no active operator has that id."""
    done = conn.execute(
        update(OPERATOR)
        .where(and_(OPERATOR.c.id == operator_id, OPERATOR.c.removed_at.is_(None)))
        .values(removed_at=utc(now))
    )
    return done.rowcount == 1


def by_user_key(conn: Connection, user_key: str) -> Operator | None:
    row = conn.execute(
        select(OPERATOR).where(and_(OPERATOR.c.user_key == user_key, OPERATOR.c.removed_at.is_(None)))
    ).first()
    return None if row is None else _operator(row)


def active_operator(conn: Connection, operator_id: int) -> Operator | None:
    """The operator with this id, while not removed."""
    row = conn.execute(
        select(OPERATOR).where(and_(OPERATOR.c.id == operator_id, OPERATOR.c.removed_at.is_(None)))
    ).first()
    return None if row is None else _operator(row)


def by_login(conn: Connection, login: str) -> tuple[Operator, str | None] | None:
    """The active operator with that web login, and their password hash."""
    row = conn.execute(
        select(OPERATOR).where(and_(OPERATOR.c.web_login == login, OPERATOR.c.removed_at.is_(None)))
    ).first()
    return None if row is None else (_operator(row), row.password_hash)


def insert_invitation(
    conn: Connection,
    *,
    code_hash: str,
    display_name: str | None,
    organisation: str,
    role: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        INVITATION.insert().values(
            code_hash=code_hash,
            display_name=display_name,
            organisation=organisation,
            role=role,
            created_at=utc(now),
            expires_at=utc(expires_at),
        )
    )


def redeem_invitation(conn: Connection, code_hash: str, user_key: str, now: datetime) -> Operator | None:
    """In the caller's transaction: the code is spent (once: the UPDATE is the claim, so two workers
    cannot both use it) and its sender becomes an operator of its organisation, or an operator they
    already were takes the code's organisation and role. None for a code unknown, used or expired."""
    claimed = conn.execute(
        update(INVITATION)
        .where(
            and_(
                INVITATION.c.code_hash == code_hash,
                INVITATION.c.used_at.is_(None),
                INVITATION.c.expires_at > utc(now),
            )
        )
        .values(used_at=utc(now))
        .returning(INVITATION.c.id, INVITATION.c.display_name, INVITATION.c.organisation, INVITATION.c.role)
    ).first()
    if claimed is None:
        return None
    existing = _active_holder(conn, "user_key", user_key)
    if existing is not None:
        conn.execute(
            update(OPERATOR)
            .where(OPERATOR.c.id == existing)
            .values(organisation=claimed.organisation, role=claimed.role)
        )
        operator = by_id(conn, existing)
    else:
        operator = insert_operator(
            conn,
            display_name=claimed.display_name or claimed.organisation,
            organisation=claimed.organisation,
            role=claimed.role,
            user_key=user_key,
            web_login=None,
            password_hash=None,
            now=now,
        )
    conn.execute(update(INVITATION).where(INVITATION.c.id == claimed.id).values(operator_id=operator.id))
    return operator


def code_failures(conn: Connection, user_key: str, since: datetime) -> int:
    """Wrong codes this sender sent in the window that began after `since`."""
    found = conn.execute(
        select(FAILURE.c.failures).where(and_(FAILURE.c.user_key == user_key, FAILURE.c.since > utc(since)))
    ).first()
    return 0 if found is None else int(found[0])


def add_code_failure(conn: Connection, user_key: str, now: datetime, window: timedelta) -> int:
    """One more wrong code; a count older than `window` starts again at 1. Returns the count."""
    insert = pg_insert(FAILURE) if conn.dialect.name == "postgresql" else sqlite_insert(FAILURE)
    stale = FAILURE.c.since <= utc(now - window)
    statement = insert.values(user_key=user_key, failures=1, since=utc(now)).on_conflict_do_update(
        index_elements=[FAILURE.c.user_key],
        set_={
            "failures": case((stale, 1), else_=FAILURE.c.failures + 1),
            "since": case((stale, utc(now)), else_=FAILURE.c.since),
        },
    )
    conn.execute(statement)
    return code_failures(conn, user_key, now - window)
