"""Initial schema: organisations, users, tokens, markings, collections,
statements (+ full-text index), audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = sa.String
T = sa.Text


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("code", S(64), primary_key=True),
        sa.Column("name", T, nullable=False),
        sa.Column("country", S(2), nullable=False),
        sa.Column("created_at", S(32), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", S(128), nullable=False, unique=True),
        sa.Column("org", S(64), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("role", S(16), nullable=False),
        sa.Column("password_hash", T, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", S(32), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("token_hash", S(64), nullable=False, unique=True),
        sa.Column("label", T, nullable=True),
        sa.Column("created_at", S(32), nullable=False),
        sa.Column("expires_at", S(32), nullable=False),
        sa.Column("revoked_at", S(32), nullable=True),
    )
    op.create_table(
        "markings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", T, nullable=False, unique=True),
        sa.Column("tlp", S(16), nullable=False),
        sa.Column("handling", S(32), nullable=False),
        sa.Column("handling_text", T, nullable=True),
        sa.Column("release_to", T, nullable=False),
        sa.Column("recipients", T, nullable=False),
        sa.Column("originator", S(64), nullable=True),
        sa.Column("purpose", T, nullable=True),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", S(128), nullable=False, unique=True),
        sa.Column("org", S(64), sa.ForeignKey("organisations.code"), nullable=False),
        sa.Column("label", T, nullable=True),
        sa.Column("country", S(2), nullable=True),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_at", S(32), nullable=False),
    )
    op.create_table(
        "statements",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", S(40), nullable=False),
        sa.Column("entity_id", S(255), nullable=False),
        sa.Column("schema", S(64), nullable=False),
        sa.Column("prop", S(64), nullable=False),
        sa.Column("prop_type", S(32), nullable=False),
        sa.Column("value", T, nullable=False),
        sa.Column("search_text", T, nullable=True),
        sa.Column("collection_id", sa.Integer, sa.ForeignKey("collections.id"), nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("origin", T, nullable=True),
        sa.Column("first_seen", S(32), nullable=False),
        sa.Column("last_seen", S(32), nullable=False),
    )
    op.create_index("uq_statements_entity_id", "statements", ["entity_id", "id"], unique=True)
    op.create_index("ix_statements_collection", "statements", ["collection_id", "entity_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", S(32), nullable=False),
        sa.Column("username", S(128), nullable=True),
        sa.Column("org", S(64), nullable=True),
        sa.Column("action", S(64), nullable=False),
        sa.Column("object_ids", T, nullable=False),
        sa.Column("purpose", T, nullable=True),
        sa.Column("detail", T, nullable=False),
        sa.Column("prev_hash", S(64), nullable=False),
        sa.Column("hash", S(64), nullable=False),
    )
    op.create_index("ix_audit_org", "audit_log", ["org", "seq"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", S(64), nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)").bindparams(h="0" * 64)
    )

    # Full-text search over names and text values (``search_text`` is the
    # value folded to lower-case ASCII by gugus, so both backends match
    # "José" and "jose" alike).
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE statements_fts USING fts5("
            "search_text, content='statements', content_rowid='pk', tokenize='unicode61')"
        )
        # New rows are indexed in bulk by the statement writer, in the same
        # transaction (a per-row trigger made loads 5x slower).
        op.execute(
            "CREATE TRIGGER statements_fts_ad AFTER DELETE ON statements "
            "WHEN old.search_text IS NOT NULL BEGIN "
            "INSERT INTO statements_fts(statements_fts, rowid, search_text) "
            "VALUES ('delete', old.pk, old.search_text); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_statements_fts ON statements "
            "USING gin (to_tsvector('simple', search_text)) WHERE search_text IS NOT NULL"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS statements_fts")
    for name in (
        "audit_head",
        "audit_log",
        "statements",
        "collections",
        "markings",
        "tokens",
        "users",
        "organisations",
    ):
        op.drop_table(name)
