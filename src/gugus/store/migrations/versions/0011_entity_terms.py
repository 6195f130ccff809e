"""SQLite: the words of each entity under every marking it has, indexed once
per entity — ``entity_texts`` and its full-text index ``entity_terms``
(rowid: the entity's number) — so that a one-word search counts and walks
the entities it matches straight from the index: one row per entity, no
``count(DISTINCT …)`` over its (entity, marking) documents.  Each word is
prefixed with the audience of its statement's marking (as everywhere in
the search index), so a query naming the reader's audiences matches the
entities with a statement the reader may see: 5× faster than counting the
(entity, marking) documents of ``entity_fts`` for a word matched by 37,000
entities; that index is dropped (nothing reads it now).

A text is built from the entity's statements, each word under the
audience of its statement's marking (see ``WORDS``), and rebuilt with the
entity's documents: by the statement writer for each batch's entities
(``entity_docs_writing`` holds its mark meanwhile), by triggers on
``entity_docs`` for any other write.

PostgreSQL: nothing.

Revision ID: 0011_entity_terms
Revises: 0010_entity_words
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0011_entity_terms"
down_revision = "0010_entity_words"
branch_labels = None
depends_on = None

# A statement's words under the audience of its marking *now*: every term
# of a search_text carries one prefix by construction ("a<audience>x"), and
# it is replaced by the marking's, so a marking changed by any write moves
# the words with it.  A search_text whose terms do not all carry its first
# term's prefix is left out (never indexed under an audience it may not
# have); ``gugus check`` names the statement.
PREFIX = "substr(s.search_text, 1, instr(s.search_text, 'x'))"
UNIFORM = (
    f"length(' ' || s.search_text) - length(replace(' ' || s.search_text, ' ' || {PREFIX}, '')) "
    f"= length(' ' || {PREFIX}) * "
    "(length(s.search_text) - length(replace(s.search_text, ' ', '')) + 1)"
)
WORDS = (
    f"group_concat(substr(replace(' ' || s.search_text, ' ' || {PREFIX}, "
    "' a' || m.audience_id || 'x'), 2), ' ')"
)
# The texts of the entities numbered as ``{nos}`` selects (rebuilt after
# their rows were deleted).
TEXTS = (
    f"INSERT INTO entity_texts (no, words) SELECT n.no, {WORDS} "  # noqa: S608 (constants)
    "FROM entity_numbers n JOIN statements s ON s.entity_id = n.entity_id "
    "JOIN markings m ON m.id = s.marking_id "
    f"WHERE n.no IN ({{nos}}) AND s.search_text IS NOT NULL AND {UNIFORM} GROUP BY n.no"
)


def _retext(row: str) -> str:
    """Trigger body: rebuild the text of ``row``'s entity (``row`` is "old"
    or "new", an ``entity_docs`` row)."""
    no = f"{row}.id >> 31"
    return f"DELETE FROM entity_texts WHERE no = {no}; " + TEXTS.format(nos=no) + ";"  # noqa: S608 (row is "old" or "new")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE entity_texts (no INTEGER PRIMARY KEY, words TEXT NOT NULL)")
    op.execute(
        "CREATE VIRTUAL TABLE entity_terms USING fts5(words, content='entity_texts', "
        "content_rowid='no', tokenize='unicode61', detail='none')"
    )
    op.execute(
        "CREATE TRIGGER entity_terms_ai AFTER INSERT ON entity_texts "
        "BEGIN INSERT INTO entity_terms (rowid, words) VALUES (new.no, new.words); END"
    )
    op.execute(
        "CREATE TRIGGER entity_terms_ad AFTER DELETE ON entity_texts "
        "BEGIN INSERT INTO entity_terms (entity_terms, rowid, words) "
        "VALUES ('delete', old.no, old.words); END"
    )
    op.execute(TEXTS.format(nos="SELECT no FROM entity_numbers"))
    # The documents' own full-text index answered one-word searches before;
    # nothing reads it now (the facets read the documents by rowid).
    op.execute("DROP TRIGGER IF EXISTS entity_fts_ai")
    op.execute("DROP TRIGGER IF EXISTS entity_fts_ad")
    op.execute("DROP TABLE IF EXISTS entity_fts")
    for name, event, row in (
        ("entity_texts_ai", "INSERT", "new"),
        ("entity_texts_ad", "DELETE", "old"),
    ):
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON entity_docs "  # noqa: S608 (constants)
            "WHEN NOT EXISTS (SELECT 1 FROM entity_docs_writing) "
            f"BEGIN {_retext(row)} END"
        )


def _revision_0010():
    """Migration 0010's module (its files are loaded by path, not imported)."""
    path = Path(__file__).with_name("0010_entity_words.py")
    spec = importlib.util.spec_from_file_location("_gugus_revision_0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("entity_texts_ai", "entity_texts_ad", "entity_terms_ad", "entity_terms_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS entity_terms")
    op.execute("DROP TABLE IF EXISTS entity_texts")
    _revision_0010().create_fts()
    op.execute("INSERT INTO entity_fts (entity_fts) VALUES ('rebuild')")
