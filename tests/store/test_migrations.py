"""Migrations create exactly the schema of ``gugus.store.tables``; database URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from gugus.errors import GugusError, InvalidInput
from gugus.store.db import Database, normalise_url
from gugus.store.tables import audit_head, audit_metadata, metadata

# Objects the migration creates on purpose outside ``tables.metadata``:
# - SQLite: the FTS5 virtual table ``statements_fts`` and its shadow tables
#   (``statements_fts_data``, ``_idx``, ``_docsize``, ``_config``);
# - PostgreSQL: the GIN expression index over ``to_tsvector(search_text)``.
# - SQLite: ``search_keys`` (the FTS index's narrow companion) and
#   ``data_version`` (migration 0009), read in store/statements.py and
#   store/generation.py.
# - SQLite: the index of entities (migration 0010): ``entity_numbers``,
#   ``entity_docs`` (its FTS5 table ``entity_fts`` dropped by 0011), and
#   (0011) ``entity_texts`` with its FTS5 table ``entity_terms`` and shadow
#   tables, read in store/entity_words.py.
# They serve full-text search and are queried with raw SQL in store/statements.py.
BACKEND_ONLY = {"statements_fts", "ix_statements_fts"}
SQLITE_ONLY_TABLES = {
    "search_keys",
    "data_version",
    "entity_numbers",
    "entity_docs",
    "entity_docs_writing",
    "entity_texts",
}
FTS_TABLES = ("statements_fts", "entity_terms")


# The audit store's tables (own file on SQLite, same database on PostgreSQL) are
# compared on their own, against ``audit_metadata``.
AUDIT_TABLES = set(audit_metadata.tables)


def _include_name(name, type_, parent_names) -> bool:
    if type_ == "table" and any(name == t or name.startswith(t + "_") for t in FTS_TABLES):
        return False
    if type_ == "table" and name in AUDIT_TABLES | SQLITE_ONLY_TABLES:
        return False
    return not (type_ == "index" and name in BACKEND_ONLY)


def _audit_only(name, type_, parent_names) -> bool:
    return type_ != "table" or name in AUDIT_TABLES


def schema_diff(db: Database, audit: bool = False) -> list:
    engine = db.audit_writer if audit else db.writer
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": _audit_only if audit else _include_name,
            },
        )
        return compare_metadata(context, audit_metadata if audit else metadata)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


def test_migrated_schema_matches_tables(db):
    db.migrate()
    assert schema_diff(db) == []
    assert schema_diff(db, audit=True) == []


def test_sqlite_audit_log_is_a_file_of_its_own(tmp_path):
    db = Database(str(tmp_path / "node.db"))
    try:
        db.migrate()
        assert db.audit_path == tmp_path / "node.audit.db" and db.audit_path.exists()
        with db.writer.connect() as conn:
            assert not AUDIT_TABLES & set(inspect(conn).get_table_names())
        db.audit_path.unlink()
        with pytest.raises(GugusError) as info:
            db.ensure_ready()
        assert "no audit log at" in info.value.message and "gugus init" in info.value.message
    finally:
        db.dispose()


def test_excluded_objects_exist(db):
    """The exclusions above hide real objects, not typos."""
    db.migrate()
    with db.writer.connect() as conn:
        inspector = inspect(conn)
        if db.dialect.is_sqlite:
            assert {"statements_fts", *SQLITE_ONLY_TABLES} <= set(inspector.get_table_names())
        else:
            names = {ix["name"] for ix in inspector.get_indexes("statements")}
            assert "ix_statements_fts" in names


def test_tables_drift_is_noticed(db):
    """The comparison can fail: a column missing from the live schema is reported."""
    db.migrate()
    with db.writer.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE tokens DROP COLUMN label")
    diff = schema_diff(db)
    assert [d[0] for d in diff] == ["add_column"]
    assert diff[0][3].name == "label"


def test_migrate_is_idempotent(db):
    assert db.revision() is None
    db.migrate()
    with db.audit_writer.connect() as conn:
        head_before = conn.execute(select(audit_head)).all()
    db.migrate()
    assert db.revision() == db.head() is not None
    with db.audit_writer.connect() as conn:
        assert conn.execute(select(audit_head)).all() == head_before == [(1, 0, "0" * 64)]
    assert schema_diff(db) == []
    db.ensure_ready()


def test_ensure_ready_on_new_database(db):
    """A URL nothing was created at yet (SQLite: no file)."""
    with pytest.raises(GugusError) as info:
        db.ensure_ready()
    assert "run `gugus init" in info.value.message


def test_ensure_ready_on_empty_database(db):
    """The database exists but has no schema."""
    with db.writer.begin() as conn:  # creates the SQLite file
        conn.exec_driver_sql("CREATE TABLE unrelated (x INTEGER)")
    with pytest.raises(GugusError) as info:
        db.ensure_ready()
    assert "run `gugus init" in info.value.message
    assert "schema none" in info.value.message


# -- URLs ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/gugus", "postgresql+psycopg://u:p@db:5432/gugus"),
        ("postgresql://u@db/gugus", "postgresql+psycopg://u@db/gugus"),
        ("postgresql+psycopg://u@db/gugus", "postgresql+psycopg://u@db/gugus"),
        ("sqlite:////var/lib/gugus.db", "sqlite:////var/lib/gugus.db"),
        ("/var/lib/gugus/node.db", "sqlite:////var/lib/gugus/node.db"),
    ],
)
def test_normalise_url(given, expected):
    assert normalise_url(given) == expected


def test_normalise_url_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normalise_url("data/node.db") == f"sqlite:///{tmp_path / 'data' / 'node.db'}"


def test_normalise_url_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert normalise_url("~/n.db") == f"sqlite:///{tmp_path / 'n.db'}"


def test_normalise_url_default_and_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GUGUS_DB", raising=False)
    assert normalise_url(None) == f"sqlite:///{Path(tmp_path) / 'gugus.db'}"
    monkeypatch.setenv("GUGUS_DB", "postgres://h/x")
    assert normalise_url(None) == "postgresql+psycopg://h/x"
    assert normalise_url("other.db") == f"sqlite:///{tmp_path / 'other.db'}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("oracle://u@h/db", "unsupported database 'oracle'"),
        ("::not a url://", "not a database URL"),
    ],
)
def test_unsupported_url(url, message):
    with pytest.raises(InvalidInput) as info:
        Database(url)
    assert message in info.value.message
    assert info.value.message.startswith("--db:")


def test_sqlite_file_is_created_in_missing_directory(tmp_path):
    path = tmp_path / "new" / "dir" / "node.db"
    db = Database(str(path))
    try:
        db.migrate()
        assert path.exists()
        assert db.revision() == db.head()
    finally:
        db.dispose()
