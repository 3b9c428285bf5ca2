"""Account lifecycle (issue 19): users can be disabled; API tokens have a name and an
expiry; the per-name sign-in lockout table gives way to rate limits (bot/service/rate_limits.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Tokens issued before tokens expired get the default lifetime from their creation.
_DEFAULT_TOKEN_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("dashboard_users") as table:
        table.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("api_tokens") as table:
        table.add_column(sa.Column("name", sa.String(64), nullable=False, server_default=""))
        table.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.String(16)),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    for token_id, created in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        bind.execute(
            tokens.update()
            .where(tokens.c.id == token_id)
            .values(expires_at=created + timedelta(days=_DEFAULT_TOKEN_DAYS))
        )
    with op.batch_alter_table("api_tokens") as table:
        table.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.drop_table("login_attempts")


def downgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_login_attempts"),
    )
    with op.batch_alter_table("api_tokens") as table:
        table.drop_column("expires_at")
        table.drop_column("name")
    with op.batch_alter_table("dashboard_users") as table:
        table.drop_column("disabled_at")
