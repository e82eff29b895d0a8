"""The services directory: categories, places, stops, services, import runs, spatial index.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("parent", sa.String(64)),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
    )
    op.create_table(
        "place",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("lieu_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("description", sa.String, nullable=False),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("place_type", sa.String(32), nullable=False),
        sa.Column("address", sa.String, nullable=False),
        sa.Column("postal_code", sa.String(16), nullable=False),
        sa.Column("city", sa.String, nullable=False),
        sa.Column("city_code", sa.String(16), nullable=False),
        sa.Column("department_code", sa.String(8), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("phones", sa.JSON),
        sa.Column("email", sa.String),
        sa.Column("website", sa.String),
        sa.Column("languages", sa.JSON),
        sa.Column("publics", sa.JSON),
        sa.Column("modalities", sa.JSON),
        sa.Column("hours", sa.JSON),
        sa.Column("closed_holidays", sa.String(16), nullable=False),
        sa.Column("temp_closure", sa.JSON),
        sa.Column("temp_hours", sa.JSON),
        sa.Column("temp_message", sa.JSON),
        sa.Column("updated_by_user_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("source", "lieu_id", name="uq_place_source_lieu"),
    )
    op.create_table(
        "stop",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("place.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("address", sa.String, nullable=False),
        sa.Column("postal_code", sa.String(16), nullable=False),
        sa.Column("city", sa.String, nullable=False),
        sa.Column("hours", sa.JSON),
        sa.Column("closed_holidays", sa.String(16)),
    )
    op.create_index("ix_stop_place", "stop", ["place_id"])
    op.create_table(
        "service",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("place.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("external_id", sa.String(64)),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("name", sa.String),
        sa.Column("description", sa.String, nullable=False),
        sa.Column("different_hours", sa.Boolean, nullable=False),
        sa.Column("hours", sa.JSON),
        sa.Column("closed_holidays", sa.String(16)),
        sa.Column("publics", sa.JSON),
        sa.Column("modalities", sa.JSON),
        sa.Column("closure", sa.JSON),
        sa.Column("saturation", sa.String(16)),
        sa.Column("saturation_note", sa.String),
    )
    op.create_index("ix_service_place", "service", ["place_id"])
    op.create_index("ix_service_category", "service", ["category"])
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("filename", sa.String, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("report", sa.JSON),
    )
    if op.get_bind().dialect.name == "sqlite":
        # R*Tree: a bounding-box lookup in O(log n) without an extension; triggers keep it in step.
        op.execute("CREATE VIRTUAL TABLE stop_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
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
            "min_lon = new.lon, max_lon = new.lon "
            "WHERE id = new.id; END"
        )
    else:
        # cube + earthdistance ship with PostgreSQL's contrib: a GiST index on ll_to_earth answers
        # earth_box() containment without PostGIS.
        op.execute("CREATE EXTENSION IF NOT EXISTS cube")
        op.execute("CREATE EXTENSION IF NOT EXISTS earthdistance")
        op.execute("CREATE INDEX ix_stop_earth ON stop USING gist (ll_to_earth(lat, lon))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS stop_rtree")
    op.drop_table("import_run")
    op.drop_table("service")
    op.drop_table("stop")
    op.drop_table("place")
    op.drop_table("category")
