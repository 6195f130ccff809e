"""Real processes for fault tests: a node made through the real ``gugus``
command, a large input file, and helpers to find a process's children.

Nothing here mocks a signal, a disk or a server: tests start ``gugus`` as a
subprocess and kill, interrupt or starve it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

GUGUS = [sys.executable, "-m", "gugus.cli"]
ORG = "MXFGR"
COLLECTION = "mx-cases"
SECRET_NAME = "Zacarías Quintanilla"  # must never appear on stderr
SECRET_NUMBER = "CURP-QUZA800203HDFRRC09"


def gugus(*args: str, db: str, check: bool = True, timeout: float = 120, **kw):
    kw.setdefault("env", env())
    proc = subprocess.run(
        [*GUGUS, *args, "--db", db], capture_output=True, text=True, timeout=timeout, **kw
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"gugus {' '.join(args)} failed: {proc.stderr}")
    return proc


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out.pop("GUGUS_DB", None)
    out["COLUMNS"] = "200"
    out.update(extra)
    return out


PASSWORD = "correct horse battery staple"
HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
"""


def add_user(db: str, name: str = "ana") -> str:
    """An analyst of ORG with PASSWORD; returns its first API token."""
    created = gugus(
        "user", "add", name, "--org", ORG, "--role", "analyst", "--json", "--password-stdin",
        db=db, input=PASSWORD + "\n",
    )  # fmt: skip
    return json.loads(created.stdout)["token"]


@contextmanager
def write_lock_held(db: str):
    """Another process holds the SQLite database's write lock meanwhile."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.communicate("")


def make_node(db: str) -> None:
    """An organisation and one collection, through the CLI."""
    gugus("init", db=db)
    gugus("org", "add", ORG, "--name", "Fiscalía", "--country", "MX", db=db)
    gugus("collection", "add", COLLECTION, "--org", ORG, "--tlp", "amber", db=db)


def write_people(path: Path, lines: int) -> Path:
    """``lines`` FtM persons carrying the secret name and number (large files
    are parsed in a worker process: above 4 MiB)."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(lines):
            entity = {
                "id": f"p-{i}",
                "schema": "Person",
                "properties": {
                    "name": [f"{SECRET_NAME} {i}"],
                    "idNumber": [f"{SECRET_NUMBER}-{i}"],
                    "email": [f"persona{i}@example.org"],
                    "birthDate": ["1980-02-03"],
                },
            }
            fh.write(json.dumps(entity, ensure_ascii=False) + "\n")
    return path


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    """Poll until ``predicate()`` is truthy (a liveness bound, not a timing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def statement_count(db: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM statements").fetchone()[0]
