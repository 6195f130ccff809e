"""Selector correlation reads its groups in one streamed pass: members and
capped selectors equal those of the plain SQL (GROUP BY joined back to the
rows) for every reader and cap, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import and_, func, select
from xworld import USERS

from gugus.store import directory
from gugus.store import xref as xref_sql


def plain_groups(conn, scope, collection_ids, cap):
    """The reference: count distinct entities per value in SQL."""
    sel = xref_sql._selector_rows(conn, scope, collection_ids)
    n = func.count(func.distinct(sel.c.entity))
    groups = (
        select(sel.c.family, sel.c.value, n.label("n"))
        .group_by(sel.c.family, sel.c.value)
        .having(n > 1)
        .subquery("groups")
    )
    same = and_(groups.c.family == sel.c.family, groups.c.value == sel.c.value)
    members = conn.execute(
        select(*xref_sql.member_columns(sel))
        .select_from(sel.join(groups, same))
        .where(groups.c.n <= cap)
    ).all()
    capped = conn.execute(
        select(groups.c.family, func.min(sel.c.kind), groups.c.n)
        .select_from(groups.join(sel, same))
        .where(groups.c.n > cap)
        .group_by(groups.c.family, groups.c.value, groups.c.n)
    ).all()
    return sorted(map(tuple, members)), sorted(map(tuple, capped))


@pytest.mark.parametrize("cap", [2, 3, 20])
def test_streamed_groups_equal_the_group_by(xworld, cap):
    node = xworld.node
    with node.db.reader.connect() as conn:
        ids = [c.id for c in directory.list_collections(conn)]
    kinds = set()
    for username, _org, _role in USERS:
        scope = node.scope(node.reader(username))
        with node.db.reader.connect() as conn:
            members, capped = xref_sql.shared_selectors(conn, scope, ids, cap)
            want_members, want_capped = plain_groups(conn, scope, ids, cap)
        assert sorted(map(tuple, members)) == want_members
        assert sorted(map(tuple, capped)) == want_capped
        assert [c.n for c in capped] == sorted((c.n for c in capped), reverse=True)
        kinds |= {("members", bool(members)), ("capped", bool(capped))}
    # Some reader has shared selectors; a small cap caps the switchboard.
    assert ("members", True) in kinds
    assert (("capped", True) in kinds) == (cap == 2)
