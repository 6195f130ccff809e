"""Parsing in a second process gives exactly what parsing inline gives."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gugus import admin
from gugus.errors import InvalidInput
from gugus.ingest import ftm, parsed
from gugus.store.tables import statements


def lines(n: int, bad_at: int | None = None) -> list[str]:
    out = []
    for i in range(1, n + 1):
        if i == bad_at:
            out.append('{"id": "x", "schema": "Persn"}')
            continue
        out.append(
            json.dumps(
                {
                    "id": f"p{i}",
                    "schema": "Person",
                    "properties": {
                        "name": [f"Persona {i}"],
                        "birthDate": ["1990-01-0" + str(i % 9 + 1), "not a date"],
                        "phone": ["+525512345678" if i % 2 else "12"],
                    },
                    **(
                        {"marking": {"tlp": "red", "handling": ["H1"], "recipients": ["ana"]}}
                        if i % 7 == 0
                        else {}
                    ),
                }
            )
        )
    return out


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(parsed, "CHUNK", 50)  # many chunks, several in flight


def setup(node) -> None:
    admin.add_organisation(node, "MX-FGR", "Fiscalía", "MX")
    admin.add_user(node, "ana", "MX-FGR", "analyst", "long-enough-pw")
    admin.add_collection(node, "c", "MX-FGR", "amber", "H1")


def dump(node) -> set:
    with node.db.reader.connect() as conn:
        rows = conn.execute(
            select(
                statements.c.entity_id,
                statements.c.prop,
                statements.c.value,
                statements.c.marking_id,
            )
        ).all()
    return {tuple(r) for r in rows}


def test_parallel_equals_inline(sqlite_node, tmp_path, small_chunks):
    setup(sqlite_node)
    data = lines(400)
    inline = ftm.load_lines(sqlite_node, "c", data, source="a", parallel=False).to_dict()
    first = dump(sqlite_node)
    other = tmp_path / "other.db"
    from gugus.node import Node

    node2 = Node(str(other))
    node2.db.migrate()
    setup(node2)
    par = ftm.load_lines(node2, "c", data, source="a", parallel=True).to_dict()
    assert par == inline
    assert dump(node2) == first
    assert inline["dropped_values"] == 400 + 200  # every "not a date" and every "12"
    node2.close()


def test_parallel_abort_names_the_line_and_loads_nothing(sqlite_node, small_chunks):
    setup(sqlite_node)
    with pytest.raises(InvalidInput) as err:
        ftm.load_lines(sqlite_node, "c", lines(400, bad_at=333), source="big.jsonl", parallel=True)
    assert "big.jsonl: line 333" in err.value.message
    assert dump(sqlite_node) == set()


def test_parallel_skip_reports_bad_lines(sqlite_node, small_chunks):
    setup(sqlite_node)
    summary = ftm.load_lines(
        sqlite_node, "c", lines(300, bad_at=120), source="s", parallel=True, on_error="skip"
    )
    assert [e["line"] for e in summary.errors] == [120]
    assert summary.entities == 299
