"""Audit store apart from the data: marking ids on records, signed checkpoints.

SQLite: the audit log moves to its own file beside the data file (created by
``Database.migrate``, which copies the records of an older database there
before this migration drops the tables from the data file).  PostgreSQL: the
tables stay in the same database and gain the ``markings`` column and the
``audit_checkpoints`` table.

Revision ID: 0002_audit
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_audit"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_audit_org", table_name="audit_log")
        op.drop_table("audit_log")
        op.drop_table("audit_head")
        return
    op.add_column("audit_log", sa.Column("markings", sa.Text, nullable=True))
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("sig", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        raise NotImplementedError("the audit log lives in its own file since 0002_audit")
    op.drop_table("audit_checkpoints")
    op.drop_column("audit_log", "markings")
