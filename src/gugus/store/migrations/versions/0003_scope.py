"""Audiences and grants: reads join on what the policy granted instead of
binding every visible marking id; search terms carry the audience.

Revision ID: 0003_scope
Revises: 0001
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0003_scope"
down_revision = "0002_audit"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "audiences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
    )
    op.create_table(
        "audience_grants",
        sa.Column("grantee", sa.String(200), primary_key=True),
        sa.Column("audience_id", sa.Integer, sa.ForeignKey("audiences.id"), primary_key=True),
    )
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        # SQLite adds a column with its reference in place (no table copy).
        op.execute("ALTER TABLE markings ADD COLUMN audience_id INTEGER REFERENCES audiences (id)")
    else:
        op.add_column(
            "markings",
            sa.Column("audience_id", sa.Integer, sa.ForeignKey("audiences.id"), nullable=True),
        )
    if conn.dialect.name == "sqlite":
        # FTS5 external content: an updated search text (a statement whose
        # marking changed audience) replaces its index entry.
        op.execute(
            "CREATE TRIGGER statements_fts_au AFTER UPDATE OF search_text ON statements "
            "WHEN old.search_text IS NOT new.search_text BEGIN "
            "INSERT INTO statements_fts(statements_fts, rowid, search_text) "
            "SELECT 'delete', old.pk, old.search_text WHERE old.search_text IS NOT NULL; "
            "INSERT INTO statements_fts(rowid, search_text) "
            "SELECT new.pk, new.search_text WHERE new.search_text IS NOT NULL; END"
        )
    _backfill(conn)


def _backfill(conn) -> None:
    """Audiences and grants of stored markings (computed by gugus.access), and
    the search terms of stored statements."""
    from gugus.store import grants, statements
    from gugus.store.tables import markings

    grants.backfill(conn)
    audience = dict(conn.execute(sa.select(markings.c.id, markings.c.audience_id)).all())
    table = statements.statements
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.pk, table.c.marking_id, table.c.search_text)
            .where(table.c.pk > last, table.c.search_text.is_not(None))
            .order_by(table.c.pk)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            sa.update(table)
            .where(table.c.pk == sa.bindparam("b_pk"))
            .values(search_text=sa.bindparam("b_text")),
            [
                {
                    "b_pk": r.pk,
                    "b_text": statements.search_terms(audience[r.marking_id], r.search_text),
                }
                for r in rows
            ],
        )
        last = rows[-1].pk


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS statements_fts_au")
    table = sa.table("statements", sa.column("pk"), sa.column("search_text"))
    rows = conn.execute(
        sa.select(table.c.pk, table.c.search_text).where(table.c.search_text.is_not(None))
    )
    plain = [{"b_pk": pk, "b_text": re.sub(r"\ba\d+x", "", text)} for pk, text in rows.all()]
    if plain:
        conn.execute(
            sa.update(table)
            .where(table.c.pk == sa.bindparam("b_pk"))
            .values(search_text=sa.bindparam("b_text")),
            plain,
        )
    if conn.dialect.name == "sqlite":
        op.execute("INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')")
    with op.batch_alter_table("markings") as batch:
        batch.drop_column("audience_id")
    op.drop_table("audience_grants")
    op.drop_table("audiences")
