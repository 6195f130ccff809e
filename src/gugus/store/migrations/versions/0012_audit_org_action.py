"""The audit log's indexes of an organisation's records by action
(``ix_audit_org_action``) and by user (``ix_audit_org_user``): the home
page's recent loads and the audit page's action and user filters read an
organisation's records of one action or one user newest first, and without
them walked every record of the organisation — every audited read — to
find a few.  On a node whose trail held 279,000 records, 213,000 of the
reader's organisation: a home page took 340–400 ms of CPU (14 ms with the
index), the audit page's records of a user with none 271 ms.

SQLite: the audit log is a file of its own; ``Database.migrate`` creates
the index there (``gugus.store.audit.create``) before it runs the
migrations.  PostgreSQL: the audit tables are in the same database.

Revision ID: 0012_audit_org_action
Revises: 0011_entity_terms
"""

from alembic import op

revision = "0012_audit_org_action"
down_revision = "0011_entity_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.create_index(
        "ix_audit_org_action", "audit_log", ["org", "action", "seq"], if_not_exists=True
    )
    op.create_index(
        "ix_audit_org_user", "audit_log", ["org", "username", "seq"], if_not_exists=True
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # the audit file keeps it: nothing of the data file changes
    op.drop_index("ix_audit_org_user", table_name="audit_log", if_exists=True)
    op.drop_index("ix_audit_org_action", table_name="audit_log", if_exists=True)
