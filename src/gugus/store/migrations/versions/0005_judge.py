"""Judgements: human verdicts (same / different / unsure) on pairs of entities,
kept as history (a new judgement is a new row), each with the marking of what
the judge saw.

Revision ID: 0005_judge
Revises: 0003_scope
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_judge"
down_revision = "0004_xref"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("left_id", sa.String(255), nullable=False),
        sa.Column("right_id", sa.String(255), nullable=False),
        sa.Column("left_key", sa.String(40), nullable=False),
        sa.Column("right_key", sa.String(40), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_judgements_left", "judgements", ["left_id", "id"])
    op.create_index("ix_judgements_right", "judgements", ["right_id", "id"])
    op.create_index("ix_judgements_left_key", "judgements", ["left_key"])
    op.create_index("ix_judgements_right_key", "judgements", ["right_key"])


def downgrade() -> None:
    op.drop_table("judgements")
