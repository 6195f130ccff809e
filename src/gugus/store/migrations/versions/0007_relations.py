"""Indexes of the entity page: who references an entity (entity-typed
statement values), the cross-reference pairs and hit notices of one entity.

Revision ID: 0007_relations
Revises: 0006_match
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_relations"
down_revision = "0006_match"
branch_labels = None
depends_on = None

ENTITY_VALUES = sa.text("prop_type = 'entity'")


def upgrade() -> None:
    op.create_index(
        "ix_statements_ref",
        "statements",
        ["value", "pk"],
        sqlite_where=ENTITY_VALUES,
        postgresql_where=ENTITY_VALUES,
    )
    op.create_index("ix_xref_pairs_left", "xref_pairs", ["left_id"])
    op.create_index("ix_xref_pairs_right", "xref_pairs", ["right_id"])
    op.create_index("ix_hit_notices_own", "hit_notices", ["own_entity_id"])
    op.create_index("ix_hit_records_entity", "hit_records", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_hit_records_entity", table_name="hit_records")
    op.drop_index("ix_hit_notices_own", table_name="hit_notices")
    op.drop_index("ix_xref_pairs_right", table_name="xref_pairs")
    op.drop_index("ix_xref_pairs_left", table_name="xref_pairs")
    op.drop_index("ix_statements_ref", table_name="statements")
