"""Online match and hit notices: the blocking index, notices and the records
behind them, an organisation's contact point, a collection's RED-hits option.

The index of statements loaded before this revision is filled here, in
batches, with the keys the load loop writes for new statements.

Revision ID: 0006_match
Revises: 0003_scope
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_match"
down_revision = "0005_judge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisations", sa.Column("contact", sa.Text, nullable=True))
    op.add_column(
        "collections",
        sa.Column("red_hits", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "match_keys",
        sa.Column("key", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("statement_id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("collection_id", sa.Integer, sa.ForeignKey("collections.id"), nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "hit_notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "recipient_org", sa.String(64), sa.ForeignKey("organisations.code"), nullable=False
        ),
        sa.Column("recipient_user", sa.String(128), nullable=True),
        sa.Column("holder_org", sa.String(64), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("own_entity_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("last_at", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_hit_notices_recipient", "hit_notices", ["recipient_org", "id"])
    op.create_index("ix_hit_notices_holder", "hit_notices", ["holder_org", "id"])
    op.create_table(
        "hit_records",
        sa.Column("notice_id", sa.Integer, sa.ForeignKey("hit_notices.id"), primary_key=True),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("collection_id", sa.Integer, sa.ForeignKey("collections.id"), primary_key=True),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
    )
    from gugus.store import match

    match.backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("hit_records")
    op.drop_index("ix_hit_notices_holder", table_name="hit_notices")
    op.drop_index("ix_hit_notices_recipient", table_name="hit_notices")
    op.drop_table("hit_notices")
    op.drop_table("match_keys")
    with op.batch_alter_table("collections") as batch:
        batch.drop_column("red_hits")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("contact")
