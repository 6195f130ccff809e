"""`gugus judge` and `gugus judgements` through the CLI (node in conftest.py)."""

from __future__ import annotations

from test_cli import error_line, mx

from gugus.xref import resolver


def test_judge_then_read_the_resolved_entity(cli):
    got = cli.json(
        "judge", "p-jose", "p-lucia", "same", "--reason", "same CURP", "--as", "mx_analyst"
    )
    jose, lucia = mx("p-jose"), mx("p-lucia")
    canonical = resolver.canonical_id([jose, lucia])
    assert got["cluster"] == {"id": canonical, "members": sorted([jose, lucia])}
    assert (got["verdict"], got["reason"], got["user"]) == ("same", "same CURP", "mx_analyst")
    entity = cli.json("entity", canonical, "--as", "mx_analyst", "--statements")
    assert entity["members"] == sorted([jose, lucia])
    assert {s["entity_id"] for s in entity["statements"]} == {jose, lucia}
    text = cli.ok("judge", "p-jose", "p-lucia", "different", "--as", "mx_analyst").stdout
    assert text.startswith("judgement ") and " different " in text
    listed = cli.json("judgements", jose, "--as", "mx_analyst")["judgements"]
    assert [j["verdict"] for j in listed] == ["different", "same"]
    assert "members" not in cli.json("entity", jose, "--as", "mx_analyst")


def test_search_shows_the_resolved_entity_once(cli):
    cli.ok("judge", "p-jose", "p-secret", "same", "--as", "mx_analyst")
    ids = [r["id"] for r in cli.json("search", "jose", "--as", "mx_analyst")["results"]]
    assert ids == [resolver.canonical_id([mx("p-jose"), mx("p-secret")])]


def test_unseen_entity_answers_like_a_missing_one(cli):
    secret = mx("p-secret")  # MXFGR only
    missing = secret[:-4] + "beef"
    lines = [
        error_line(cli("judge", mx("p-jose"), other, "same", "--as", "us_analyst"))
        for other in (secret, missing)
    ]
    assert lines == [f"error: entity {secret!r} not found", f"error: entity {missing!r} not found"]


def test_bad_verdict_and_self_judgement(cli):
    assert error_line(cli("judge", "p-jose", "p-lucia", "maybe", "--as", "mx_analyst")) == (
        "error: verdict: must be one of same, different, unsure"
    )
    assert "against itself" in error_line(
        cli("judge", "p-jose", mx("p-jose"), "same", "--as", "mx_analyst")
    )
