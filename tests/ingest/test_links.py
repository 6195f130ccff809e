"""Issue #7, finding 4: a document load reads only regular files inside the
directory it was given.

Real symbolic links and a real FIFO: a link to a private file outside, a link
to a directory outside, a link loop and a FIFO are refused and reported
(never opened); a link loop is passed over; a link that stays inside the
tree is read.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from test_ftm_load import task_force

from gugus.errors import InvalidInput
from gugus.ingest import dispatch
from gugus.ingest.textract import Refused, iter_document_paths, read_document
from gugus.store import statements as stmt_sql
from gugus.store.tables import statements

SECRET = "Pasaporte privado G1234567 de Ana Secreta"


@pytest.fixture
def tf(node):
    return task_force(node)


@pytest.fixture
def evidence(tmp_path) -> Path:
    """An unpacked evidence archive with hostile entries, beside private files."""
    private = tmp_path / "private"
    (private / "dir").mkdir(parents=True)
    (private / "secret.txt").write_text(SECRET, encoding="utf-8")
    (private / "dir" / "more.txt").write_text(SECRET, encoding="utf-8")
    root = tmp_path / "evidence"
    (root / "sub").mkdir(parents=True)
    (root / ".store").mkdir()
    (root / "nota.txt").write_text("Nota de la fiscalía sobre el caso.", encoding="utf-8")
    (root / ".store" / "kept.txt").write_text("Informe guardado.", encoding="utf-8")
    os.symlink("../../private/secret.txt", root / "sub" / "leak.txt")  # file outside
    os.symlink(private / "dir", root / "outside")  # directory outside (absolute)
    os.symlink("loop-b.txt", root / "loop-a.txt")  # a loop
    os.symlink("loop-a.txt", root / "loop-b.txt")
    os.symlink("../.store/kept.txt", root / "sub" / "inside.txt")  # stays inside: read
    os.mkfifo(root / "pipe.txt")
    return root


def stored_values(node) -> list[str]:
    with node.db.reader.connect() as conn:
        return list(conn.execute(select(statements.c.value)).scalars())


def test_walk_refuses_what_leaves_the_tree(evidence):
    found = list(iter_document_paths([evidence]))
    read = sorted(p.relative_to(evidence).as_posix() for p in found if isinstance(p, Path))
    refused = {
        p.path.relative_to(evidence).as_posix(): p.reason for p in found if isinstance(p, Refused)
    }
    assert read == ["nota.txt", "sub/inside.txt"]
    assert set(refused) == {"sub/leak.txt", "outside", "pipe.txt"}
    assert "leading out of the loaded directory" in refused["sub/leak.txt"]
    assert "leading out of the loaded directory" in refused["outside"]
    assert "not a regular file" in refused["pipe.txt"]
    # The evidence directory given through a link of its own is the same tree.
    os.symlink(evidence, evidence.parent / "via-link")
    again = [p for p in iter_document_paths([evidence.parent / "via-link"]) if isinstance(p, Path)]
    assert len(again) == 2


def test_skip_loads_the_tree_and_reports_each_refusal(tf, evidence):
    summary = dispatch.load_paths(tf, "fgr", [evidence], on_error="skip")
    assert summary.skipped == 3
    reasons = {Path(e["where"]).name: e["error"] for e in summary.errors}
    assert set(reasons) == {"leak.txt", "outside", "pipe.txt"}
    assert all("not read" in r for r in reasons.values())
    values = stored_values(tf)
    assert not any("G1234567" in v or "Secreta" in v for v in values)
    assert "Informe guardado." in values  # the link inside the tree was read
    assert "Nota de la fiscalía sobre el caso." in values


def test_abort_refuses_the_whole_load(tf, evidence):
    with pytest.raises(InvalidInput) as info:
        dispatch.load_paths(tf, "fgr", [evidence])
    assert "nothing was loaded" in info.value.message
    with tf.db.reader.connect() as conn:
        assert stmt_sql.count(conn) == 0


def test_many_files_in_the_second_process_refuse_the_same(tf, evidence):
    for i in range(10):  # more than PARALLEL_FILES: read in a second process
        (evidence / f"n{i}.txt").write_text(f"Nota número {i}.", encoding="utf-8")
    summary = dispatch.load_paths(tf, "fgr", [evidence], on_error="skip")
    assert summary.skipped == 3
    assert not any("G1234567" in v for v in stored_values(tf))


def test_a_fifo_never_blocks_the_reader(tmp_path):
    # Named explicitly (no walk): refused on the opened file, not by a stat
    # taken earlier; a blocking open would hang this test (the thread guards it).
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome: list = []

    def read() -> None:
        try:
            read_document(fifo)
        except InvalidInput as exc:
            outcome.append(exc.message)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert outcome and "not a regular file" in outcome[0]
