"""SQLite: a narrow companion of the full-text index, ``search_keys`` (the
statement's primary key, marking and entity id), so that a search reads its
matches' grants and entities without reading the wide statement rows (the
exact total of a word matched 37,000 times: 129 → ~40 ms at 3.15 M
statements).  Rows are added by the statement writer with the FTS index
(same transaction) and kept in step with the statements by triggers on
update and delete.

And ``data_version``: a number per audience (``id`` = the audience id),
raised in the transaction of every write that can change what a reader of
that audience is answered (statements, their markings and grants,
collections, judgements — each by the audience of its marking), so a search
result cached under the versions of the reader's audiences is exact while
they stand (gugus.search_cache), and a write the reader may not see leaves
the reader's versions, and so its cached results and their timing, alone.
Statement inserts raise their audiences once per batch (the statement
writer); the rest by triggers.  An audience never written has no row
(version 0).

PostgreSQL: nothing (its GIN index is on the table; concurrent loads would
queue on one shared row, so its searches are not cached).

Revision ID: 0009_search_keys
Revises: 0008_search_words
"""

from alembic import op

revision = "0009_search_keys"
down_revision = "0008_search_words"
branch_labels = None
depends_on = None

# A version starts at the clock's microseconds and then counts up by one: a
# row deleted behind gugus's back restarts above any value it had, so a
# result cached under an old value is never matched again.
_START = "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
_UPSERT = (
    "INSERT INTO data_version (id, n) SELECT {audience}, " + _START + " {source} "
    "ON CONFLICT (id) DO UPDATE SET n = n + 1;"
)


def _bump_marking(row: str) -> str:
    """Raise the audience of the marking ``row``.marking_id."""
    return _UPSERT.format(
        audience="audience_id",
        source=f"FROM markings WHERE id = {row}.marking_id AND audience_id IS NOT NULL",
    )


def _bump_audience(row: str) -> str:
    """Raise the audience ``row``.audience_id."""
    return _UPSERT.format(
        audience=f"{row}.audience_id", source=f"WHERE {row}.audience_id IS NOT NULL"
    )


# Tables whose rows change what a search answers, besides the statements,
# and how a row names its audience.
_BUMPED = {
    "markings": _bump_audience,
    "audience_grants": _bump_audience,
    "collections": _bump_marking,
    "judgements": _bump_marking,
}
_ROWS = {"INSERT": ("new",), "UPDATE": ("old", "new"), "DELETE": ("old",)}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_keys (pk INTEGER PRIMARY KEY, "
        "marking_id INTEGER NOT NULL, entity_id VARCHAR(255) NOT NULL)"
    )
    op.execute(
        "INSERT INTO search_keys (pk, marking_id, entity_id) "
        "SELECT pk, marking_id, entity_id FROM statements WHERE search_text IS NOT NULL"
    )
    # A statement whose marking or search text changed (a re-load: the
    # upsert sets both, so only a real change rewrites its key row).
    op.execute(
        "CREATE TRIGGER search_keys_au AFTER UPDATE OF marking_id, search_text, entity_id "
        "ON statements WHEN old.marking_id IS NOT new.marking_id "
        "OR old.entity_id IS NOT new.entity_id "
        "OR (old.search_text IS NULL) IS NOT (new.search_text IS NULL) BEGIN "
        "DELETE FROM search_keys WHERE pk = old.pk; "
        "INSERT INTO search_keys (pk, marking_id, entity_id) "
        "SELECT new.pk, new.marking_id, new.entity_id WHERE new.search_text IS NOT NULL; END"
    )
    op.execute(
        "CREATE TRIGGER search_keys_ad AFTER DELETE ON statements BEGIN "
        "DELETE FROM search_keys WHERE pk = old.pk; END"
    )
    op.execute("CREATE TABLE data_version (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    op.execute(
        "CREATE TRIGGER data_version_statements_au AFTER UPDATE ON statements "
        "WHEN old.marking_id IS NOT new.marking_id OR old.entity_id IS NOT new.entity_id "
        "OR old.search_text IS NOT new.search_text OR old.value IS NOT new.value "
        "OR old.collection_id IS NOT new.collection_id "
        f"BEGIN {_bump_marking('old')} {_bump_marking('new')} END"
    )
    op.execute(
        "CREATE TRIGGER data_version_statements_ad AFTER DELETE ON statements "
        f"BEGIN {_bump_marking('old')} END"
    )
    for name, bump in _BUMPED.items():
        for event, rows in _ROWS.items():
            op.execute(
                f"CREATE TRIGGER data_version_{name}_{event[0].lower()} AFTER {event} ON {name} "
                f"BEGIN {' '.join(bump(row) for row in rows)} END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _BUMPED:
        for event in "iud":
            op.execute(f"DROP TRIGGER IF EXISTS data_version_{name}_{event}")
    op.execute("DROP TRIGGER IF EXISTS data_version_statements_ad")
    op.execute("DROP TRIGGER IF EXISTS data_version_statements_au")
    op.execute("DROP TABLE IF EXISTS data_version")
    op.execute("DROP TRIGGER IF EXISTS search_keys_ad")
    op.execute("DROP TRIGGER IF EXISTS search_keys_au")
    op.execute("DROP TABLE IF EXISTS search_keys")
