"""Candidate blocking of ``gugus pprl match`` (gugus.xref.pprl_blocking):
keys in the file only when asked, keyed by the shared secret, the same pairs
as all pairs on the PPRL world (both backends), fewer pairs compared, a
year typo or a missing year not losing a pair, and bad keys in a file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pprl_world import build

from gugus.errors import InvalidInput
from gugus.xref import clkfile, pprl, pprl_blocking
from gugus.xref.pprl_encoding import Secret, encode_rows, person_rows

SECRET = Secret(b"shared by MX and US, 32+ bytes, out of band")
OTHER = Secret(b"another partnership's secret, also 32+ bytes")


def encode_to(node, user, coll, path: Path, secret=SECRET, **kw) -> Path:
    encoded = pprl.encode(node, node.reader(user), coll, secret, **kw)
    path.write_text("".join(encoded.lines()), encoding="utf-8")
    return path


def test_blocked_match_finds_the_same_pairs(node, tmp_path):
    build(node)
    plain = [
        encode_to(node, u, c, tmp_path / f"{u}.clk")
        for u, c in (("mx", "mx-casos"), ("us", "us-cases"))
    ]
    keyed = [
        encode_to(node, u, c, tmp_path / f"{u}-b.clk", blocking=True)
        for u, c in (("mx", "mx-casos"), ("us", "us-cases"))
    ]
    assert clkfile.read(plain[0]).blocks is None
    f = clkfile.read(keyed[0])
    assert f.header["blocking"] == pprl_blocking.DESCRIPTION
    assert len(f.blocks) == len(f.clks) and all(f.blocks)
    text = keyed[0].read_text()
    assert "1980" not in text and '"jo' not in text  # keyed, never the year or letters
    every = pprl.match(*plain)
    blocked = pprl.match(*keyed)
    assert blocked["blocking"].startswith("blocked: year of birth or name-token prefix")
    assert every["blocking"] == "all pairs (no blocking keys in the files)"
    assert len(blocked["pairs"]) == 2 and blocked["pairs"] == every["pairs"]
    assert pprl.match(keyed[0], plain[1])["blocking"] == (
        "all pairs (only one file has blocking keys)"
    )
    off = pprl.match(*keyed, blocking=False)
    assert off["blocking"] == "all pairs (blocking turned off)" and off["pairs"] == every["pairs"]
    # Keys under another secret are unrelated.
    other = clkfile.read(
        encode_to(node, "mx", "mx-casos", tmp_path / "o.clk", OTHER, blocking=True)
    )
    assert not {k for ks in other.blocks for k in ks} & {k for ks in f.blocks for k in ks}


def keys(*people) -> list[list[str]]:
    key = pprl_blocking.blocking_key(SECRET)
    return [pprl_blocking.row_keys(key, row) for p in people for row in person_rows(*p)]


def test_what_is_compared():
    jose = (["José Luis Pérez"], ["1980-02-03"])
    jose_typo = (["Jose Luis Perez"], ["1908-02-03"])  # the year mistyped: names still meet
    ana = (["Ana Ruiz"], ["1980-05-05"])  # born the same year as José
    ana_no_year = (["Ana Ruiz"], [])
    kim = (["Kim Wu"], ["1999-01-01"])  # nothing in common with José
    assert pprl_blocking.comparisons(keys(jose), keys(jose_typo)) == 1
    assert pprl_blocking.comparisons(keys(jose), keys(ana)) == 1
    assert pprl_blocking.comparisons(keys(jose), keys(kim)) == 0
    # Without a year: compared with every year (and its own name prefixes).
    assert pprl_blocking.comparisons(keys(ana_no_year), keys(jose, kim)) == 2
    left, right = keys(jose, kim), keys(jose_typo, ana)
    assert pprl_blocking.comparisons(left, right) == 2  # of 4
    rows = [row for p in (jose, kim) for row in person_rows(*p)]
    rows_b = [row for p in (jose_typo, ana) for row in person_rows(*p)]
    found = pprl_blocking.candidates(
        [encode_rows(rows, SECRET), encode_rows(rows_b, SECRET)], [left, right], 0.65
    )
    _sims, _datasets, (records_a, records_b) = found
    assert list(zip(records_a, records_b, strict=True)) == [(0, 0)]  # José and his typo


def _lines(tmp_path, node) -> list[str]:
    build(node)
    path = encode_to(node, "mx", "mx-casos", tmp_path / "k.clk", blocking=True)
    return path.read_text().splitlines(keepends=True)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda item: item.pop("blocks"), 'expected {"ref": …, "clk": …, "blocks": …}'),
        (lambda item: item.update(blocks="y1234abcd"), "blocks: expected a list"),
        (lambda item: item.update(blocks=["1980"]), "blocks: expected a list"),
        (lambda item: item.update(blocks=["y1234abcd"] * 33), "blocks: expected a list"),
    ],
)
def test_bad_blocking_keys_name_file_and_line(sqlite_node, tmp_path, edit, message):
    lines = _lines(tmp_path, sqlite_node)
    item = json.loads(lines[1])
    edit(item)
    bad = tmp_path / "bad.clk"
    bad.write_text("".join([lines[0], json.dumps(item) + "\n", *lines[2:]]))
    with pytest.raises(InvalidInput) as exc:
        clkfile.read(bad)
    assert f"{bad}:2: " in exc.value.message and message in exc.value.message, exc.value.message


def test_keys_in_a_file_without_blocking_are_refused(sqlite_node, tmp_path):
    lines = _lines(tmp_path, sqlite_node)
    header = json.loads(lines[0])
    del header["blocking"]
    bad = tmp_path / "bad.clk"
    bad.write_text("".join([json.dumps(header) + "\n", *lines[1:]]))
    with pytest.raises(InvalidInput, match=':2: expected {"ref": …, "clk": …}'):
        clkfile.read(bad)
    header["blocking"] = "yes"
    bad.write_text("".join([json.dumps(header) + "\n", *lines[1:]]))
    with pytest.raises(InvalidInput, match=":1: blocking: expected an object"):
        clkfile.read(bad)


def test_cli_encode_blocking_and_match(sqlite_node, tmp_path):
    build(sqlite_node)
    db = str(sqlite_node.db.path)
    sqlite_node.close()
    secret = tmp_path / "k"
    secret.write_bytes(b"MX-US task force PPRL secret, shared out of band\n")

    def gugus(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "gugus.cli", *args], capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, (proc.stdout, proc.stderr)
        return proc.stdout

    files = []
    for user, coll in (("mx", "mx-casos"), ("us", "us-cases")):
        files.append(str(tmp_path / f"{user}.clk"))
        summary = json.loads(
            gugus(
                "pprl",
                "encode",
                coll,
                "--secret-file",
                str(secret),
                "--as",
                user,
                "-o",
                files[-1],
                "--blocking",
                "--json",
                "--db",
                db,
            )
        )
        assert summary["blocking"] is True
    assert "2 likely pairs" in gugus("pprl", "match", *files)
    assert "blocked: year of birth" in gugus("pprl", "match", *files)
    assert "turned off" in gugus("pprl", "match", *files, "--no-blocking")
