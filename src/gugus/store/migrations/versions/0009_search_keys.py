"""SQLite: a narrow companion of the full-text index, ``search_keys`` (the
statement's primary key, marking and entity id), so that a search reads its
matches' grants and entities without reading the wide statement rows (the
exact total of a word matched 37,000 times: 129 → ~40 ms at 3.15 M
statements).  Rows are added by the statement writer with the FTS index
(same transaction) and kept in step with the statements by triggers on
update and delete.

And ``data_version``: one number, raised in the transaction of every write
that can change what a search answers (statements, their markings and
grants, collections, judgements), so a search result cached under it is
exact while it stands (gugus.search_cache).  Statement inserts raise it
once per batch (the statement writer); the rest by triggers.

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

_BUMP = "UPDATE data_version SET n = n + 1 WHERE id = 1;"
# Tables whose rows change what a search answers, besides the statements.
_BUMPED = ("markings", "audience_grants", "collections", "judgements")


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
    op.execute("INSERT INTO data_version (id, n) VALUES (1, 1)")
    op.execute(
        f"CREATE TRIGGER data_version_statements_au AFTER UPDATE ON statements "
        f"WHEN old.marking_id IS NOT new.marking_id OR old.entity_id IS NOT new.entity_id "
        f"OR old.search_text IS NOT new.search_text OR old.value IS NOT new.value "
        f"OR old.collection_id IS NOT new.collection_id BEGIN {_BUMP} END"
    )
    op.execute(
        f"CREATE TRIGGER data_version_statements_ad AFTER DELETE ON statements BEGIN {_BUMP} END"
    )
    for name in _BUMPED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER data_version_{name}_{event[0].lower()} AFTER {event} ON {name} "
                f"BEGIN {_BUMP} END"
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
