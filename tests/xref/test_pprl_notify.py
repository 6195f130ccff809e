"""Matches of privacy-preserving matching as hit notices
(``gugus.xref.pprl_notify``), on both backends: a notice per pair on the
notifying side, nothing of the partner's side but its organisation; only
records the notifier may see; the same pair keeps its reference; audited;
bad input.  The CLI twin (``gugus pprl match --notify``) at the end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from nsids import nsid
from pprl_world import build
from sqlalchemy import select

from gugus.errors import InvalidInput, NotFound
from gugus.ingest import ftm
from gugus.share.notices import list_notices
from gugus.store.tables import audit_log
from gugus.xref import pprl, pprl_notify
from gugus.xref.pprl_encoding import Secret

SECRET = Secret(b"shared by MX and US, 32+ bytes, out of band")
# A person of mx-casos that us_red may see (TLP:RED naming us_red) and us,
# of the same organisation, may not.  The same man is in us-cases (s-3).
ONLY_MX = {
    "id": "p-robert",
    "schema": "Person",
    "properties": {"name": ["Robert Smith"], "birthDate": ["1975-01-01"]},
    "marking": {"tlp": "red", "release_to": ["USHSI"], "recipients": ["us_red"]},
}
NOTICE_KEYS = {"reference", "kind", "what", "holder", "contact", "time", "message"}


@pytest.fixture
def files(node, tmp_path):
    return make_files(node, tmp_path)


def make_files(node, tmp_path: Path) -> tuple[Path, Path]:
    build(node)
    summary = ftm.load_lines(node, "mx-casos", [json.dumps(ONLY_MX)], source="test")
    assert not summary.errors, summary.errors
    mx, us = tmp_path / "mx.clk", tmp_path / "us.clk"
    for user, coll, path, kw in (
        ("mx", "mx-casos", mx, {"include_red": True}),
        ("us", "us-cases", us, {"for_org": "MXFGR"}),
    ):
        encoded = pprl.encode(node, node.reader(user), coll, SECRET, **kw)
        path.write_text("".join(encoded.lines()), encoding="utf-8")
    return mx, us


def own(*ids: str) -> set[str]:
    return {nsid("MXFGR", i) for i in ids}


def test_pairs_become_hit_notices_with_nothing_of_the_partner(node, files):
    mx_file, us_file = files
    result = pprl.match(mx_file, us_file)
    got = pprl_notify.notify(node, node.reader("mx"), result, purpose="JTF-7")
    assert got["pairs"] == 3
    notices = got["notices"]
    assert {n["own_entity_id"] for n in notices} == own("p-jose", "p-maria", "p-robert")
    for n in notices:
        assert set(n) == NOTICE_KEYS | {"own_entity_id"}
        assert n["kind"] == "person" and n["holder"] == "USHSI"
        assert n["contact"] == "the liaison officers of USHSI"
    # Nothing of the partner's side: not its references, not a similarity.
    text = json.dumps(got)
    assert not any(p["right"] in text for p in result["pairs"])
    assert "similarity" not in text and "Smith" not in text
    listed = list_notices(node, node.reader("mx"), direction="out")["out"]
    assert {n["reference"] for n in listed} == {n["reference"] for n in notices}
    assert {n["source"] for n in listed} == {"pprl"}
    # The same pairs again: the same references, counted.
    again = pprl_notify.notify(node, node.reader("mx"), result)
    assert {n["reference"] for n in again["notices"]} == {n["reference"] for n in notices}
    assert {n["count"] for n in list_notices(node, node.reader("mx"), direction="out")["out"]} == {
        2
    }
    with node.db.audit_reader.connect() as conn:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.action.in_(["pprl.notify", "notice.hit"]))
        ).all()
    actions = [r.action for r in rows]
    assert actions.count("pprl.notify") == 2 and actions.count("notice.hit") == 6
    first = next(r for r in rows if r.action == "pprl.notify")
    assert set(json.loads(first.object_ids)) == own("p-jose", "p-maria", "p-robert")
    assert first.purpose == "JTF-7"


def test_only_records_the_notifier_may_see(node, files):
    mx_file, us_file = files
    result = pprl.match(mx_file, us_file)
    # A file of USHSI's made by us_red, who may see p-robert: us, who may
    # not, gets no notice about it, and nothing tells that pair apart from a
    # reference of another node.
    red_file = mx_file.with_name("usred.clk")
    encoded = pprl.encode(node, node.reader("us_red"), "mx-casos", SECRET, include_red=True)
    red_file.write_text("".join(encoded.lines()), encoding="utf-8")
    same = pprl.match(red_file, mx_file)
    by_red = pprl_notify.notify(node, node.reader("us_red"), same)
    assert own("p-robert") <= {n["own_entity_id"] for n in by_red["notices"]}
    got = pprl_notify.notify(node, node.reader("us"), same)
    assert {n["own_entity_id"] for n in got["notices"]} == {
        n["own_entity_id"] for n in by_red["notices"]
    } - own("p-robert")
    assert "p-robert" not in json.dumps(got) and got["pairs"] == by_red["pairs"]
    # Narrowed to a collection: only its records.
    assert pprl_notify.notify(node, node.reader("mx"), result, collections=["us-cases"]) == {
        "pairs": 3,
        "notices": [],
    }
    # The partner's side is notified from its own point of view.
    theirs = pprl_notify.notify(node, node.reader("us"), result)
    assert {n["holder"] for n in theirs["notices"]} == {"MXFGR"}
    assert {n["own_entity_id"] for n in theirs["notices"]} == {
        nsid("USHSI", i) for i in ("s-1", "s-2", "s-3")
    }


def test_bad_input(node, files, tmp_path):
    mx_file, us_file = files
    result = pprl.match(mx_file, us_file)
    with pytest.raises(NotFound, match="'nope' not found"):
        pprl_notify.notify(node, node.reader("mx"), result, collections=["nope"])
    both = pprl.match(mx_file, mx_file)
    with pytest.raises(InvalidInput, match="both files were made by MXFGR"):
        pprl_notify.notify(node, node.reader("mx"), both)
    stranger = json.loads(json.dumps(result))
    stranger["right"]["org"] = "CAXX"
    with pytest.raises(InvalidInput, match="'CAXX' is not known on this node"):
        pprl_notify.notify(node, node.reader("mx"), stranger)
    stranger["left"]["org"] = "GTPNC"
    with pytest.raises(InvalidInput, match="neither file"):
        pprl_notify.notify(node, node.reader("mx"), stranger)
    assert list_notices(node, node.reader("mx"), direction="out")["out"] == []


def gugus(*args: str, code: int = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "gugus.cli", *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    if code:
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc


def test_cli_match_notify(sqlite_node, tmp_path):
    mx_file, us_file = make_files(sqlite_node, tmp_path)
    db = str(sqlite_node.db.path)
    sqlite_node.close()
    args = ["pprl", "match", str(mx_file), str(us_file)]
    shown = gugus(*args, "--notify", "--as", "mx_sup", "--db", db).stdout
    assert "3 hit notice(s) on your side" in shown and "USHSI" in shown
    got = json.loads(gugus(*args, "--notify", "--as", "mx", "--db", db, "--json").stdout)
    assert {n["own_entity_id"] for n in got["notices"]} == own("p-jose", "p-maria", "p-robert")
    listed = json.loads(gugus("notices", "--as", "mx", "--db", db, "--json").stdout)
    assert len(listed["out"]) == 3  # mx's own (mx_sup's are listed to supervisors)
    assert "needs --as USER" in gugus(*args, "--notify", code=2).stderr
    assert "go with --notify" in gugus(*args, "--as", "mx", code=2).stderr
    assert Path(mx_file).exists()
