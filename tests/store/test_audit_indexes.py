"""The audit store's indexes: an organisation's records of one action are
read through ``ix_audit_org_action`` (the home page's recent loads walked
every record of the organisation without it), and a store made before an
index was added gets it on ``migrate``."""

from __future__ import annotations

from sqlalchemy import event, inspect

from gugus.store import audit as audit_sql

INDEX = "ix_audit_org_action"


def _indexes(node) -> set[str]:
    with node.db.audit_writer.connect() as conn:
        return {i["name"] for i in inspect(conn).get_indexes("audit_log")}


def test_a_store_made_before_the_index_gets_it_on_migrate(node):
    assert INDEX in _indexes(node)
    with node.db.audit_writer.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {INDEX}")
    assert INDEX not in _indexes(node)
    node.db.migrate()
    assert INDEX in _indexes(node)
    node.db.migrate()  # idempotent
    assert INDEX in _indexes(node)


def test_an_organisations_records_of_one_action_are_read_by_the_index(sqlite_node):
    seen: list = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if "audit_log" in statement:
            seen.append((statement, parameters))

    engine = sqlite_node.db.audit_reader
    event.listen(engine, "before_cursor_execute", remember)
    try:
        with engine.connect() as conn:
            audit_sql.list_for_orgs(conn, ["MX-FGR"], limit=40, action="load")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    [(statement, parameters)] = seen
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    details = " ".join(row[-1] for row in plan)
    assert f"USING INDEX {INDEX} (org=? AND action=?)" in details, details
    assert "TEMP B-TREE" not in details  # newest first straight from the index
