"""Table definitions (SQLAlchemy Core).  Migrations create them; keep in sync.

``tests/store/test_migrations.py`` fails when these and the migrations drift.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

metadata = MetaData()

organisations = Table(
    "organisations",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Column("created_at", String(32), nullable=False),
    # Where a partner turns after a hit notice (a desk, an address); notices
    # name the organisation's liaison officers when it is not set.
    Column("contact", Text, nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("org", String(64), ForeignKey("organisations.code"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", Text, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

# Visibility classes: markings that differ only in purpose or handling share
# one audience (gugus.access.audience) and so one set of grants.
audiences = Table(
    "audiences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
)

# Who sees an audience, as computed by gugus.access.grants (from decide):
# grantee "org:CODE" or "user:CODE:NAME".  Reads join on it with the reader's
# two keys, so their cost does not grow with the number of markings.
audience_grants = Table(
    "audience_grants",
    metadata,
    Column("grantee", String(200), primary_key=True),
    Column("audience_id", Integer, ForeignKey("audiences.id"), primary_key=True),
)

markings = Table(
    "markings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
    Column("tlp", String(16), nullable=False),
    Column("handling", String(32), nullable=False),
    Column("handling_text", Text, nullable=True),
    Column("release_to", Text, nullable=False),
    Column("recipients", Text, nullable=False),
    Column("originator", String(64), nullable=True),
    Column("purpose", Text, nullable=True),
    # Set in the transaction that stores the marking; NULL (only possible for
    # rows written outside gugus) is visible to nobody.
    Column("audience_id", Integer, ForeignKey("audiences.id"), nullable=True),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("org", String(64), ForeignKey("organisations.code"), nullable=False),
    Column("label", Text, nullable=True),
    Column("country", String(2), nullable=True),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Column("created_at", String(32), nullable=False),
    # Whether TLP:RED records of the collection raise hit notices for readers
    # who may not see them (the holder decides; off by default).
    Column("red_hits", Boolean, nullable=False, server_default=false()),
)

statements = Table(
    "statements",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False),
    Column("entity_id", String(255), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("prop_type", String(32), nullable=False),
    Column("value", Text, nullable=False),
    # Searchable words of the value, folded, each prefixed with the audience
    # of the statement's marking ("a12xjose"): a search probes only the
    # words of audiences the reader may see (store/statements.py).
    Column("search_text", Text, nullable=True),
    Column("collection_id", Integer, ForeignKey("collections.id"), nullable=False),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Column("origin", Text, nullable=True),
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
    # Statement ids are unique per entity: one index serves both the upsert
    # and reads by entity (fewer random-order indexes make bulk loads faster).
    Index("uq_statements_entity_id", "entity_id", "id", unique=True),
    Index("ix_statements_collection", "collection_id", "entity_id"),
    # Who references an entity (Payment.payer, Mention.resolved …): the
    # entity page's relationships (store/relations.py).  Partial: only
    # entity-typed values, which are stored entity ids.
    Index(
        "ix_statements_ref",
        "value",
        "pk",
        sqlite_where=text("prop_type = 'entity'"),
        postgresql_where=text("prop_type = 'entity'"),
    ),
)

# -- online match and hit notices (store/match.py) ---------------------------
# The blocking index: one row per (key, entity, statement) with the collection
# and marking of the statement it came from; ``key`` is a 64-bit hash of the
# key text (gugus.xref.match_keys), so the index holds no copy of a value.
# Written by the load loop in the statements' own transaction.
match_keys = Table(
    "match_keys",
    metadata,
    Column("key", BigInteger, primary_key=True, autoincrement=False),
    Column("entity_id", String(255), primary_key=True),
    Column("statement_id", String(40), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("collection_id", Integer, ForeignKey("collections.id"), nullable=False),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    sqlite_with_rowid=False,
)

# A hit notice: a reader's query or record matched records it may not see.
# One row per recipient and reference (the same query gets the same reference:
# a repeat moves last_at and count).  The recipient's side shows kind, holder,
# contact, reference and time; the holder's records stay in hit_records.
hit_notices = Table(
    "hit_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(40), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("recipient_org", String(64), ForeignKey("organisations.code"), nullable=False),
    Column("recipient_user", String(128), nullable=True),
    Column("holder_org", String(64), ForeignKey("organisations.code"), nullable=False),
    Column("source", String(32), nullable=False),
    Column("own_entity_id", String(255), nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("last_at", String(32), nullable=False),
    Column("count", Integer, nullable=False),
    Index("ix_hit_notices_recipient", "recipient_org", "id"),
    Index("ix_hit_notices_holder", "holder_org", "id"),
    Index("ix_hit_notices_own", "own_entity_id"),
)

# The holder's records behind a notice: shown only in the mirror notice to the
# holder's liaison officers and supervisors, filtered by their markings.
hit_records = Table(
    "hit_records",
    metadata,
    Column("notice_id", Integer, ForeignKey("hit_notices.id"), primary_key=True),
    Column("entity_id", String(255), primary_key=True),
    Column("collection_id", Integer, ForeignKey("collections.id"), primary_key=True),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Index("ix_hit_records_entity", "entity_id"),
)

# -- cross-referencing (gugus.xref) --------------------------------------------
# One row per run made as a user over collections; status queued, running,
# done or failed.  ``counts`` and ``notes`` are JSON.
xref_runs = Table(
    "xref_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False),
    Column("org", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("engine", String(16), nullable=False),
    Column("collections", Text, nullable=False),
    Column("counts", Text, nullable=True),
    Column("notes", Text, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("started_at", String(32), nullable=True),
    Column("finished_at", String(32), nullable=True),
    Index("ix_xref_runs_user", "username", "id"),
)

# A candidate pair of a run, written with all the run's pairs in one
# transaction; ``marking_id`` is the most restrictive marking of the
# statements that fed both sides (reads filter on it like on statements).
xref_pairs = Table(
    "xref_pairs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("xref_runs.id"), nullable=False),
    Column("left_id", String(255), nullable=False),
    Column("right_id", String(255), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("probability", Float, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Index("ix_xref_pairs_run", "run_id", "probability"),
    Index("ix_xref_pairs_left", "left_id"),
    Index("ix_xref_pairs_right", "right_id"),
)

# The node's trained model per schema and engine (Splink settings JSON), so
# repeated runs score with the same parameters.
xref_params = Table(
    "xref_params",
    metadata,
    Column("schema", String(64), primary_key=True),
    Column("engine", String(16), primary_key=True),
    Column("model_key", String(64), nullable=False),
    Column("params", Text, nullable=False),
    Column("trained_at", String(32), nullable=False),
    Column("records", Integer, nullable=False),
)

# Human judgements on pairs of entities (xref/judgements.py).  Never updated
# or deleted: judging a pair again adds a row, and the current verdict is the
# latest row the reader may see.  ``left_id < right_id``; ``*_key`` is the
# SHA-1 of the id, so a canonical id (a hash of its smallest member) finds its
# member with one index probe.  ``marking_id``: the most restrictive marking
# of what the judge saw of both entities (reads filter it with grants.visible).
# ``sqlite_autoincrement``: ids are never reused, so the latest row is the
# highest id and a cache keyed on it never sees an old number mean a new row.
judgements = Table(
    "judgements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("left_id", String(255), nullable=False),
    Column("right_id", String(255), nullable=False),
    Column("left_key", String(40), nullable=False),
    Column("right_key", String(40), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("username", String(128), nullable=False),
    Column("org", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Index("ix_judgements_left", "left_id", "id"),
    Index("ix_judgements_right", "right_id", "id"),
    Index("ix_judgements_left_key", "left_key"),
    Index("ix_judgements_right_key", "right_key"),
    sqlite_autoincrement=True,
)

# -- the audit store -------------------------------------------------------------
# Kept apart from the data (``audit_metadata``): on SQLite these tables live in
# their own file beside the data file (gugus.db → gugus.audit.db), so an audit
# append never waits for the data store's write lock (a long load holds it); on
# PostgreSQL they are in the same database, written outside any load transaction.
audit_metadata = MetaData()

audit_log = Table(
    "audit_log",
    audit_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", String(32), nullable=False),
    Column("username", String(128), nullable=True),
    Column("org", String(64), nullable=True),
    Column("action", String(64), nullable=False),
    Column("object_ids", Text, nullable=False),
    Column("purpose", Text, nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # JSON list of the stored marking ids of the data the event touched (NULL:
    # none); a supervisor's listing redacts a record unless it may see them all.
    Column("markings", Text, nullable=True),
    Index("ix_audit_org", "org", "seq"),
    # An organisation's records of one action or of one user, newest first
    # (its recent loads on the home page, the audit page's filters): without
    # them a query walked every record of the organisation — every audited
    # read — to find a few (migration 0012).
    Index("ix_audit_org_action", "org", "action", "seq"),
    Index("ix_audit_org_user", "org", "username", "seq"),
)

# One row (id = 1): the head of the audit chain.  Appends lock it, so the chain
# stays linear under concurrent writers (threads and processes).
audit_head = Table(
    "audit_head",
    audit_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# The last record of every committed batch, signed with the node key (Ed25519,
# hex): a database writer without the key cannot extend, rewrite or re-hash the
# chain without the signatures failing.
audit_checkpoints = Table(
    "audit_checkpoints",
    audit_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("sig", String(128), nullable=False),
)
