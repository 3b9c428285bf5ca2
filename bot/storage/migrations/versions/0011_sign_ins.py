"""The managed list of institutions and their faculties; institutions that require a
sign-in before their numbers count a respondent, the invitation codes that sign people in
on Telegram, and who signed in for which institution (issue 19).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_institutions"),
    )
    op.create_table(
        "institution_faculties",
        sa.Column("institution", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution"],
            ["institutions.name"],
            name="fk_institution_faculties_institution_institutions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("institution", "name", name="pk_institution_faculties"),
    )
    op.create_table(
        "sign_in_rules",
        sa.Column("institution", sa.String(200), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("institution", name="pk_sign_in_rules"),
    )
    op.create_table(
        "invitations",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("institution", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("code_hash", name="pk_invitations"),
    )
    op.create_table(
        "sign_ins",
        sa.Column("respondent_id", sa.String(64), nullable=False),
        sa.Column("institution", sa.String(200), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["respondent_id"], ["respondents.id"], name="fk_sign_ins_respondent_id_respondents", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("respondent_id", name="pk_sign_ins"),
    )


def downgrade() -> None:
    op.drop_table("sign_ins")
    op.drop_table("invitations")
    op.drop_table("sign_in_rules")
    op.drop_table("institution_faculties")
    op.drop_table("institutions")
