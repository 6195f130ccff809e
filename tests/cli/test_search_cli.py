"""`gugus search`: filters, total and facets in --json and in the human view."""

from __future__ import annotations

import json

import pytest
import searchworld as sw
from typer.testing import CliRunner

from gugus.cli import app


@pytest.fixture
def run(sqlite_node, tmp_path):
    sw.build(sqlite_node)
    db = str(tmp_path / "gugus.db")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["search", *args, "--as", "bob", "--db", db])

    return invoke


def test_search_json_has_total_facets_and_filters(run):
    result = run("perez", "--country", "Honduras", "--country", "gt", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {r["id"] for r in data["results"]} == {sw.P1, sw.P2, sw.H1}
    assert data["total"] == 3 and data["filters"] == {"country": ["Honduras", "gt"]}
    assert {f["value"] for f in data["facets"]["org"]} == {"MX-FGR", "US-HSI"}
    data = json.loads(run("perez", "--schema", "Company", "--org", "MX-FGR", "--json").stdout)
    assert [r["id"] for r in data["results"]] == [sw.C1]


def test_search_human_view_prints_facets_and_no_results(run):
    result = run("+52 222 185 9062")
    assert result.exit_code == 0, result.output
    assert "p-1" in result.stdout
    assert "results 1-1 of 1" in result.stdout
    assert "country: hn (1), mx (1)" in result.stdout
    page = run("perez", "--limit", "2", "--offset", "2").stdout
    assert "results 3-4 of 4" in page and "schema: Person (3), Company (1)" in page
    assert run("nadie").stdout.strip() == "no results for 'nadie'"
    assert sw.RED_WORD not in run("perez").stdout


def test_search_bad_filter_is_one_line(run):
    result = run("perez", "--country", "Atlantis")
    assert result.exit_code != 0
    assert "country: unknown country 'Atlantis'" in result.output
