"""A run whose runner may see every stored marking raises no hit notice and
never asks the match index for hidden records (nothing can be hidden)."""

from __future__ import annotations

import json

import pytest

from gugus import admin
from gugus.ingest import ftm
from gugus.store import directory
from gugus.xref import match, runs

PEOPLE = [
    ("Ana María", "Cruz López", "1980-05-17"),
    ("José", "Pérez García", "1975-01-02"),
    ("Luisa", "Ortega", "1990-11-30"),
]


def _load(node, coll: str, prefix: str) -> None:
    lines = [
        json.dumps(
            {
                "id": f"{prefix}{i}",
                "schema": "Person",
                "properties": {
                    "name": [f"{g} {s}"],
                    "firstName": [g],
                    "lastName": [s],
                    "birthDate": [d],
                },
            }
        )
        for i, (g, s, d) in enumerate(PEOPLE)
    ]
    summary = ftm.load_lines(node, coll, lines, source="test")
    assert not summary.errors


def test_no_hidden_record_means_no_hidden_match_lookup(node, monkeypatch):
    admin.add_organisation(node, "MX-A", "MX-A", "MX")
    admin.add_organisation(node, "MX-B", "MX-B", "MX")
    admin.add_collection(node, "a", "MX-A", "amber", [], release_to=["MX-B"])
    admin.add_collection(node, "b", "MX-B", "amber", [], release_to=["MX-A"])
    with node.db.writer.begin() as conn:
        directory.add_user(conn, "ana", "MX-A", "analyst", "not-a-hash")
    _load(node, "a", "a")
    _load(node, "b", "b")

    def refuse(*args, **kwargs):
        raise AssertionError("the match index was asked for hidden records")

    monkeypatch.setattr(match, "match_loaded", refuse)
    run = runs.start(node, node.reader("ana"), ["a", "b"])
    assert run["status"] == "done"
    assert run["counts"]["hit_notices"] == 0
    assert run["counts"]["model_pairs"] >= 3


def test_a_run_leaves_a_frozen_heap_frozen():
    """A server froze its heap at start: a run must not unfreeze it; a
    process that had not is left unfrozen after the run."""
    import gc

    if gc.get_freeze_count():
        pytest.skip("this test process froze its heap already")
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with runs.old_heap_frozen():
            pass
        # Not unfrozen (0), nor frozen again (more).  A frozen object that
        # another thread lets go of leaves the count (pytest-xdist's worker
        # has such threads), so fewer is allowed, by a handful.
        assert before - 1000 < gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()
    with runs.old_heap_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
