"""The synthetic task-force world: valid FtM, well-formed markings, usable ground truth."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from followthemoney import model
from stdnum import iban as stdnum_iban
from stdnum.mx import curp as stdnum_curp

import gugus.demo.world as world_module
from gugus.demo.world import ADULT_BIRTH_BEFORE, TLP_ORDER, generate, main

HANDLING = {"H0", "H1", "H2", "H3"}
USERNAME = re.compile(r"^[a-z0-9._-]+$")


def load(out: Path) -> tuple[dict, dict[str, list[dict]]]:
    manifest = json.loads((out / "world.json").read_text(encoding="utf-8"))
    colls = {}
    for c in manifest["collections"]:
        lines = (out / c["file"]).read_text(encoding="utf-8").splitlines()
        colls[c["name"]] = [json.loads(line) for line in lines]
    return manifest, colls


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, seed=1, people=300)
    return out


@pytest.fixture(scope="module")
def loaded(world):
    return load(world)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A larger world for statistical properties (still well under a second)."""
    out = tmp_path_factory.mktemp("big")
    generate(out, seed=7, people=5000)
    return out, *load(out)


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_deterministic(world, tmp_path):
    generate(tmp_path, seed=1, people=300)
    assert files(tmp_path) == files(world)


def test_seeds_differ(world, tmp_path):
    generate(tmp_path, seed=2, people=300)
    a, b = files(world), files(tmp_path)
    assert a.keys() == b.keys()
    for name in a:
        if name.endswith(".jsonl") and a[name]:
            assert a[name] != b[name], name


def test_manifest(loaded):
    manifest, colls = loaded
    assert manifest["seed"] == 1 and manifest["people"] == 300
    orgs = {o["code"]: o for o in manifest["organisations"]}
    assert len(orgs) >= 5 and {o["country"] for o in orgs.values()} == {"MX", "US"}
    roles = defaultdict(set)
    for u in manifest["users"]:
        assert USERNAME.match(u["username"]), u
        assert u["org"] in orgs
        roles[u["org"]].add(u["role"])
    for code in orgs:
        assert {"analyst", "liaison", "supervisor"} <= roles[code], code
    assert [u["username"] for u in manifest["users"] if u["role"] == "admin"] == ["admin"]
    assert len({u["username"] for u in manifest["users"]}) == len(manifest["users"])
    for c in manifest["collections"]:
        assert c["org"] in orgs and c["country"] == orgs[c["org"]]["country"]
        assert c["file"] == f"collections/{c['name']}.jsonl"
        assert c["entities"] == len(colls[c["name"]])


def check_marking(m: dict, originator: str, orgs: set[str], user_org: dict[str, str]) -> None:
    assert set(m) == {"tlp", "handling", "handling_text", "release_to", "recipients", "purpose"}
    assert m["tlp"] in TLP_ORDER
    assert set(m["handling"]) <= HANDLING
    if "H3" in m["handling"]:
        assert isinstance(m["handling_text"], str) and m["handling_text"].strip()
    else:
        assert m["handling_text"] is None
    assert set(m["release_to"]) <= orgs - {originator}
    if m["tlp"] == "red":
        assert m["recipients"]
        assert all(user_org[u] in m["release_to"] for u in m["recipients"]), m
    else:
        assert m["recipients"] == []


def at_least_as_strict(line: dict, coll: dict) -> bool:
    return (
        TLP_ORDER.index(line["tlp"]) >= TLP_ORDER.index(coll["tlp"])
        and set(line["handling"]) >= set(coll["handling"])
        and set(line["release_to"]) <= set(coll["release_to"])
        and (coll["tlp"] != "red" or set(line["recipients"]) <= set(coll["recipients"]))
    )


def test_markings(loaded):
    manifest, colls = loaded
    orgs = {o["code"] for o in manifest["organisations"]}
    user_org = {u["username"]: u["org"] for u in manifest["users"]}
    levels = Counter()
    for c in manifest["collections"]:
        check_marking(c["marking"], c["org"], orgs, user_org)
        levels[c["marking"]["tlp"]] += 1
        for e in colls[c["name"]]:
            if "marking" in e:
                check_marking(e["marking"], c["org"], orgs, user_org)
                assert at_least_as_strict(e["marking"], c["marking"]), (c["name"], e)
    assert levels["clear"] + levels["green"] >= 1
    assert levels["amber"] >= 3 and levels["amber+strict"] >= 1 and levels["red"] >= 1
    ambers = [c for c in manifest["collections"] if c["marking"]["tlp"] == "amber"]
    assert all(c["marking"]["release_to"] for c in ambers)
    assert sum("marking" in e for es in colls.values() for e in es) > 20


def test_ftm_properties_valid_and_survive_cleaning(loaded):
    _, colls = loaded
    seen = Counter()
    for name, ents in colls.items():
        ids = {e["id"] for e in ents}
        assert len(ids) == len(ents), f"duplicate ids in {name}"
        for e in ents:
            schema = model.get(e["schema"])
            assert schema is not None and not schema.abstract, e["schema"]
            assert set(e) <= {"id", "schema", "properties", "marking"}
            proxy = model.make_entity(schema)
            proxy.id = e["id"]
            for prop_name, values in e["properties"].items():
                prop = schema.get(prop_name)
                assert prop is not None, f"{e['schema']}.{prop_name}"
                assert values and all(isinstance(v, str) for v in values)
                proxy.add(prop, values)
                kept = proxy.get(prop)
                for v in values:
                    assert v in kept, f"{e['schema']}.{prop_name}={v!r} dropped/changed: {kept}"
                if prop.type.name == "entity":
                    assert set(values) <= ids, f"dangling {e['schema']}.{prop_name} in {name}"
                seen[e["schema"]] += 1
    for schema in (
        "Person",
        "Passport",
        "Identification",
        "Trip",
        "Payment",
        "BankAccount",
        "Company",
        "Ownership",
        "Associate",
        "UnknownLink",
        "Employment",
        "Family",
        "Membership",
        "Directorship",
        "Address",
        "Event",
        "Organization",
    ):
        assert seen[schema], f"no {schema} emitted"


def test_ids_distinct_across_collections(loaded):
    _, colls = loaded
    all_ids = [e["id"] for es in colls.values() for e in es]
    assert len(all_ids) == len(set(all_ids))


def test_identifiers_have_valid_check_digits(big):
    _, _, colls = big
    n_curp = n_iban = n_clabe = 0
    for ents in colls.values():
        for e in ents:
            props = e["properties"]
            if e["schema"] == "Identification" and props.get("type") == ["CURP"]:
                assert stdnum_curp.is_valid(props["number"][0]), props
                n_curp += 1
            if e["schema"] == "BankAccount":
                for v in props.get("iban", []):
                    assert stdnum_iban.is_valid(v), v
                    n_iban += 1
                if props["country"] == ["mx"]:
                    num = props["accountNumber"][0]
                    total = sum(int(c) * (3, 7, 1)[i % 3] % 10 for i, c in enumerate(num[:17]))
                    assert len(num) == 18 and int(num[17]) == (10 - total % 10) % 10, num
                    n_clabe += 1
    assert n_curp and n_iban and n_clabe


def test_truth_points_at_persons(world, loaded):
    manifest, colls = loaded
    index = {(c, e["id"]): e for c, es in colls.items() for e in es}
    identities = jsonl(world / "truth" / "identities.jsonl")
    assert len(identities) == manifest["people"]
    assert len({i["person"] for i in identities}) == len(identities)
    for ident in identities:
        assert ident["entities"]
        for coll, eid in ident["entities"]:
            assert index[(coll, eid)]["schema"] == "Person"
    # each agency's record of a person is its own entity
    claimed = [tuple(x) for i in identities for x in i["entities"]]
    assert len(claimed) == len(set(claimed))
    by_person = {i["person"]: {tuple(x) for x in i["entities"]} for i in identities}
    for net in jsonl(world / "truth" / "networks.jsonl"):
        for m in net["members"] + net["victims"]:
            assert {tuple(x) for x in m["entities"]} == by_person[m["person"]]


def test_identities_span_collections(big):
    out, _, colls = big
    identities = jsonl(out / "truth" / "identities.jsonl")
    multi = [i for i in identities if len(i["entities"]) >= 2]
    assert len(multi) / len(identities) > 0.25
    index = {(c, e["id"]): e for c, es in colls.items() for e in es}
    # records of one person disagree: names, accents, dropped surnames, nicknames, typos
    differ = 0
    for ident in multi:
        names = {index[tuple(x)]["properties"]["name"][0] for x in ident["entities"]}
        differ += len(names) > 1
    assert differ / len(multi) > 0.5
    # most people are background noise, not network members or victims
    nets = jsonl(out / "truth" / "networks.jsonl")
    in_nets = sum(len(n["members"]) + len(n["victims"]) for n in nets)
    assert 0.05 < in_nets / len(identities) < 0.4


def test_networks(big, loaded, world):
    out, manifest, _ = big
    org_of = {c["name"]: c["org"] for c in manifest["collections"]}
    country_of = {c["name"]: c["country"] for c in manifest["collections"]}
    for path in (out, world):
        nets = jsonl(path / "truth" / "networks.jsonl")
        assert nets
        for net in nets:
            roles = {m["role"] for m in net["members"]}
            assert {"recruiter", "transporter", "harbourer"} <= roles, net["network"]
            assert net["victims"]
            assert len(set(net["countries"])) >= 2
            colls = {c for m in net["members"] for c, _ in m["entities"]}
            assert len({org_of[c] for c in colls}) >= 2
            assert {country_of[c] for c in colls} == {"MX", "US"} or len(colls) >= 2
            for m in net["members"] + net["victims"]:
                assert m["entities"], m
    roles = Counter(
        m["role"] for n in jsonl(out / "truth" / "networks.jsonl") for m in n["members"]
    )
    assert set(roles) == {"recruiter", "transporter", "harbourer", "exploiter", "money-launderer"}


def test_minors_and_victims_are_marked(big):
    out, manifest, colls = big
    base = {c["name"]: c["marking"] for c in manifest["collections"]}
    index = {(c, e["id"]): e for c, es in colls.items() for e in es}
    minors = victims = 0
    for net in jsonl(out / "truth" / "networks.jsonl"):
        for v in net["victims"]:
            victims += 1
            minors += v["minor"]
            for coll, eid in v["entities"]:
                assert base[coll]["tlp"] != "clear", "victims never in open sources"
                line = index[(coll, eid)]
                assert "marking" in line, (coll, line)
                assert at_least_as_strict(line["marking"], base[coll])
    assert minors >= 5 and victims > minors
    # every record whose birth date makes the person a minor carries an override
    marked_minors = 0
    for (coll, _), e in index.items():
        born = e["properties"].get("birthDate", [""])[0]
        if e["schema"] == "Person" and len(born) == 10 and born >= ADULT_BIRTH_BEFORE:
            assert "marking" in e, (coll, e)
            assert at_least_as_strict(e["marking"], base[coll])
            marked_minors += 1
    assert marked_minors > 50


def test_financial_red_flags(big):
    _, _, colls = big
    uif = colls["uif-reportes"]
    accounts = {e["id"]: e for e in uif if e["schema"] == "BankAccount"}
    payments = [e["properties"] for e in uif if e["schema"] == "Payment"]
    payers = defaultdict(set)
    for p in payments:
        for acct in p.get("beneficiaryAccount", []):
            payers[acct].update(p["payer"])
    # funnel accounts: many unrelated payers into one account
    assert max(len(s) for s in payers.values()) >= 5
    # cash deposits, then wires out to the corridor countries
    cash = [p for p in payments if p["purpose"][0].startswith("Depósito en efectivo")]
    wires = [p for p in payments if p["purpose"] == ["Transferencia internacional"]]
    assert cash and wires
    dest = {accounts[p["beneficiaryAccount"][0]]["properties"]["country"][0] for p in wires}
    assert dest <= {"gt", "hn", "sv"} and len(dest) >= 2


def test_shared_selectors(big):
    _, _, colls = big
    phones = Counter()
    for e in colls["cbp-encounters"]:
        if e["schema"] == "Person":
            phones.update(e["properties"].get("phone", []))
    assert phones.most_common(1)[0][1] >= 3  # one sponsor phone given by several victims


@pytest.mark.parametrize("people", [0, 1, 2, 11])
def test_tiny_worlds(tmp_path, people):
    manifest = generate(tmp_path, seed=3, people=people)
    assert json.loads((tmp_path / "world.json").read_text()) == manifest
    identities = jsonl(tmp_path / "truth" / "identities.jsonl")
    assert len(identities) == people
    for c in manifest["collections"]:
        assert (tmp_path / c["file"]).exists()


def test_memory_bounded_tracemalloc(tmp_path):
    tracemalloc.start()
    try:
        generate(tmp_path, seed=5, people=3000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def _max_rss_kb(out: Path, people: int) -> int:
    # VmHWM: peak resident set of this process image (ru_maxrss would include pytest's,
    # as it survives fork + exec)
    code = (
        "import sys; from pathlib import Path; from gugus.demo.world import generate; "
        "generate(Path(sys.argv[1]), seed=5, people=int(sys.argv[2]), workers=1); "
        "print(next(line.split()[1] for line in open('/proc/self/status') "
        "if line.startswith('VmHWM:')))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(out), str(people)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_memory_does_not_grow_with_people(tmp_path):
    small = _max_rss_kb(tmp_path / "small", 1000)
    big = _max_rss_kb(tmp_path / "big", 20000)
    assert big < 100 * 1024, f"max RSS {big / 1024:.0f} MB for 20000 people"
    assert big - small < 10 * 1024, f"RSS grew {small / 1024:.0f} -> {big / 1024:.0f} MB"
    assert len(jsonl(tmp_path / "big" / "truth" / "identities.jsonl")) == 20000


def test_parts_and_workers_do_not_change_output(tmp_path, monkeypatch):
    monkeypatch.setattr(world_module, "CHUNK", 400)
    one = generate(tmp_path / "one", seed=9, people=1000, workers=1)
    two = generate(tmp_path / "two", seed=9, people=1000, workers=2)
    assert one == two
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert not (tmp_path / "one" / ".parts").exists()
    manifest, colls = load(tmp_path / "one")
    for name, ents in colls.items():
        assert len({e["id"] for e in ents}) == len(ents), name
        # ports of entry are reference entities, written once per world
        ports = [
            e["properties"]["name"][0]
            for e in ents
            if e["schema"] == "Address" and "name" in e["properties"]
        ]
        assert len(ports) == len(set(ports)), name
    index = {(c, e["id"]) for c, es in colls.items() for e in es}
    identities = jsonl(tmp_path / "one" / "truth" / "identities.jsonl")
    assert [i["person"] for i in identities] == [f"P{n:07d}" for n in range(1, 1001)]
    assert all(tuple(x) in index for i in identities for x in i["entities"])
    nets = jsonl(tmp_path / "one" / "truth" / "networks.jsonl")
    assert [n["network"] for n in nets] == [f"N{k:04d}" for k in range(1, len(nets) + 1)]
    assert manifest["networks"] == len(nets) >= 3


def test_cli(tmp_path, capsys):
    main([str(tmp_path), "--seed", "4", "--people", "50"])
    out = capsys.readouterr().out.strip()
    assert "\n" not in out and "50 people" in out
    assert json.loads((tmp_path / "world.json").read_text())["seed"] == 4
