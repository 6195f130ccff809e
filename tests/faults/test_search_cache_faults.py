"""The search result cache across real processes: `gugus serve --workers 2`
(each worker keeps its own cache) while the CLI — another process — writes,
and while the database is edited behind gugus's back.

* A marking narrowed by a CLI re-load is seen by both workers at once: a
  partner's total and facets drop on every later request, over fresh
  connections (the kernel spreads them over the workers).
* The data versions' rows deleted with sqlite3: search answered 500 to every
  request; now search answers, and a later narrowing is seen at once (a
  version restarts above any value it had, so no stale entry matches)."""

from __future__ import annotations

import http.client
import json
import sqlite3
import subprocess
import urllib.parse

from procs import GUGUS, env, gugus, wait_until
from test_serve import _healthy, free_port

OWNER, PARTNER = "HN-DPI", "SV-PNC"
PASSWORD = "una frase de paso bastante larga"
WORD = "Bendaña"
RED = {"tlp": "red", "handling": ["H0"], "release_to": [OWNER], "recipients": ["yolanda"]}


def _person(i: int, marking: dict | None = None) -> str:
    entity = {
        "id": f"hn-{i}",
        "schema": "Person",
        "properties": {"name": [f"Xiomara {WORD} Quezada {i}"], "phone": ["+504 9876-5432"]},
    }
    if marking:
        entity["marking"] = marking
    return json.dumps(entity, ensure_ascii=False) + "\n"


def _node(tmp_path) -> tuple[str, str]:
    """Honduras' AMBER collection released to El Salvador, three persons;
    returns the database and mireya's (SV-PNC) token."""
    db = str(tmp_path / "gugus.db")
    gugus("init", db=db)
    gugus("org", "add", OWNER, "--name", "Dirección Policial", "--country", "HN", db=db)
    gugus("org", "add", PARTNER, "--name", "Policía Nacional Civil", "--country", "SV", db=db)
    tokens = {}
    for name, org in (("yolanda", OWNER), ("mireya", PARTNER)):
        added = gugus(
            "user", "add", name, "--org", org, "--role", "analyst", "--password-stdin", "--json",
            db=db, input=PASSWORD + "\n",
        )  # fmt: skip
        tokens[name] = json.loads(added.stdout)["token"]
    gugus("collection", "add", "hn-casos", "--org", OWNER, "--tlp", "amber",
          "--release-to", PARTNER, "--country", "HN", db=db)  # fmt: skip
    people = tmp_path / "people.jsonl"
    people.write_text("".join(_person(i) for i in range(3)), encoding="utf-8")
    gugus("load", "hn-casos", str(people), "--as", "yolanda", db=db)
    return db, tokens["mireya"]


def _narrow(tmp_path, db: str, i: int) -> None:
    path = tmp_path / f"narrow-{i}.jsonl"
    path.write_text(_person(i, RED), encoding="utf-8")
    gugus("load", "hn-casos", str(path), "--as", "yolanda", db=db)


def _searches(port: int, token: str, n: int = 12) -> set[tuple]:
    """``n`` searches, each on a fresh connection: the distinct (status,
    total, collection facet) answered."""
    seen = set()
    path = "/api/v1/search?" + urllib.parse.urlencode({"q": WORD.lower()})
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        if response.status != 200:
            seen.add((response.status, None, None))
            continue
        facet = tuple((f["value"], f["count"]) for f in body["facets"]["collection"])
        seen.add((200, body["total"], facet))
    return seen


class _Server:
    """`gugus serve --workers 2`; its output goes to a file (a pipe nobody
    reads fills with logged tracebacks and stalls the workers)."""

    def __init__(self, db: str) -> None:
        self.port = free_port()
        self.log = open(db + ".serve.log", "wb")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [*GUGUS, "serve", "--port", str(self.port), "--workers", "2", "--db", db],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env(),
        )

    def __enter__(self) -> int:
        wait_until(lambda: _healthy(self.port), 60, "the server answers")
        return self.port

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
        self.log.close()


def test_both_workers_see_a_cli_narrowing_at_once(tmp_path):
    db, token = _node(tmp_path)
    with _Server(db) as port:
        assert _searches(port, token) == {(200, 3, (("hn-casos", 3),))}  # cached in both
        _narrow(tmp_path, db, 0)
        assert _searches(port, token) == {(200, 2, (("hn-casos", 2),))}


def test_deleted_data_version_rows_neither_break_search_nor_serve_stale(tmp_path):
    db, token = _node(tmp_path)
    with _Server(db) as port:
        assert _searches(port, token, 4) == {(200, 3, (("hn-casos", 3),))}
        with sqlite3.connect(db) as conn:  # behind gugus's back
            conn.execute("DELETE FROM data_version")
        assert _searches(port, token) == {(200, 3, (("hn-casos", 3),))}  # was 500
        _narrow(tmp_path, db, 1)
        assert _searches(port, token) == {(200, 2, (("hn-casos", 2),))}
        with sqlite3.connect(db) as conn:  # again: versions restart above their old values
            conn.execute("DELETE FROM data_version")
        _narrow(tmp_path, db, 2)
        assert _searches(port, token) == {(200, 1, (("hn-casos", 1),))}
    checked = gugus("check", db=db, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_workers_share_results_in_a_file_an_earlier_server_never_leaves(tmp_path):
    """`serve --workers 2` keeps computed results in `<db>.results` for both
    workers (gugus.shared_results), and removes what a server before it
    kept: a result must not outlive its server (a restored backup can repeat
    data versions)."""
    db, token = _node(tmp_path)
    results = db + ".results"
    with sqlite3.connect(results) as conn:  # as if kept by an earlier server
        conn.execute("CREATE TABLE results (k BLOB PRIMARY KEY, at REAL, v TEXT)")
        conn.execute("INSERT INTO results VALUES (x'00', 1e12, '{}')")
    with _Server(db) as port:
        assert _searches(port, token) == {(200, 3, (("hn-casos", 3),))}
        with sqlite3.connect(results) as conn:
            rows = conn.execute("SELECT k, v FROM results").fetchall()
    assert len(rows) == 1 and rows[0][0] != b"\0"
    assert WORD.lower() not in rows[0][1] and WORD not in rows[0][1]
