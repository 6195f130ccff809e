"""`gugus pprl encode | match | resolve` as a user runs them: real processes
on a SQLite node (the services run on both backends in test_pprl.py)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest
from pprl_world import build

SECRET = b"MX-US task force PPRL secret, shared out of band\n"


@pytest.fixture
def site(sqlite_node, tmp_path):
    build(sqlite_node)
    db = str(sqlite_node.db.path)
    sqlite_node.close()
    (tmp_path / "k").write_bytes(SECRET)
    (tmp_path / "other").write_bytes(b"a different partnership's secret........\n")
    return tmp_path, db


def gugus(*args, code: int = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "gugus.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    if code:
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc


def encode(site, coll, user, out, *extra, key_file="k", code=0):
    tmp, db = site
    args = ["--secret-file", str(tmp / key_file), "--as", user, "-o", str(out), "--db", db]
    return gugus("pprl", "encode", coll, *args, *extra, code=code)


def test_encode_match_resolve(site):
    tmp, db = site
    mx, us = tmp / "mx.clk", tmp / "us.clk"
    done = encode(site, "mx-casos", "mx", mx, "--purpose", "JTF-7")
    assert "3 persons, 3 CLKs" in done.stdout and "TLP:AMBER" in done.stdout
    assert "1 TLP:RED values left out" in done.stdout
    assert stat.S_IMODE(mx.stat().st_mode) == 0o600  # a CLK file is personal data
    summary = json.loads(encode(site, "us-cases", "us", us, "--json", "--for", "MXFGR").stdout)
    assert summary["persons"] == 3 and summary["marking"]["release_to"] == ["MXFGR"]

    table = gugus("pprl", "match", str(mx), str(us)).stdout
    assert "2 likely pairs" in table and "mx.clk (MXFGR, 3 persons)" in table
    result = json.loads(
        gugus("pprl", "match", str(mx), str(us), "--json", "--threshold", "0.75").stdout
    )
    assert result["threshold"] == 0.75 and len(result["pairs"]) == 2

    refs = [p["left"] for p in result["pairs"]]
    missing = "r" + "0" * 32
    args = ["--secret-file", str(tmp / "k"), "--as", "mx", "--db", db, "--json"]
    found = json.loads(gugus("pprl", "resolve", "mx-casos", *refs, missing, *args).stdout)
    assert sorted(v.split(".")[0] for v in found["found"].values()) == ["p-jose", "p-maria"]
    assert found["not_found"] == [missing]


def test_cli_errors_are_one_line(site):
    tmp, _db = site
    mx, other = tmp / "mx.clk", tmp / "o.clk"
    missing = encode(site, "mx-casos", "mx", mx, key_file="nope", code=2)
    assert f"secret file {tmp / 'nope'}: not found" in missing.stderr
    (tmp / "short").write_bytes(b"tiny-secret-value")
    short = encode(site, "mx-casos", "mx", mx, key_file="short", code=2)
    assert "shorter than 32 bytes" in short.stderr and "tiny-secret" not in short.stderr
    assert not mx.exists()
    encode(site, "mx-casos", "mx", mx)
    encode(site, "us-cases", "us", other, key_file="other")
    refused = gugus("pprl", "match", str(mx), str(other), code=2)
    assert "not encoded with the same secret" in refused.stderr
    bad = tmp / "bad.clk"
    bad.write_text(mx.read_text().splitlines()[0] + "\n{oops\n")
    assert f"{bad}:2: not JSON" in gugus("pprl", "match", str(mx), str(bad), code=2).stderr
    hidden = encode(site, "no-such", "us", tmp / "x.clk", code=2)
    assert "collection 'no-such' not found" in hidden.stderr
    for text in (missing.stderr, short.stderr, refused.stderr, hidden.stderr):
        assert SECRET.strip().decode() not in text
