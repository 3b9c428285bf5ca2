"""Initial schema: respondents, profiles, assessments, answers.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "respondents",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_respondents"),
    )
    op.create_table(
        "profiles",
        sa.Column("respondent_id", sa.String(64), nullable=False),
        sa.Column("institution", sa.String(200)),
        sa.Column("faculty", sa.String(200)),
        sa.Column("role", sa.String(40)),
        sa.Column("zone", sa.String(40)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["respondents.id"],
            name="fk_profiles_respondent_id_respondents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("respondent_id", name="pk_profiles"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("respondent_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("instrument_version", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(200)),
        sa.Column("faculty", sa.String(200)),
        sa.Column("role", sa.String(40)),
        sa.Column("zone", sa.String(40)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('started', 'paused', 'completed')", name="ck_assessments_status_known"),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["respondents.id"],
            name="fk_assessments_respondent_id_respondents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
    )
    op.create_index("ix_assessments_respondent_id", "assessments", ["respondent_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assessment_id", sa.String(32), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False),
        sa.Column("item", sa.String(40), nullable=False),
        sa.Column("value", sa.SmallInteger()),
        sa.Column("text", sa.Text()),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value IS NULL OR (value >= 1 AND value <= 5)", name="ck_answers_value_on_scale"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_answers_assessment_id_assessments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.UniqueConstraint("assessment_id", "item", name="uq_answers_assessment_id"),
    )
    op.create_index("ix_answers_assessment_id", "answers", ["assessment_id"])


def downgrade() -> None:
    op.drop_index("ix_answers_assessment_id", table_name="answers")
    op.drop_table("answers")
    op.drop_index("ix_assessments_respondent_id", table_name="assessments")
    op.drop_table("assessments")
    op.drop_table("profiles")
    op.drop_table("respondents")
