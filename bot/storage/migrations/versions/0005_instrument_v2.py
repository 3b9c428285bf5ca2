"""Instrument version 2: three new statements (con_6, trn_7, qua_7).

Unfinished assessments move to version 2, so a resumed interview asks only the new
statements it has not answered. Finished assessments keep version 1 and stay valid as
they are: their answers keep their item ids, scoring ignores items that were never
asked, and they stay completed on the dashboard.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEW_ITEMS = ("con_6", "trn_7", "qua_7")
_assessments = sa.table(
    "assessments",
    sa.column("id", sa.String),
    sa.column("instrument_version", sa.Integer),
    sa.column("status", sa.String),
)
_answers = sa.table("answers", sa.column("assessment_id", sa.String), sa.column("item", sa.String))


def upgrade() -> None:
    op.execute(
        _assessments.update()
        .where(_assessments.c.status != "completed", _assessments.c.instrument_version == 1)
        .values(instrument_version=2)
    )


def downgrade() -> None:
    # Version 1 knows nothing of the new statements: their answers in unfinished
    # assessments go, and those assessments go back to version 1. A finished version-2
    # assessment keeps its answers and its version, as a record of what was asked.
    unfinished = sa.select(_assessments.c.id).where(
        _assessments.c.status != "completed", _assessments.c.instrument_version == 2
    )
    op.execute(_answers.delete().where(_answers.c.item.in_(NEW_ITEMS), _answers.c.assessment_id.in_(unfinished)))
    op.execute(
        _assessments.update()
        .where(_assessments.c.status != "completed", _assessments.c.instrument_version == 2)
        .values(instrument_version=1)
    )
