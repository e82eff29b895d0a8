"""Indexes on the cascading foreign keys of search_point that had none: stop_id and service_id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

A re-import deletes a place's services and stops; each deleted row makes the database look for the
search points that reference it (ON DELETE CASCADE, and the foreign-key check itself). Without an
index on the referencing column that look-up is a scan of the whole search_point table per deleted
row, on PostgreSQL as on SQLite: re-importing was several times slower than importing into an empty
database. place_id (ix_search_point_place), stop.place_id and service.place_id were indexed already;
these two were the only referencing columns without one.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_search_point_stop", "search_point", ["stop_id"])
    op.create_index("ix_search_point_service", "search_point", ["service_id"])


def downgrade() -> None:
    op.drop_index("ix_search_point_service", "search_point")
    op.drop_index("ix_search_point_stop", "search_point")
