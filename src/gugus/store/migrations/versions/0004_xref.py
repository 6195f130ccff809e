"""Cross-referencing: runs, their candidate pairs, trained model parameters.

Revision ID: 0004_xref
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_xref"
# The lead chains the helpers' migrations at merge time (COMMON.md).
down_revision = "0003_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xref_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("collections", sa.Text, nullable=False),
        sa.Column("counts", sa.Text, nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=True),
        sa.Column("finished_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_xref_runs_user", "xref_runs", ["username", "id"])
    op.create_table(
        "xref_pairs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("xref_runs.id"), nullable=False),
        sa.Column("left_id", sa.String(255), nullable=False),
        sa.Column("right_id", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
    )
    op.create_index("ix_xref_pairs_run", "xref_pairs", ["run_id", "probability"])
    op.create_table(
        "xref_params",
        sa.Column("schema", sa.String(64), primary_key=True),
        sa.Column("engine", sa.String(16), primary_key=True),
        sa.Column("model_key", sa.String(64), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("trained_at", sa.String(32), nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("xref_params")
    op.drop_index("ix_xref_pairs_run", table_name="xref_pairs")
    op.drop_table("xref_pairs")
    op.drop_index("ix_xref_runs_user", table_name="xref_runs")
    op.drop_table("xref_runs")
