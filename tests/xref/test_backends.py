"""Engine names and the one-line errors of a machine that cannot run Spark.

None of these start a JVM: the checks run before Spark would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gugus.errors import InvalidInput
from gugus.xref import backends


def _fake_java(tmp_path, banner: str) -> str:
    """A JAVA_HOME whose ``java -version`` prints ``banner`` (as java does, on stderr)."""
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text(f"#!/bin/sh\necho '{banner}' >&2\n")
    java.chmod(0o755)
    return str(tmp_path)


@pytest.mark.parametrize(
    ("banner", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ('java version "1.8.0_392"', 8),
        ("something else entirely", None),
    ],
)
def test_java_version_reads_the_banner(tmp_path, monkeypatch, banner, major):
    monkeypatch.setenv("JAVA_HOME", _fake_java(tmp_path, banner))
    assert backends.java_version() == major


def test_old_or_missing_java_is_named_with_the_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", _fake_java(tmp_path, 'openjdk version "11.0.2"'))
    assert backends.spark_unavailable() == backends.JAVA_HINT
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    assert backends.spark_unavailable() == backends.JAVA_HINT
    assert backends.JAVA_HINT == (
        "--engine spark needs Java 17: apt-get install openjdk-17-jre-headless"
    )


_OPEN_SPARK = """
import sys
from gugus.errors import GugusError
{prelude}
from gugus.xref.backends import db_api
try:
    db_api("spark")
except GugusError as exc:
    print(type(exc).__name__, exc.status, exc.message)
    sys.exit(2)
"""


@pytest.mark.parametrize(
    ("prelude", "java", "message"),
    [
        ("", "old", backends.JAVA_HINT),
        ("", "none", backends.JAVA_HINT),
        ("sys.modules['pyspark'] = None  # as if not installed", "new", backends.PYSPARK_HINT),
    ],
)
def test_db_api_spark_fails_in_one_line_without_its_runtime(tmp_path, prelude, java, message):
    banner = {"old": 'openjdk version "11.0.2"', "new": 'openjdk version "17.0.1"'}
    env = dict(os.environ, JAVA_HOME=str(tmp_path / "nowhere"))
    if java in banner:
        env["JAVA_HOME"] = _fake_java(tmp_path, banner[java])
    out = subprocess.run(
        [sys.executable, "-c", _OPEN_SPARK.format(prelude=prelude)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert out.stdout.strip() == f"EngineUnavailable 400 {message}"
    assert out.stderr == ""


def test_an_unknown_engine_is_invalid_input():
    with pytest.raises(
        InvalidInput, match=r"engine: unknown engine 'sqlite' \(known: duckdb, spark\)"
    ):
        backends.db_api("sqlite")


def test_duckdb_needs_nothing_installed():
    from splink import DuckDBAPI

    assert isinstance(backends.db_api("duckdb"), DuckDBAPI)
