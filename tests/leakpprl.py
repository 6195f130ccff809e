"""The leak test's check of privacy-preserving matching (``gugus.xref.pprl``):
a CLK file encodes exactly the names the reader may see (TLP:RED left out by
default), under references of exactly those persons, ``resolve`` maps
back only persons the reader may see, and a match turned into hit notices
(``pprl_notify``) names exactly those persons and nothing of the partner."""

from __future__ import annotations

import json

import pytest
from leakworld import final_markings, stored_id

from gugus.errors import NotFound
from gugus.xref import clkfile, pprl, pprl_blocking, pprl_notify
from gugus.xref.pprl_encoding import MAX_NAME_VARIANTS, Secret, encode_rows, name_key, person_rows

SECRET = Secret(b"leak-test secret shared by partners (32+ bytes)")


def check_pprl(node, world, user, allowed: set, visible_colls: set, tmp) -> None:
    reader = node.reader(user["name"])
    markings = final_markings(world)
    key = pprl.reference_key(node)
    for c in world["collections"]:
        name = c["name"]
        if name not in visible_colls:
            with pytest.raises(NotFound):
                pprl.encode(node, reader, name, SECRET)
            with pytest.raises(NotFound):
                pprl.resolve(node, reader, name, SECRET, [])
            continue
        encoded = pprl.encode(node, reader, name, SECRET)
        path = tmp / f"{user['name']}-{name}.clk"
        path.write_text("".join(encoded.lines()), encoding="utf-8")
        got: dict[str, set[str]] = {}
        f = clkfile.read(path)
        for ref, clk in zip(f.refs, f.clks, strict=True):
            got.setdefault(ref, set()).add(clk.to01())
        check = f.fingerprint
        names: dict[str, set[str]] = {}
        for s in allowed:
            red = any(m["tlp"] == "red" for m in markings[s][0])
            if s[3] == name and s[1] == "name" and not red and name_key(s[2]):
                names.setdefault(s[0], set()).add(s[2])
        want_refs = {pprl.reference(key, check, eid): eid for eid in names}
        assert set(got) == set(want_refs), (user, name)
        for ref, clks in got.items():
            values = names[want_refs[ref]]
            possible = {encode_rows(person_rows([v]), SECRET)[0].to01() for v in values}
            keys = {name_key(v) for v in values}
            # Only CLKs of visible names; as many as distinct names, up to the cap.
            assert clks <= possible, (user, name, ref)
            assert len(clks) == min(len(keys), MAX_NAME_VARIANTS)
        # resolve: every id of the collection asked, only visible persons found.
        every = {
            stored_id(world, coll, line)
            for coll, line in world["lines"]
            if coll["name"] == name and stored_id(world, coll, line)
        }
        asked = {pprl.reference(key, check, eid): eid for eid in every}
        found = pprl.resolve(node, reader, name, SECRET, sorted(asked))
        assert set(found.values()) == {s[0] for s in allowed if s[3] == name}, (user, name)
        assert all(asked[r] == e for r, e in found.items())
        check_notify(node, world, reader, path, name, set(names))
        check_blocking_keys(node, reader, name, names, check, key)


def check_blocking_keys(node, reader, collection, names: dict, check, key) -> None:
    """Blocking keys come from the visible names (and dates) alone: every
    person's keys are among those its visible names can give."""
    encoded = pprl.encode(node, reader, collection, SECRET, blocking=True)
    bkey = pprl_blocking.blocking_key(SECRET)
    by_ref = {pprl.reference(key, check, eid): values for eid, values in names.items()}
    assert set(encoded.refs) == set(by_ref)
    for ref, keys in zip(encoded.refs, encoded.blocks, strict=True):
        possible = {
            k
            for v in by_ref[ref]
            for row in person_rows([v])
            for k in pprl_blocking.row_keys(bkey, row)
        }
        assert {k for k in keys if k[0] == "n"} <= possible, (reader.username, collection)


NOTICE_KEYS = {"reference", "kind", "what", "holder", "contact", "time", "message"}


def check_notify(node, world, reader, path, collection: str, persons: set[str]) -> None:
    """The file matched against a partner's copy of itself (every person
    pairs with itself): notices about exactly the persons encoded, each
    with nothing but the notice's fields."""
    partner = next((o for o in world["orgs"] if o != reader.org), None)
    if partner is None:
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0])
    theirs = path.with_name(path.stem + "-partner.clk")
    theirs.write_text(json.dumps(dict(header, org=partner)) + "\n" + "".join(lines[1:]))
    result = pprl.match(path, theirs)
    got = pprl_notify.notify(node, reader, result, collections=[collection])
    assert {n["own_entity_id"] for n in got["notices"]} == persons, (reader.username, collection)
    for n in got["notices"]:
        assert set(n) == NOTICE_KEYS | {"own_entity_id"} and n["holder"] == partner
