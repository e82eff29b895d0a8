"""Text identifiers of other directories, each given a lieu_id once (data·inclusion).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

A place is (source, lieu_id), an integer as Soliguide numbers its places. data·inclusion names its
structures with text ("dora--42"): `place_external_id` keeps each text id with the lieu_id it was
given the first time (db/sql/external_ids.py), so a re-import replaces the place, and the original
id stays in the database.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "place_external_id",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("external_id", sa.String(255), primary_key=True),
        sa.Column("lieu_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_place_external_id_lieu_id", "place_external_id", ["lieu_id"])


def downgrade() -> None:
    op.drop_index("ix_place_external_id_lieu_id", "place_external_id")
    op.drop_table("place_external_id")
