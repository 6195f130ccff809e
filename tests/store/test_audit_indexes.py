"""The audit store's indexes: an organisation's records of one action or of
one user are read through ``ix_audit_org_action`` and ``ix_audit_org_user``
(the home page's recent loads and the audit page's filters walked every
record of the organisation without them), and a store made before an index
was added gets it on ``migrate``."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect

from gugus.store import audit as audit_sql

INDEXES = {"action": "ix_audit_org_action", "username": "ix_audit_org_user"}


def _indexes(node) -> set[str]:
    with node.db.audit_writer.connect() as conn:
        return {i["name"] for i in inspect(conn).get_indexes("audit_log")}


def test_a_store_made_before_the_indexes_gets_them_on_migrate(node):
    wanted = set(INDEXES.values())
    assert wanted <= _indexes(node)
    with node.db.audit_writer.begin() as conn:
        for name in wanted:
            conn.exec_driver_sql(f"DROP INDEX {name}")
    assert not wanted & _indexes(node)
    node.db.migrate()
    assert wanted <= _indexes(node)
    node.db.migrate()  # idempotent
    assert wanted <= _indexes(node)


@pytest.mark.parametrize("column", sorted(INDEXES))
def test_an_organisations_records_of_one_action_or_user_are_read_by_its_index(sqlite_node, column):
    seen: list = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if "audit_log" in statement:
            seen.append((statement, parameters))

    engine = sqlite_node.db.audit_reader
    event.listen(engine, "before_cursor_execute", remember)
    try:
        with engine.connect() as conn:
            audit_sql.list_for_orgs(conn, ["MX-FGR"], limit=40, **{column: "x"})
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    [(statement, parameters)] = seen
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    details = " ".join(row[-1] for row in plan)
    assert f"USING INDEX {INDEXES[column]} (org=? AND {column}=?)" in details, details
    assert "TEMP B-TREE" not in details  # newest first straight from the index
