"""`gugus loads`: the CLI twin of the home page's recent loads."""

from __future__ import annotations


def test_loads_lists_the_own_organisations_visible_loads(cli):
    mx = cli.json("loads", "--as", "mx_analyst")["loads"]
    assert [x["collection"] for x in mx] == ["mx-internal", "mx-cases"]  # newest first
    assert mx[1]["user"] == "mx_analyst" and mx[1]["marking"]["tlp"] == "amber"
    assert cli.json("loads", "--as", "us_analyst") == {"loads": []}  # not its organisation's
    human = cli.ok("loads", "--as", "mx_analyst").stdout
    assert "mx-cases" in human and "TLP:AMBER" in human
    assert cli.ok("loads", "--as", "us_analyst").stdout.strip() == "no loads yet"
