"""Conversation sessions and opt-outs as migrated tables; indexes that nothing reads are dropped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

The session store used to create its two tables on first use; databases made that way already have
them, so they are created only where missing, and a downgrade leaves them (the previous release uses
them, and they hold the opt-outs). Search reads `search_point` (migration 0002): the `stop_rtree`
R*Tree with its triggers (SQLite) and `ix_stop_earth` (PostgreSQL) were kept in step on every import
and read by nothing, like the indexes on place.status and service.category; a downgrade rebuilds them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "conversation_session" not in existing:
        op.create_table(
            "conversation_session",
            sa.Column("user_key", sa.String(64), primary_key=True),
            sa.Column("data", sa.Text, nullable=False),
            sa.Column("expires_at", sa.Float(precision=53), nullable=False),
        )
        op.create_index("ix_conversation_session_expires", "conversation_session", ["expires_at"])
    if "conversation_opt_out" not in existing:
        op.create_table(
            "conversation_opt_out",
            sa.Column("user_key", sa.String(64), primary_key=True),
            sa.Column("lang", sa.String(8)),
            sa.Column("since", sa.Float(precision=53), nullable=False),
        )
    op.execute("DROP INDEX IF EXISTS ix_place_status")
    op.execute("DROP INDEX IF EXISTS ix_service_category")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("stop_rtree_insert", "stop_rtree_delete", "stop_rtree_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS stop_rtree")
    else:
        op.execute("DROP INDEX IF EXISTS ix_stop_earth")


def downgrade() -> None:
    op.create_index("ix_place_status", "place", ["status"])
    op.create_index("ix_service_category", "service", ["category"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE stop_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
        op.execute("INSERT INTO stop_rtree SELECT id, lat, lat, lon, lon FROM stop")
        op.execute(
            "CREATE TRIGGER stop_rtree_insert AFTER INSERT ON stop BEGIN "
            "INSERT INTO stop_rtree VALUES (new.id, new.lat, new.lat, new.lon, new.lon); END"
        )
        op.execute(
            "CREATE TRIGGER stop_rtree_delete AFTER DELETE ON stop BEGIN "
            "DELETE FROM stop_rtree WHERE id = old.id; END"
        )
        op.execute(
            "CREATE TRIGGER stop_rtree_update AFTER UPDATE OF lat, lon ON stop BEGIN "
            "UPDATE stop_rtree SET min_lat = new.lat, max_lat = new.lat, "
            "min_lon = new.lon, max_lon = new.lon WHERE id = new.id; END"
        )
    else:
        op.execute("CREATE INDEX ix_stop_earth ON stop USING gist (ll_to_earth(lat, lon))")
