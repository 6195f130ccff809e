"""The xref run service on Splink's Spark backend finds the pairs DuckDB finds."""

from __future__ import annotations

import pytest

from gugus.xref import runs

pytestmark = pytest.mark.spark


def test_spark_run_agrees_with_duckdb(sqlite_node, spark_engine):
    """``spark_engine`` skips without Java/pyspark, and fails instead under
    GUGUS_REQUIRE_SERVICES=1 (CI)."""
    from xworld import build_xworld

    world = build_xworld(sqlite_node)
    mx = world.readers["mx"]
    colls = ["mx-casos", "us-cases", "gt-casos"]
    duck = runs.start(sqlite_node, mx, colls)
    spark = runs.start(sqlite_node, mx, colls, engine_name="spark")
    assert spark["status"] == "done", spark

    def model(run):
        pairs = runs.status(sqlite_node, mx, run["run"], limit=500)["pairs"]
        return {(p["left"], p["right"]): p for p in pairs if p["kind"] == "model"}

    d, s = model(duck), model(spark)
    assert d.keys() == s.keys()
    for key in d:
        assert s[key]["probability"] == pytest.approx(d[key]["probability"], abs=1e-6)
        assert {k: v["level"] for k, v in s[key]["explanation"].items()} == {
            k: v["level"] for k, v in d[key]["explanation"].items()
        }
