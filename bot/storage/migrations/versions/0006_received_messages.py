"""Client message ids taken in by the REST and widget channels, so retries are dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "received_messages",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "message_key", name="pk_received_messages"),
    )
    op.create_index("ix_received_messages_received_at", "received_messages", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_received_messages_received_at", table_name="received_messages")
    op.drop_table("received_messages")
