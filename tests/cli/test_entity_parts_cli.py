"""`gugus entity ID --relationships / --same-as`: the entity page's parts on
the command line, human and --json (tests/cli/conftest.py world: p-jose owns
60% of c-hotel, the percentage visible to MXFGR only)."""

from __future__ import annotations

from test_cli import mx


def test_relationships_json(cli):
    data = cli.json("entity", mx("p-jose"), "--as", "us_analyst", "--relationships")
    assert data["id"] == mx("p-jose")
    (rel,) = data["relationships"]["relationships"]
    assert rel["link"]["id"] == mx("o-hotel-jose") and rel["link"]["schema"] == "Ownership"
    assert rel["via"] == ["owner"] and rel["other_via"] == ["asset"]
    assert rel["direction"] == "out"
    assert rel["other"] == {
        "id": mx("c-hotel"),
        "schema": "Company",
        "caption": "Hotel Frontera SA",
        "marking": rel["other"]["marking"],
    }
    # the other direction, from the company
    data = cli.json("entity", mx("c-hotel"), "--as", "us_analyst", "--relationships")
    (rel,) = data["relationships"]["relationships"]
    assert rel["direction"] == "in" and rel["other"]["id"] == mx("p-jose")
    assert "same_as" not in data


def test_relationships_and_same_as_human(cli):
    out = cli.ok(
        "entity", mx("p-jose"), "--as", "mx_analyst", "--relationships", "--same-as"
    ).stdout
    assert (
        f"  out owner → asset through Ownership Ownership ({mx('o-hotel-jose')}): "
        f"Company Hotel Frontera SA ({mx('c-hotel')}) [TLP:AMBER H0]"
    ) in out.splitlines()
    assert "possibly the same as: none you may see" in out
    out = cli.ok("entity", mx("p-lucia"), "--as", "mx_analyst", "--relationships").stdout
    assert "relationships: none you may see" in out


def test_same_as_json(cli):
    data = cli.json("entity", mx("p-jose"), "--as", "mx_analyst", "--same-as")
    assert data["same_as"]["pairs"] == []
    assert data["same_as"]["notices"] == {"out": [], "in": []}
