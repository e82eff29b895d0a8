"""A day's count of places each sender reported wrong, for REPORTS_PER_DAY (issue 13 review).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

`report_count` holds, per sender and day, only a keyed hash (HMAC of the day and the user key, whose
key is derived from USER_KEY_SECRET) and a number: no user key, nothing that links a count to a report
in `place_report`. The retention job deletes the rows of past days.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_count",
        sa.Column("sender_hash", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("reports", sa.SmallInteger, nullable=False),
    )
    op.create_index("ix_report_count_day", "report_count", ["day"])


def downgrade() -> None:
    op.drop_index("ix_report_count_day", "report_count")
    op.drop_table("report_count")
