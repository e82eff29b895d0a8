"""Turns of one person in order, and webhook replies kept for retries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

`conversation_session.version` is compared and set by every save (bot/stores.py), so two turns of one
person computed at once cannot both be saved: the later one is computed again on the newer state, and
a STOP saved meanwhile silences it. `webhook_reply` is the de-duplication of Twilio and Telegram
retries when there is no Redis (bot/dedup.py): a key is claimed for a turn, the reply it produced is
kept and replayed to a retry of the same request, and a claim whose worker died is taken over.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "conversation_session", sa.Column("version", sa.Integer, nullable=False, server_default="0")
    )
    op.create_table(
        "webhook_reply",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("reply", sa.Text),
        sa.Column("claimed_at", sa.Float(precision=53), nullable=False),
        sa.Column("expires_at", sa.Float(precision=53), nullable=False),
    )
    op.create_index("ix_webhook_reply_expires", "webhook_reply", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_reply_expires", "webhook_reply")
    op.drop_table("webhook_reply")
    with op.batch_alter_table("conversation_session") as batch:
        batch.drop_column("version")
