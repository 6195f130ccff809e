"""The review queue one pair at a time (service, API, CLI), on SQLite and
PostgreSQL: order, resume after judging, skipping, the side-by-side view
with each value's marking, the count, and the audit."""

from __future__ import annotations

import json
import warnings

from judgeworld import MX_ONLY, build
from reviewworld import store_run
from sqlalchemy import select
from typer.testing import CliRunner

from gugus import auth
from gugus.api import create_app
from gugus.cli import app
from gugus.store.tables import audit_log
from gugus.xref.judgements import judge
from gugus.xref.queue import review_count, review_pair

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SHORT = ("a1", "a2", "h1", "u1", "u2", "u3", "r1")


def short(jw, item) -> tuple[str, str]:
    back = {jw.id(x): x for x in SHORT}
    return back[item["left"]], back[item["right"]]


def queue_of(jw, user) -> list[tuple[str, str]]:
    """The whole queue, by walking the positions."""
    reader = jw.readers[user]
    first = review_pair(jw.node, reader)
    return [
        short(jw, review_pair(jw.node, reader, position=i)["pair"]) for i in range(first["total"])
    ]


def test_queue_resumes_at_the_first_pair_still_to_decide(jw):
    store_run(jw.node, jw.id)
    mx = jw.readers["mx"]
    everything = [
        ("h1", "u1"),
        ("a1", "u1"),
        ("a2", "u2"),
        ("u1", "u3"),
        ("a1", "u3"),
        ("u1", "u2"),
        ("a2", "u3"),
        ("h1", "r1"),
    ]
    assert queue_of(jw, "mx") == everything
    # each reader: only pairs it may see (marking and both entities), counted exactly
    assert review_count(jw.node, mx) == 8
    assert review_count(jw.node, jw.readers["mx2"]) == 7  # r1 is RED for mx alone
    assert queue_of(jw, "us") == [("a2", "u2"), ("u1", "u3"), ("u1", "u2"), ("a2", "u3")]
    assert review_count(jw.node, jw.readers["us"]) == 4
    assert queue_of(jw, "gt") == [("u1", "u3"), ("u1", "u2")]

    # judging the first pair: coming back starts at the next one
    judge(jw.node, mx, jw.id("h1"), jw.id("u1"), "different", "other birth place")
    view = review_pair(jw.node, mx)
    assert short(jw, view["pair"]) == ("a1", "u1") and view["total"] == 7
    # "unsure" moves the pair behind those nobody judged, and says so there
    judge(jw.node, mx, jw.id("a1"), jw.id("u1"), "unsure")
    assert short(jw, review_pair(jw.node, mx)["pair"]) == ("a2", "u2")
    last = review_pair(jw.node, mx, position=6)
    assert short(jw, last["pair"]) == ("a1", "u1") and last["pair"]["judgement"] == "unsure"
    # skipping ahead, and past the end back to the first
    assert short(jw, review_pair(jw.node, mx, position=2)["pair"]) == ("a1", "u3")
    wrapped = review_pair(jw.node, mx, position=7)
    assert wrapped["position"] == 0 and short(jw, wrapped["pair"]) == ("a2", "u2")
    # a colleague's judgement the reader may see takes the pair out too
    judge(jw.node, jw.readers["mx2"], jw.id("a2"), jw.id("u2"), "same")
    assert short(jw, review_pair(jw.node, mx)["pair"]) == ("u1", "u3")
    assert review_count(jw.node, mx) == 6
    # US sees neither MX judgement's marking on a1 (MX-only birth date) nor a1:
    # its queue lost only the pair MX's visible "same" decided (a2-u2)
    assert queue_of(jw, "us") == [("u1", "u3"), ("u1", "u2"), ("a2", "u3")]


def test_pair_shows_both_sides_with_each_values_marking(jw):
    store_run(jw.node, jw.id, [("a1", "u1", 0.95, "model")])
    view = review_pair(jw.node, jw.readers["mx"])
    pair = view["pair"]
    assert (view["run"], view["total"], view["position"]) == (1, 1, 0)
    assert pair["sides"]["left"]["caption"] == "José Pérez López"
    assert pair["sides"]["right"]["caption"] == "Joseph Perez"
    assert pair["sides"]["left"]["collections"] == ["mx-shared"]
    rows = {f["prop"]: f for f in pair["fields"]}
    assert [f["prop"] for f in pair["fields"]] == ["name", "birthDate"]
    [dob] = rows["birthDate"]["left"]
    assert dob["value"] == "1980-02-03" and dob["collection"] == "mx-shared"
    assert dob["marking"]["release_to"] == [] and dob["marking"]["tlp"] == MX_ONLY["tlp"]
    [name] = rows["name"]["left"]
    assert name["marking"]["release_to"] == ["US"]  # the collection's own marking
    assert rows["birthDate"]["right"] == [] and rows["birthDate"]["compared"] == ["birth_date"]
    assert rows["name"]["compared"] == ["given", "surname"]
    # the explanation in words, strongest evidence first
    assert [(e["field"], e["code"], e["strength"]) for e in pair["explanation"]] == [
        ("given", "exact", "strong_for"),
        ("surname", "very_similar", "for"),
        ("birth_date", "different", "strong_against"),
    ]
    assert pair["explanation"][0]["words"] == (
        "given name: the same (strong evidence for, weight +6.50)"
    )
    # US may not see the pair (it carries a1's MX-only birth date): nothing waits
    assert review_pair(jw.node, jw.readers["us"]) == {
        "run": 1,
        "total": 0,
        "position": 0,
        "pair": None,
    }


def test_reading_a_pair_is_audited(jw):
    store_run(jw.node, jw.id, [("a1", "u1", 0.95, "model")])
    review_pair(jw.node, jw.readers["mx"], purpose="case 12")
    review_count(jw.node, jw.readers["mx"])
    with jw.node.db.audit_reader.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.username, audit_log.c.purpose)
        ).all()
    reads = [tuple(r) for r in rows if r.username == "mx"]
    assert ("xref.review", "mx", "case 12") in reads
    assert reads.count(("entity.read", "mx", "case 12")) == 1  # a1 (u1 is CLEAR)


def test_nothing_to_review_before_any_run(jw):
    assert review_pair(jw.node, jw.readers["mx"]) == {
        "run": None,
        "total": 0,
        "position": 0,
        "pair": None,
    }
    assert review_count(jw.node, jw.readers["mx"]) == 0


def test_api_pair_count_and_judging_moves_on(jw):
    store_run(jw.node, jw.id)
    client = TestClient(create_app(jw.node))
    mx = {"Authorization": f"Bearer {auth.issue_token(jw.node, jw.readers['mx'])[0]}"}
    us = {"Authorization": f"Bearer {auth.issue_token(jw.node, jw.readers['us'])[0]}"}
    got = client.get("/api/v1/xref/review/pair", headers=mx)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body == json.loads(json.dumps(review_pair(jw.node, jw.readers["mx"])))
    assert client.get("/api/v1/xref/review/count", headers=mx).json() == {"count": 8}
    assert client.get("/api/v1/xref/review/count", headers=us).json() == {"count": 4}
    pair = body["pair"]
    judged = client.post(
        "/api/v1/judgements",
        json={"a": pair["left"], "b": pair["right"], "verdict": "same", "reason": "same CURP"},
        headers=mx,
    )
    assert judged.status_code == 200, judged.text
    after = client.get("/api/v1/xref/review/pair", headers=mx).json()
    assert (after["pair"]["left"], after["total"]) != (pair["left"], 8) and after["total"] == 7
    skipped = client.get("/api/v1/xref/review/pair", params={"position": 1}, headers=mx).json()
    assert skipped["position"] == 1 and skipped["pair"]["left"] != after["pair"]["left"]
    bad = client.get("/api/v1/xref/review/pair", params={"position": -1}, headers=mx)
    assert bad.status_code == 400 and "error" in bad.json()
    assert client.get("/api/v1/xref/review/count").status_code == 401


def test_cli_pair_and_count(sqlite_node):
    """On SQLite (the CLI opens its own node and leaves it to the process)."""
    jw = build(sqlite_node)
    store_run(jw.node, jw.id)
    db = jw.node.db.url

    def run(*args):
        result = CliRunner().invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.stdout

    body = json.loads(run("xref", "pair", "--as", "us", "--position", "1", "--json"))
    assert body["position"] == 1 and body["total"] == 4
    assert short(jw, body["pair"]) == ("u1", "u3")
    assert body["pair"]["explanation"][0]["words"].startswith("shared phone")
    assert json.loads(run("xref", "review", "--count", "--as", "us", "--json")) == {"count": 4}
    assert run("xref", "review", "--count", "--as", "gt").strip() == (
        "2 pair(s) waiting for your judgement"
    )
    text = run("xref", "pair", "--as", "us")
    assert "pair 1 of 4" in text and "TLP:" in text and "gugus judge" in text
    for a, b in (("u1", "u3"), ("u1", "u2")):
        judge(jw.node, jw.readers["gt"], jw.id(a), jw.id(b), "different")
    assert run("xref", "pair", "--as", "gt").strip() == "no pairs to review"
