"""Operators and volunteers, and the one-time codes that register them (issue 13).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

`operator` holds who an administrator registered (bot/operators.py, `solibot operators`): a
Telegram account as the bot's own user key (the keyed hash the channels compute, bot/identity.py,
never the chat id), and/or a web login with an scrypt hash of its password. A removed operator keeps
its row (`removed_at`) so that what they sent stays attributable; an identity is unique among the
operators not removed. `operator_invitation` keeps only a keyed hash of each code.
`operator_code_failure` counts wrong codes per sender, so guessing is slowed across workers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ACTIVE = "removed_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "operator",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("organisation", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("user_key", sa.String(64)),
        sa.Column("web_login", sa.String(120)),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
    )
    for column in ("user_key", "web_login"):
        op.create_index(
            f"ix_operator_active_{column}",
            "operator",
            [column],
            unique=True,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        )
    op.create_table(
        "operator_invitation",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120)),
        sa.Column("organisation", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("operator.id")),
    )
    op.create_table(
        "operator_code_failure",
        sa.Column("user_key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("operator_code_failure")
    op.drop_table("operator_invitation")
    for column in ("web_login", "user_key"):
        op.drop_index(f"ix_operator_active_{column}", "operator")
    op.drop_table("operator")
