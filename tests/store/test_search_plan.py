"""The search for a rare visible word reads its matches, not the table.

Before: PostgreSQL's planner could not tell a rare audience-prefixed term from
a common one and walked the primary key newest first, evaluating the text
match on every row — hidden and non-matching rows included (6.4 s for a rare
word at 3.15 M statements, README).  Now each query first reads at most
``GIN_CAP`` + 1 matches through the GIN index.  Both backends: SQLite's FTS5
join must keep its own bound too.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from test_grants import open_and_closed, search_plans, search_work, statement_row

from gugus.access import Reader
from gugus.model.roles import Role
from gugus.store import statements as stmt_sql

VISIBLE_FILLER = 20000
HIDDEN = 2000
PARTNERS = 30


def _world(node):
    """An old visible match of "needle", then 20,000 newer visible statements
    and 2,000 hidden ones without it (a walk newest first meets all of them
    before the match), statistics up to date.  The planner estimates a term
    it has no statistics for at up to 0.5 % of the rows, so for a reader of
    32 audiences it expected ~1,600 matches here and, before, walked the
    primary key newest first for the 80 it fetches (22,000 rows read)."""
    # Thirty more audiences the reader sees (empty): the query names each, as
    # a reader of many partners' data has it.
    open_, closed = open_and_closed(node, partners=PARTNERS)

    def rows(coll, prefix: str, values: list[str]) -> list[dict]:
        return [
            statement_row(coll.id, coll.name, coll.marking_id, f"{prefix}{i}", value)
            for i, value in enumerate(values)
        ]

    batches = [
        rows(open_, "n", ["needle one", "needle two"]),
        rows(open_, "v", ["filler word"] * VISIBLE_FILLER),
        rows(closed, "h", ["hidden word"] * HIDDEN),
    ]
    for batch in batches:  # in this order: the match has the oldest pks
        with node.db.writer.begin() as conn:
            stmt_sql.upsert(conn, node.db.dialect, batch)
    if not node.db.dialect.is_sqlite:
        with node.db.writer.begin() as conn:
            conn.execute(text("ANALYZE statements"))
    return node.scope(Reader("ana", "US-HSI", Role.ANALYST))


def _scans(plan: dict) -> list[tuple[str, str | None, str | None]]:
    """(node type, table, index) of every scan in a plan."""
    found = [(plan["Node Type"], plan.get("Relation Name"), plan.get("Index Name"))]
    for child in plan.get("Plans", []):
        found += _scans(child)
    return [f for f in found if "Scan" in f[0]]


def test_a_rare_visible_word_reads_its_matches_not_the_table(node):
    scope = _world(node)
    with node.db.reader.connect() as conn:
        found = stmt_sql.search_entities(conn, node.db.dialect, scope, "needle", 20)
        if not node.db.dialect.is_sqlite:  # the planner settings are restored
            settings = "SELECT current_setting('enable_seqscan'), current_setting('jit')"
            assert tuple(conn.execute(text(settings)).one()) == ("on", "on")
    assert sorted(found) == ["n0", "n1"]
    work = search_work(node, scope, "needle")
    if node.db.dialect.is_sqlite:
        # Virtual-machine steps: a few per match, nothing per table row.
        assert work < VISIBLE_FILLER, work
        return
    plans = search_plans(node, scope, "needle")
    scans = [s for plan in plans for s in _scans(plan["Plan"])]
    assert ("Bitmap Index Scan", None, "ix_statements_fts") in scans, json.dumps(plans)
    # The table is read only at the rows the full-text index gives.
    on_statements = {kind for kind, table, _ in scans if table == "statements"}
    assert on_statements == {"Bitmap Heap Scan"}, scans
    others = {"statements_pkey", "uq_statements_entity_id", "ix_statements_collection"}
    assert not others & {index for _, _, index in scans}, scans
    # Rows produced or discarded by every plan node: the two matches and the
    # grants probes, never the 22,000 other rows.
    assert work < 100, work


def test_a_common_word_still_pages_newest_first(node, monkeypatch):
    """Past GIN_CAP matches the search walks newest first: same answers."""
    scope = _world(node)
    monkeypatch.setattr(stmt_sql, "GIN_CAP", 50)
    with node.db.reader.connect() as conn:
        first = stmt_sql.search_entities(conn, node.db.dialect, scope, "word", 20)
        second = stmt_sql.search_entities(conn, node.db.dialect, scope, "word", 20, offset=20)
        needles = stmt_sql.search_entities(conn, node.db.dialect, scope, "needle", 20)
        both = stmt_sql.search_entities(conn, node.db.dialect, scope, "word filler", 20)
        none = stmt_sql.search_entities(conn, node.db.dialect, scope, "word hidden", 20)
    newest = [f"v{i}" for i in range(VISIBLE_FILLER - 1, VISIBLE_FILLER - 41, -1)]
    assert first + second == newest
    assert (both, none) == (first, [])
    assert sorted(needles) == ["n0", "n1"]


def _all_matches_plans(node, scope, word: str) -> list[dict]:
    """PostgreSQL: EXPLAIN (ANALYZE) of the full-text queries ``all_matches``
    runs, replayed with the planner settings it sets around them."""
    from sqlalchemy import event

    with node.db.reader.connect() as conn:
        seen: list = []

        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
            seen.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", capture)
        stmt_sql.all_matches(conn, node.db.dialect, scope, word)
        event.remove(conn, "before_cursor_execute", capture)
        plans = []
        for statement, parameters in seen:
            if "tsquery" in statement:
                explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
                plans.append(conn.exec_driver_sql(explain, parameters).scalar()[0])
            else:
                conn.exec_driver_sql(statement, parameters)
        return plans


def test_every_match_for_a_total_is_read_through_the_index(node):
    """The exact total reads every visible match (all_matches): through the
    full-text index on both backends, never a walk of the table."""
    scope = _world(node)
    with node.db.reader.connect() as conn:
        found = stmt_sql.all_matches(conn, node.db.dialect, scope, "needle")
        words = stmt_sql.all_matches(conn, node.db.dialect, scope, "word")
    assert sorted(found) == ["n0", "n1"]
    assert words == [f"v{i}" for i in range(VISIBLE_FILLER - 1, -1, -1)]  # newest first
    if node.db.dialect.is_sqlite:
        return
    plans = _all_matches_plans(node, scope, "needle")
    scans = [s for plan in plans for s in _scans(plan["Plan"])]
    assert ("Bitmap Index Scan", None, "ix_statements_fts") in scans, json.dumps(plans)
    assert {kind for kind, table, _ in scans if table == "statements"} == {"Bitmap Heap Scan"}
