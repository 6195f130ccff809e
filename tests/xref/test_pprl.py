"""Privacy-preserving matching (gugus.xref.pprl): encode, match, resolve, on
both backends; the file format's bad input; the secret file's errors."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from pprl_world import MX, build
from sqlalchemy import select

from gugus.errors import InvalidInput, NotFound
from gugus.store.tables import audit_log
from gugus.xref import clkfile, pprl
from gugus.xref.pprl_encoding import (
    MIN_SECRET_BYTES,
    Secret,
    encode_rows,
    person_rows,
    read_secret,
)

SECRET = Secret(b"shared by MX and US, 32+ bytes, out of band")
OTHER = Secret(b"another partnership's secret, also 32+ bytes")


@pytest.fixture
def world(node):
    build(node)
    return node


def write(encoded, path: Path) -> Path:
    path.write_text("".join(encoded.lines()), encoding="utf-8")
    return path


def encode_to(node, user, coll, path, secret=SECRET, **kw) -> Path:
    return write(pprl.encode(node, node.reader(user), coll, secret, **kw), path)


def by_ref(path: Path) -> dict[str, list[str]]:
    f = clkfile.read(path)
    out: dict[str, list[str]] = {}
    for ref, clk in zip(f.refs, f.clks, strict=True):
        out.setdefault(ref, []).append(clk.to01())
    return out


def refs_of(node, secret, entity_ids) -> dict[str, str]:
    """Entity id → reference, computed as the holder would."""
    check = clkfile_fingerprint(secret)
    key = pprl.reference_key(node)
    return {e: pprl.reference(key, check, e) for e in entity_ids}


def clkfile_fingerprint(secret) -> str:
    from gugus.xref.pprl_encoding import fingerprint, schema_dict, schema_hash

    return fingerprint(secret, schema_hash(schema_dict()))


def stored_id(node, coll, bare) -> str:
    with node.db.reader.connect() as conn:
        from gugus.store.tables import statements

        rows = conn.execute(select(statements.c.entity_id).distinct()).scalars().all()
    return next(r for r in rows if r.startswith(bare + "."))


# -- round trip ------------------------------------------------------------------
def test_round_trip_finds_the_right_pairs(world, tmp_path):
    mx = encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk")
    us = encode_to(world, "us", "us-cases", tmp_path / "us.clk")
    result = pprl.match(mx, us)
    assert result["fingerprint"] == clkfile_fingerprint(SECRET)
    assert result["left"]["org"] == "MXFGR" and result["right"]["org"] == "USHSI"
    left = pprl.resolve(
        world, world.reader("mx"), "mx-casos", SECRET, [p["left"] for p in result["pairs"]]
    )
    right = pprl.resolve(
        world, world.reader("us"), "us-cases", SECRET, [p["right"] for p in result["pairs"]]
    )
    pairs = {
        (left[p["left"]].split(".")[0], right[p["right"]].split(".")[0]) for p in result["pairs"]
    }
    assert pairs == {("p-jose", "s-1"), ("p-maria", "s-2")}
    assert all(pprl.DEFAULT_THRESHOLD <= p["similarity"] <= 1 for p in result["pairs"])
    # The product carries the most restrictive marking of both files.
    assert result["marking"]["tlp"] == "amber"
    assert result["marking"]["release_to"] == ["MXFGR"]  # p-rosa's date is MX-only


def test_file_holds_no_raw_identifier(world, tmp_path):
    """No identifier in the file's text, nor in its Bloom filters' bytes.
    The opaque fields — the references (r + 32 hex), the filters (base64),
    the fingerprint (32 hex) and schema hash (64 hex) — are checked for their form
    and left out of the text search: random hex holds "1980" now and then
    (it did in 1 run of ~100), which says nothing of the data."""
    path = encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    header, records = lines[0], lines[1:]
    assert set(header) == clkfile._HEADER_KEYS
    assert header["persons"] == 3 and header["records"] == 3 == len(records)
    filters = []
    for field, digits in (("fingerprint", 32), ("schema_hash", 64)):
        assert re.fullmatch(f"[0-9a-f]{{{digits}}}", header[field]), field
        header[field] = ""
    for record in records:
        assert set(record) == {"ref", "clk"}
        assert re.fullmatch(r"r[0-9a-f]{32}", record.pop("ref"))
        filters.append(base64.b64decode(record.pop("clk"), validate=True))
    text = json.dumps(lines, ensure_ascii=False).lower()
    words = {"1980", "5512345678", "mx-casos", "perez", "pérez"}
    for entity in MX:
        words.add(entity["id"])
        for values in entity["properties"].values():
            for value in values:
                words.update(w for w in value.lower().replace(",", " ").split() if len(w) > 3)
    for word in words:
        assert word not in text, word
        assert not any(word.encode() in bits for bits in filters), word


def test_references_are_stable_and_keyed(world, tmp_path):
    a = by_ref(encode_to(world, "mx", "mx-casos", tmp_path / "a.clk"))
    b = by_ref(encode_to(world, "mx", "mx-casos", tmp_path / "b.clk"))
    assert a == b  # the same record, the same reference and bits, every time
    c = by_ref(encode_to(world, "mx", "mx-casos", tmp_path / "c.clk", secret=OTHER))
    assert not set(a) & set(c)  # another partnership: unrelated references
    assert set(a) == set(
        refs_of(
            world,
            SECRET,
            [stored_id(world, "mx-casos", p) for p in ("p-jose", "p-maria", "p-rosa")],
        ).values()
    )


def test_several_names_give_several_records_under_one_reference(world, tmp_path):
    from gugus.ingest import ftm

    line = {
        "id": "p-lupe",
        "schema": "Person",
        "properties": {
            "name": ["Guadalupe Torres Ruiz", "GUADALUPE TORRES RUIZ", "Lupe Torres"],
            "alias": ["La Güera"],
            "birthDate": ["1992-05-05"],
        },
    }
    ftm.load_lines(world, "mx-casos", [json.dumps(line)], source="test")
    lines = by_ref(encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk"))
    ref = refs_of(world, SECRET, [stored_id(world, "mx-casos", "p-lupe")])
    clks = lines[next(iter(ref.values()))]
    want = [
        encode_rows(person_rows([n], ["1992-05-05"]), SECRET)[0].to01()
        for n in ("Guadalupe Torres Ruiz", "Lupe Torres", "La Güera")
    ]
    assert sorted(clks) == sorted(want)  # one per distinct name, the same reference
    rows = person_rows(["José Pérez", "JOSE PEREZ", "Pepe Pérez"], ["1980-02-03"])
    assert [r[0] for r in rows] == ["jose perez", "pepe perez"]
    assert person_rows([], ["1980-02-03"]) == []


def test_normalisation_meets_spanish_and_english_variants():
    def same(a, b):
        return person_rows([a])[0][0] == person_rows([b])[0][0]

    assert same("Dr. José Luis PÉREZ de la Cruz", "Cruz Pérez, José Luis")
    assert same("María O'Brien-Núñez", "maria obrien nunez")
    assert same("Lic. Ana y García", "ANA GARCIA")
    assert person_rows(["x"], phones=["+52 1 55 1234 5678"])[0][2] == "5512345678"
    assert person_rows(["x"], phones=["+52"])[0][2] == ""  # too short to be a phone
    assert person_rows(["x"], ["1980", "1980-02-03"])[0][1] == "19800203"  # the precise one


# -- the secret and its check value ----------------------------------------------
def test_wrong_secret_is_refused_by_fingerprint(world, tmp_path):
    mx = encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk")
    us = encode_to(world, "us", "us-cases", tmp_path / "us.clk", secret=OTHER)
    with pytest.raises(InvalidInput, match="not encoded with the same secret"):
        pprl.match(mx, us)


def test_forged_fingerprint_finds_nothing(world, tmp_path):
    """A file whose header claims the right check value but whose CLKs were
    made under another secret matches nothing: the check value only spares
    the partners a silent empty result, it protects nothing."""
    mx = encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk")
    us = encode_to(world, "us", "us-cases", tmp_path / "us.clk", secret=OTHER)
    lines = us.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["fingerprint"] = json.loads(mx.read_text().splitlines()[0])["fingerprint"]
    us.write_text(clkfile.header_line(header) + "".join(lines[1:]))
    assert pprl.match(mx, us)["pairs"] == []


def test_fingerprint_reveals_no_secret(world, tmp_path):
    text = encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk").read_bytes()
    assert SECRET.reveal() not in text
    assert base64.b64encode(SECRET.reveal()) not in text
    assert "hidden" in repr(SECRET) and SECRET.reveal().decode() not in repr(SECRET)


# -- visibility ------------------------------------------------------------------
def test_hidden_values_are_never_encoded(world, tmp_path):
    """us may not see p-juan's RED name nor p-rosa's MX-only date: no CLK for
    p-juan (no visible name), and p-rosa's CLK is made from her name alone.
    us_red, named on the RED name, gets p-juan only when RED is asked for."""
    key = refs_of(
        world,
        SECRET,
        [stored_id(world, "mx-casos", p) for p in ("p-jose", "p-maria", "p-juan", "p-rosa")],
    )
    ref = {k.split(".")[0]: v for k, v in key.items()}
    mx = by_ref(encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk", include_red=True))
    us = by_ref(encode_to(world, "us", "mx-casos", tmp_path / "us.clk", include_red=True))
    red = by_ref(encode_to(world, "us_red", "mx-casos", tmp_path / "red.clk", include_red=True))
    red_default = by_ref(encode_to(world, "us_red", "mx-casos", tmp_path / "red0.clk"))
    assert set(mx) == {ref[p] for p in ("p-jose", "p-maria", "p-juan", "p-rosa")}
    assert set(us) == {ref[p] for p in ("p-jose", "p-maria", "p-rosa")}
    assert set(red) == {ref[p] for p in ("p-jose", "p-maria", "p-juan", "p-rosa")}
    assert ref["p-juan"] not in red_default  # RED left out unless asked for
    # p-rosa: us's CLK is her visible name only; mx's also has her date.
    name_only = encode_rows(person_rows(["Rosa Elena Díaz"]), SECRET)[0].to01()
    with_date = encode_rows(person_rows(["Rosa Elena Díaz"], ["1988-04-21"]), SECRET)[0].to01()
    assert us[ref["p-rosa"]] == [name_only]
    assert mx[ref["p-rosa"]] == [with_date]
    # us_red, named on the RED name, gets p-juan's name and date.
    assert red[ref["p-juan"]] == [
        encode_rows(person_rows(["Juan Carlos Ramírez Ortega"], ["1977-11-30"]), SECRET)[0].to01()
    ]


def test_for_partner_encodes_only_what_is_released_to_it(world, tmp_path):
    encoded = pprl.encode(world, world.reader("mx"), "mx-casos", SECRET, for_org="USHSI")
    assert encoded.summary["values_not_released_to_partner"] == 1  # p-rosa's date
    assert encoded.summary["marking"]["release_to"] == ["USHSI"]  # so the file may go there
    with pytest.raises(InvalidInput, match="--for: unknown organisation"):
        pprl.encode(world, world.reader("mx"), "mx-casos", SECRET, for_org="NOPE")


def test_invisible_collection_answers_like_a_missing_one(world):
    from gugus import admin

    admin.add_collection(world, "mx-internal", "MXFGR", "amber", [])
    for name in ("mx-internal", "no-such"):
        with pytest.raises(NotFound) as exc:
            pprl.encode(world, world.reader("us"), name, SECRET)
        assert str(exc.value) == f"collection {name!r} not found"
        with pytest.raises(NotFound):
            pprl.resolve(world, world.reader("us"), name, SECRET, ["r" + "0" * 32])


def test_resolve_finds_only_own_visible_records(world, tmp_path):
    mx = by_ref(encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk", include_red=True))
    # Resolve maps references to the persons the reader may see in the
    # collection (us sees p-juan's date, so p-juan), under the same secret only.
    found = pprl.resolve(world, world.reader("us"), "mx-casos", SECRET, list(mx))
    assert {v.split(".")[0] for v in found.values()} == {"p-jose", "p-maria", "p-juan", "p-rosa"}
    assert pprl.resolve(world, world.reader("mx"), "mx-casos", OTHER, list(mx)) == {}
    assert pprl.resolve(world, world.reader("mx"), "us-cases", SECRET, list(mx)) == {}


def test_encode_is_audited_with_the_markings_it_used(world, tmp_path):
    encode_to(world, "us", "mx-casos", tmp_path / "us.clk", purpose="JTF case 7")
    with world.db.audit_reader.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == "pprl.encode")).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.username == "us" and row.purpose == "JTF case 7"
    assert json.loads(row.object_ids) == ["collection:mx-casos"]
    detail = json.loads(row.detail)
    assert detail["persons"] == 3 and detail["fingerprint"] == clkfile_fingerprint(SECRET)
    assert json.loads(row.markings)  # the stored markings of the values encoded


def test_empty_and_nameless_collections(world, tmp_path):
    from gugus import admin

    admin.add_collection(world, "mx-empty", "MXFGR", "green", [])
    path = encode_to(world, "mx", "mx-empty", tmp_path / "e.clk")
    f = clkfile.read(path)
    assert f.refs == [] and f.header["persons"] == 0 and f.marking.tlp.value == "green"
    us = encode_to(world, "us", "us-cases", tmp_path / "us.clk")
    assert pprl.match(path, us)["pairs"] == []


def test_hit_candidates_seam(world, tmp_path):
    mx = encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk")
    us = encode_to(world, "us", "us-cases", tmp_path / "us.clk")
    result = pprl.match(mx, us)
    hits = pprl.hit_candidates(result, "USHSI")
    assert {h["holder_org"] for h in hits} == {"MXFGR"}
    assert {h["reference"] for h in hits} == {p["left"] for p in result["pairs"]}
    assert all(h["kind"] == "person" and "name" not in h for h in hits)
    with pytest.raises(InvalidInput):
        pprl.hit_candidates(result, "GTPNC")


def test_threshold_bounds(world, tmp_path):
    mx = encode_to(world, "mx", "mx-casos", tmp_path / "mx.clk")
    for bad in (0.1, 1.5, -1):
        with pytest.raises(InvalidInput, match="--threshold"):
            pprl.match(mx, mx, bad)
    # A file against itself: every person pairs with itself.
    assert len(pprl.match(mx, mx, 0.99)["pairs"]) == 3


# -- malformed files -------------------------------------------------------------
def _good_lines(tmp_path) -> list[str]:
    rows = person_rows(["Ana Cruz"]) + person_rows(["Juan Reyes"], ["1970-01-01"])
    clks = encode_rows(rows, SECRET)
    from gugus.xref.pprl_encoding import fingerprint, schema_dict, schema_hash

    schema = schema_dict()
    header = {
        "format": "gugus-pprl-clk",
        "version": 1,
        "org": "MXFGR",
        "created": "2026-12-06T00:00:00.000000Z",
        "schema": schema,
        "schema_hash": schema_hash(schema),
        "fingerprint": fingerprint(SECRET, schema_hash(schema)),
        "persons": 2,
        "records": 2,
        "marking": {"tlp": "amber", "originator": "MXFGR"},
    }
    return [
        clkfile.header_line(header),
        *clkfile.record_lines(["r" + "a" * 32, "r" + "b" * 32], clks),
    ]


def _edit_header(lines, **changes):
    header = json.loads(lines[0])
    header.update(changes)
    return [json.dumps(header) + "\n", *lines[1:]]


MALFORMED = {
    "empty": (lambda ls: [], ":1: empty"),
    "not json": (lambda ls: ["{nope\n", *ls[1:]], ":1: not JSON"),
    "nested too deep": (lambda ls: ["[" * 100000 + "\n", *ls[1:]], ":1: not JSON"),
    "nested past the limit": (lambda ls: ["[" * 40 + "]" * 40 + "\n", *ls[1:]], ":1: "),
    "not a clk file": (lambda ls: ['{"format": "ftm"}\n', *ls[1:]], ":1: not a gugus CLK file"),
    "version": (lambda ls: _edit_header(ls, version=9), ":1: version"),
    "missing key": (
        lambda ls: [
            json.dumps({k: v for k, v in json.loads(ls[0]).items() if k != "marking"}) + "\n",
            *ls[1:],
        ],
        ":1: header lacks marking",
    ),
    "schema edited": (
        lambda ls: _edit_header(ls, schema={**json.loads(ls[0])["schema"], "version": 2}),
        ":1: schema_hash does not match",
    ),
    "bad fingerprint": (lambda ls: _edit_header(ls, fingerprint="XYZ"), ":1: fingerprint"),
    "bad count": (lambda ls: _edit_header(ls, records="2"), ":1: records"),
    "bad marking": (lambda ls: _edit_header(ls, marking={"tlp": "pink"}), ":1: marking.tlp"),
    "bad record": (lambda ls: [*ls[:2], "[1, 2]\n"], ":3: expected"),
    "bad ref": (
        lambda ls: [*ls[:2], json.dumps({"ref": "p-jose", "clk": json.loads(ls[2])["clk"]}) + "\n"],
        ":3: ref",
    ),
    "bad base64": (
        lambda ls: [*ls[:2], json.dumps({"ref": "r" + "b" * 32, "clk": "@@@"}) + "\n"],
        ":3: clk",
    ),
    "short clk": (
        lambda ls: [
            *ls[:2],
            json.dumps({"ref": "r" + "b" * 32, "clk": base64.b64encode(b"xy").decode()}) + "\n",
        ],
        ":3: clk: expected base64 of 128 bytes",
    ),
    "truncated": (lambda ls: ls[:2], "announces 2 records, the file has 1"),
    "persons": (lambda ls: _edit_header(ls, persons=5), "announces 5 persons"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_name_file_and_line(case, tmp_path):
    edit, message = MALFORMED[case]
    path = tmp_path / "bad.clk"
    path.write_text("".join(edit(_good_lines(tmp_path))), encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        clkfile.read(path)
    assert str(path) in exc.value.message and message in exc.value.message, exc.value.message


def test_good_file_reads_and_other_file_errors(tmp_path):
    path = tmp_path / "good.clk"
    path.write_text("".join(_good_lines(tmp_path)), encoding="utf-8")
    assert len(clkfile.read(path).clks) == 2
    binary = tmp_path / "bin.clk"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for target, message in (
        (tmp_path / "none.clk", "not found"),
        (tmp_path, "is a directory"),
        (binary, "not UTF-8"),
    ):
        with pytest.raises(InvalidInput, match=message):
            clkfile.read(target)


# -- the secret file -------------------------------------------------------------
def test_secret_file_errors_name_the_file_never_the_secret(tmp_path):
    short = tmp_path / "short.key"
    short.write_bytes(b"hunter2-is-short\n")
    huge = tmp_path / "huge.key"
    huge.write_bytes(b"z" * 5000)
    plain = tmp_path / "plain.key"
    plain.write_text("x")
    cases = [
        (tmp_path / "missing.key", "not found"),
        (tmp_path, "is a directory"),
        (short, f"shorter than {MIN_SECRET_BYTES} bytes"),
        (huge, "longer than"),
        (plain / "below", "cannot be read"),
    ]
    for path, message in cases:
        with pytest.raises(InvalidInput) as exc:
            read_secret(path)
        assert exc.value.message.startswith(f"secret file {path}: ")
        assert message in exc.value.message
        assert "hunter2" not in exc.value.message
    good = tmp_path / "good.key"
    good.write_bytes(b"a" * 40 + b"\r\n")
    assert read_secret(good).reveal() == b"a" * 40  # line breaks at the end dropped


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_secret_file(tmp_path):
    path = tmp_path / "locked.key"
    path.write_bytes(b"s" * 40)
    path.chmod(0)
    with pytest.raises(InvalidInput, match="permission denied"):
        read_secret(path)
