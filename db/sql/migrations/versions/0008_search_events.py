"""Search events and their monthly aggregates, for the territory's statistics (issue 14).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

`search_event` is append-only: every worker inserts, nobody updates, so several workers write without
conflicts. It holds no text, no user key, no phone number and no position finer than the commune
(docs/indicators.md). `search_month` is what the retention job folds raw events into past
STATS_RETENTION_DAYS: the same dimensions by month, with counts, added to by an upsert of the rows a
fold deleted (bot/events.py, db/sql/stats.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("hour", sa.SmallInteger, nullable=False),
        sa.Column("department", sa.String(3), nullable=False),
        sa.Column("commune", sa.String(5), nullable=False),
        sa.Column("categories", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("nothing_found", sa.Boolean, nullable=False),
        sa.Column("open_1km", sa.Integer),
        sa.Column("open_5km", sa.Integer),
        sa.Column("open_30km", sa.Integer),
        sa.Column("nearest_open_km", sa.Float),
    )
    op.create_index("ix_search_event_day", "search_event", ["day"])
    op.create_index("ix_search_event_department_day", "search_event", ["department", "day"])
    op.create_table(
        "search_month",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("department", sa.String(3), primary_key=True),
        sa.Column("commune", sa.String(5), primary_key=True),
        sa.Column("categories", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("hour", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("measured", sa.Integer, nullable=False),
        sa.Column("unmet", sa.Integer, nullable=False),
        sa.Column("nothing_found", sa.Integer, nullable=False),
        sa.Column("none_open_30km", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_month")
    op.drop_index("ix_search_event_department_day", "search_event")
    op.drop_index("ix_search_event_day", "search_event")
    op.drop_table("search_event")
