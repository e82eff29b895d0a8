"""The note of an address: Soliguide's position.additionalInformation.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

"3e porte sur la droite", "devant la gare, côté parking": where exactly a place is, and for an
itinerary stop the meeting point. Each stop keeps its own (a fixed place's one stop carries the
place's), shown with the address in a place's details. Rows already imported get an empty note,
filled by their next import.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("place", "stop"):
        op.add_column(table, sa.Column("address_note", sa.String, nullable=False, server_default=""))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35): batch mode would copy and drop `stop`, and
    # dropping it deletes the search points that reference it (foreign keys are on).
    for table in ("stop", "place"):
        op.drop_column(table, "address_note")
