"""Search points: one row per searchable (stop, service), indexed by position and category code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from db.categories import taxonomy
from db.schedule import ALL_HOURS

ALL_HOURS_HEX = f"{ALL_HOURS:042x}"  # rows that exist before this revision: hours are read, never skipped

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_point",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("place.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stop_id", sa.Integer, sa.ForeignKey("stop.id", ondelete="CASCADE"), nullable=False),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("category_code", sa.Integer, nullable=False),
        sa.Column("hour_mask", sa.String(42), nullable=False),
    )
    op.create_index("ix_search_point_place", "search_point", ["place_id"])
    if op.get_bind().dialect.name == "sqlite":
        # Three dimensions (lat, lon, category code) so that one R*Tree lookup returns only the
        # matching services; the auxiliary columns keep the exact coordinates and the ids, so a
        # nearby search reads the R*Tree alone. Codes are scaled to 1e-4 (about 10 m of latitude):
        # unscaled, the code axis dominated the node splits and the tree lost its spatial grouping
        # (a rural lookup cost 1 ms instead of 7 µs).
        op.execute(
            "CREATE VIRTUAL TABLE search_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon, "
            "min_code, max_code, +place_id INTEGER, +stop_id INTEGER, +service_id INTEGER, "
            "+lat REAL, +lon REAL, +hour_mask TEXT)"
        )
        op.execute(
            "CREATE TRIGGER search_rtree_insert AFTER INSERT ON search_point BEGIN "
            "INSERT INTO search_rtree VALUES (new.id, new.lat, new.lat, new.lon, new.lon, "
            "new.category_code * 0.0001, new.category_code * 0.0001, "
            "new.place_id, new.stop_id, new.service_id, new.lat, new.lon, new.hour_mask); END"
        )
        op.execute(
            "CREATE TRIGGER search_rtree_delete AFTER DELETE ON search_point BEGIN "
            "DELETE FROM search_rtree WHERE id = old.id; END"
        )
    else:
        op.execute("CREATE INDEX ix_search_point_earth ON search_point USING gist (ll_to_earth(lat, lon))")
        op.create_index("ix_search_point_code", "search_point", ["category_code"])
    codes = sa.case(
        {cid: code for cid, (code, _) in taxonomy().codes.items()}, value=sa.column("category"), else_=0
    )
    service = sa.table("service", sa.column("id"), sa.column("place_id"), sa.column("category"))
    stop = sa.table("stop", sa.column("id"), sa.column("place_id"), sa.column("lat"), sa.column("lon"))
    place = sa.table("place", sa.column("id"), sa.column("status"), sa.column("visibility"))
    backfill = (
        sa.select(
            place.c.id,
            stop.c.id,
            service.c.id,
            stop.c.lat,
            stop.c.lon,
            codes,
            sa.literal(ALL_HOURS_HEX, sa.String),
        )
        .select_from(
            place.join(stop, stop.c.place_id == place.c.id).join(service, service.c.place_id == place.c.id)
        )
        .where(place.c.status == "ONLINE", place.c.visibility == "ALL")
    )
    columns = ("place_id", "stop_id", "service_id", "lat", "lon", "category_code", "hour_mask")
    target = sa.table("search_point", *(sa.column(c) for c in columns))
    op.execute(sa.insert(target).from_select(list(columns), backfill))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_rtree")
    op.drop_table("search_point")
