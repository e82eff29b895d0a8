"""Places reported wrong, and the audit of places sent to a person by SMS (issue 13).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

`place_report` is what anyone said was wrong about a place ("le 3 est fermé"): the place and service
as shown, the kind, the words with phone numbers taken out, the writer's role and channel, the time;
never the writer's number or user key. A report is open while the place has not been checked by a
person since (db/sql/reports.py). `sms_send` is the audit of "envoyer 2 au 06…": which operator, which
place and service, when, in which language, Twilio's message SID and status or the failure; the
recipient only as a keyed hash (HMAC), never in clear. `request_id` makes a send happen once even when
its turn is computed again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "place_report",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("lieu_id", sa.Integer, nullable=False),
        sa.Column("service_id", sa.Integer),
        sa.Column("place_name", sa.Text, nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
    )
    op.create_index("ix_place_report_created_at", "place_report", ["created_at"])
    op.create_index("ix_place_report_place", "place_report", ["source", "lieu_id"])
    op.create_table(
        "sms_send",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(32), nullable=False, unique=True),
        sa.Column("operator_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("lieu_id", sa.Integer, nullable=False),
        sa.Column("service_id", sa.Integer),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("recipient_hash", sa.String(64), nullable=False),
        sa.Column("segments", sa.SmallInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("twilio_sid", sa.String(64)),
        sa.Column("error", sa.String(255)),
    )
    op.create_index("ix_sms_send_operator_created_at", "sms_send", ["operator_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_send_operator_created_at", "sms_send")
    op.drop_table("sms_send")
    op.drop_index("ix_place_report_place", "place_report")
    op.drop_index("ix_place_report_created_at", "place_report")
    op.drop_table("place_report")
