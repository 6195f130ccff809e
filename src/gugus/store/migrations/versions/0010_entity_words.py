"""SQLite: the words of each entity under each of its markings, indexed once
per (entity, marking) — ``entity_docs`` and its full-text index
``entity_fts`` — so that a one-word search counts the entities it matches
straight from the index: a document's rowid is the entity's number shifted
left by 31 bits, OR its marking id, so the index alone gives the marking
(to check the reader's grants) and the entity (to count it once), without
reading a row per match.  ``entity_docs`` also keeps what the search facets
count of the entity under that marking (its collections, schemata and
country values).

``entity_numbers`` numbers entities in the order they were first stored
(newest first = highest number first).

Rows are rebuilt by the statement writer for the entities of each batch, in
the load's transaction (``entity_docs_writing`` holds a row meanwhile, so
the triggers leave its changes to it), and by triggers when a statement
changes or is deleted by any other write.

PostgreSQL: nothing.

Revision ID: 0010_entity_words
Revises: 0009_search_keys
"""

from alembic import op

revision = "0010_entity_words"
down_revision = "0009_search_keys"
branch_labels = None
depends_on = None

# The document of (entity, marking) rebuilt from its statements.  ``{where}``
# selects the statements; an empty selection inserts nothing.
_DOCS = (
    "INSERT INTO entity_docs (id, collections, schemata, countries, words) "
    "SELECT (n.no << 31) | s.marking_id, json_group_array(DISTINCT s.collection_id), "
    "group_concat(DISTINCT s.schema), "
    "json_group_array(DISTINCT s.value) FILTER (WHERE s.prop_type = 'country'), "
    "group_concat(s.search_text, ' ') "
    "FROM statements s JOIN entity_numbers n ON n.entity_id = s.entity_id "
    "WHERE {where} GROUP BY s.entity_id, s.marking_id"
)


def _rebuild(row: str) -> str:
    """Trigger body: rebuild the document of ``row``'s (entity, marking)."""
    return (  # noqa: S608 (row is "old" or "new")
        # not OR IGNORE: the conflict policy of the statement that fired the
        # trigger (an upsert) would replace it
        f"INSERT INTO entity_numbers (entity_id) SELECT {row}.entity_id "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT 1 FROM entity_numbers WHERE entity_id = {row}.entity_id); "
        "DELETE FROM entity_docs WHERE id = "
        f"((SELECT no FROM entity_numbers WHERE entity_id = {row}.entity_id) << 31) "
        f"| {row}.marking_id; "
        + _DOCS.format(where=f"s.entity_id = {row}.entity_id AND s.marking_id = {row}.marking_id")
        + ";"
    )


def create_fts() -> None:
    """The documents' full-text index and the triggers keeping it (also
    what 0011's downgrade puts back)."""
    op.execute(
        "CREATE VIRTUAL TABLE entity_fts USING fts5(words, content='entity_docs', "
        "content_rowid='id', tokenize='unicode61', detail='none')"
    )
    op.execute(
        "CREATE TRIGGER entity_fts_ai AFTER INSERT ON entity_docs WHEN new.words IS NOT NULL "
        "BEGIN INSERT INTO entity_fts (rowid, words) VALUES (new.id, new.words); END"
    )
    op.execute(
        "CREATE TRIGGER entity_fts_ad AFTER DELETE ON entity_docs WHEN old.words IS NOT NULL "
        "BEGIN INSERT INTO entity_fts (entity_fts, rowid, words) "
        "VALUES ('delete', old.id, old.words); END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE entity_numbers (no INTEGER PRIMARY KEY, "
        "entity_id VARCHAR(255) NOT NULL UNIQUE)"
    )
    op.execute(
        "INSERT INTO entity_numbers (entity_id) "
        "SELECT entity_id FROM statements GROUP BY entity_id ORDER BY min(pk)"
    )
    # A row here while the statement writer's batch is written (in its own
    # transaction, so no one else ever sees it): the writer rebuilds the
    # documents of the batch's entities once, after the batch, instead of
    # the triggers rebuilding two documents for every statement it changes.
    op.execute("CREATE TABLE entity_docs_writing (batch INTEGER PRIMARY KEY)")
    op.execute(
        "CREATE TABLE entity_docs (id INTEGER PRIMARY KEY, collections TEXT NOT NULL, "
        "schemata TEXT NOT NULL, countries TEXT NOT NULL, words TEXT)"
    )
    create_fts()
    op.execute(_DOCS.format(where="1"))
    op.execute(
        "CREATE TRIGGER entity_docs_au AFTER UPDATE ON statements "  # noqa: S608
        "WHEN (old.marking_id IS NOT new.marking_id OR old.entity_id IS NOT new.entity_id "
        "OR old.search_text IS NOT new.search_text OR old.value IS NOT new.value "
        "OR old.collection_id IS NOT new.collection_id OR old.schema IS NOT new.schema "
        "OR old.prop_type IS NOT new.prop_type) "
        "AND NOT EXISTS (SELECT 1 FROM entity_docs_writing) "
        f"BEGIN {_rebuild('old')} {_rebuild('new')} END"
    )
    op.execute(
        "CREATE TRIGGER entity_docs_ad AFTER DELETE ON statements "  # noqa: S608
        f"WHEN NOT EXISTS (SELECT 1 FROM entity_docs_writing) BEGIN {_rebuild('old')} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("entity_docs_ad", "entity_docs_au", "entity_fts_ad", "entity_fts_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS entity_fts")
    op.execute("DROP TABLE IF EXISTS entity_docs")
    op.execute("DROP TABLE IF EXISTS entity_numbers")
    op.execute("DROP TABLE IF EXISTS entity_docs_writing")
