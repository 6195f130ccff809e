"""Fixtures of the fault tests (helpers in ``procs.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from procs import make_node, write_people


@pytest.fixture(scope="session")
def big_file(tmp_path_factory) -> Path:
    """About 25 MB: a load runs for many seconds, with a parsing worker."""
    path = tmp_path_factory.mktemp("input") / "people.jsonl"
    return write_people(path, 120_000)


@pytest.fixture
def sqlite_db(tmp_path) -> str:
    db = str(tmp_path / "gugus.db")
    make_node(db)
    return db
