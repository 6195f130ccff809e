"""A load waits for another load instead of failing (issue #7, finding 12).

A real ``gugus load`` reads a named pipe, so it holds its write transaction
for as long as the test keeps the pipe open.  A second load, into another
collection, started with a busy timeout of one second, must wait its turn and
load once the first commits — before, it failed with "database is locked" /
"busy" after the busy timeout (60 s by default), while the first still ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from gugus import admin

GUGUS = [sys.executable, "-m", "gugus.cli"]
SAFETY = 300  # seconds: a hung child fails the test instead of hanging the suite


def person(eid: str, name: str) -> str:
    return json.dumps({"id": eid, "schema": "Person", "properties": {"name": [name]}}) + "\n"


@pytest.fixture
def world(node):
    admin.add_organisation(node, "MX-FGR", "Fiscalía", "MX")
    admin.add_collection(node, "casos", "MX-FGR", "amber", "H1")
    admin.add_collection(node, "nuevos", "MX-FGR", "amber", "H1")
    return node


def test_a_second_load_waits_for_the_first_instead_of_failing(world, tmp_path):
    url = world.db.url
    fifo = tmp_path / "first.jsonl"
    os.mkfifo(fifo)
    second_file = tmp_path / "second.jsonl"
    second_file.write_text("".join(person(f"s-{i}", f"Segundo {i}") for i in range(50)))
    env = {**os.environ, "GUGUS_BUSY_TIMEOUT": "1"}
    first = subprocess.Popen(
        [*GUGUS, "load", "casos", str(fifo), "--db", url, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    second = None
    try:
        # open() returns once the first load opened the pipe, inside its write
        # transaction.
        with open(fifo, "w", encoding="utf-8") as pipe:
            for i in range(200):
                pipe.write(person(f"f-{i}", f"Primero {i}"))
            pipe.flush()
            second = subprocess.Popen(
                [*GUGUS, "load", "nuevos", str(second_file), "--db", url, "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            # Keep the first load open well past the second's busy timeout.
            time.sleep(8)
            if world.db.dialect.is_sqlite:  # one writer: the second is waiting
                assert second.poll() is None, second.stderr.read() if second.stderr else ""
        out, err = first.communicate(timeout=SAFETY)
        assert first.returncode == 0, err
        assert json.loads(out)["entities"] == 200
        out, err = second.communicate(timeout=SAFETY)
        assert second.returncode == 0, err
        assert json.loads(out)["entities"] == 50
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
