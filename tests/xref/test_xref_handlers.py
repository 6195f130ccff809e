"""`gugus xref` and /api/v1/xref: thin handlers over the run service, the
JSON contract, and bad input in the one error shape."""

from __future__ import annotations

import json
import time
import warnings

import pytest
from typer.testing import CliRunner
from xworld import build_xworld

from gugus import auth
from gugus.api import create_app
from gugus.cli import app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PAIR_KEYS = {"left", "right", "schema", "probability", "kind", "explanation", "marking"}


@pytest.fixture
def xw(sqlite_node):
    return build_xworld(sqlite_node)


def cli(node, *args):
    db = str(node.db.path)
    return CliRunner().invoke(app, [*args, "--db", db])


def test_cli_runs_and_prints_json_pairs(xw):
    result = cli(xw.node, "xref", "mx-casos", "us-cases", "--as", "mx", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "done" and body["collections"] == ["mx-casos", "us-cases"]
    assert body["pairs"] and all(set(p) == PAIR_KEYS for p in body["pairs"])
    jose = {xw.id("mx-casos", "p-jose"), xw.id("us-cases", "s-1")}
    assert any({p["left"], p["right"]} == jose and p["kind"] == "model" for p in body["pairs"])
    # the same run, read back by number, as the other agency's analyst
    again = cli(xw.node, "xref", "status", str(body["run"]), "--as", "us", "--json")
    assert again.exit_code == 0, again.output
    other = json.loads(again.stdout)
    assert "counts" not in other and other["pairs"]
    review = cli(xw.node, "xref", "review", "--as", "mx", "--json")
    assert review.exit_code == 0, review.output
    assert json.loads(review.stdout)["run"] == body["run"]
    text = cli(xw.node, "xref", "review", "--as", "mx")
    assert text.exit_code == 0 and "pairs" in text.stdout, text.output


def test_cli_text_output_explains_pairs(xw):
    result = cli(xw.node, "xref", "run", "mx-casos", "us-cases", "--as", "mx")
    assert result.exit_code == 0, result.output
    assert "xref run 1: done" in result.output
    assert "shared phone" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["xref", "nope", "--as", "gt"], "collection 'nope' not found"),
        (["xref", "mx-secreto", "--as", "gt"], "collection 'mx-secreto' not found"),
        (["xref", "--as", "gt", "--engine", "hadoop"], "unknown engine 'hadoop'"),
        (["xref", "status", "99", "--as", "mx"], "xref run 99 not found"),
        (["xref", "--as", "nobody"], "unknown user"),
    ],
)
def test_cli_bad_input_is_one_line(xw, args, message):
    result = cli(xw.node, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_api_runs_in_the_background_and_pages_visible_pairs(xw):
    client = TestClient(create_app(xw.node))
    mx = {"Authorization": f"Bearer {auth.issue_token(xw.node, xw.readers['mx'])[0]}"}
    us = {"Authorization": f"Bearer {auth.issue_token(xw.node, xw.readers['us'])[0]}"}
    started = client.post(
        "/api/v1/xref", json={"collections": ["mx-casos", "us-cases"]}, headers=mx
    )
    assert started.status_code == 202, started.text
    run = started.json()["run"]
    for _ in range(3000):  # the run finishes in the server's own thread
        view = client.get(f"/api/v1/xref/{run}", headers=mx).json()
        if view["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert view["status"] == "done", view
    assert view["pairs"] and all(set(p) == PAIR_KEYS for p in view["pairs"])
    first = client.get(f"/api/v1/xref/{run}?limit=1", headers=mx).json()
    second = client.get(f"/api/v1/xref/{run}?limit=1&offset=1", headers=mx).json()
    assert first["pairs"] != second["pairs"] and first["total"] == view["total"]
    other = client.get(f"/api/v1/xref/{run}", headers=us).json()
    assert "counts" not in other and other["total"] <= view["total"]
    review = client.get("/api/v1/xref/review?limit=500", headers=mx)
    assert review.status_code == 200, review.text
    assert review.json()["run"] == run
    assert {(p["left"], p["right"]) for p in review.json()["pairs"]} <= {
        (p["left"], p["right"]) for p in view["pairs"]
    }


def test_api_bad_input_answers_in_the_envelope(xw):
    client = TestClient(create_app(xw.node))
    gt = {"Authorization": f"Bearer {auth.issue_token(xw.node, xw.readers['gt'])[0]}"}
    hidden = client.post("/api/v1/xref", json={"collections": ["mx-secreto"]}, headers=gt)
    missing = client.post("/api/v1/xref", json={"collections": ["nope"]}, headers=gt)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/xref/12345", headers=gt).status_code == 404
    bad = client.post("/api/v1/xref", json={"engine": "hadoop"}, headers=gt)
    assert bad.status_code == 400 and "unknown engine" in bad.json()["error"]["message"]
    assert client.post("/api/v1/xref", json={"cap": 1}, headers=gt).status_code == 400
    assert client.get("/api/v1/xref/1").status_code == 401
