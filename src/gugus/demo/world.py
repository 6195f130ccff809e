"""A seeded, believable task-force world with ground truth, written as files.

``generate(out_dir, seed=1, people=300)`` writes

* ``world.json`` — organisations, users, collections (with default markings);
* ``collections/<name>.jsonl`` — FollowTheMoney entities, one per line, some
  carrying a stricter per-line ``marking`` (victims, minors);
* ``truth/identities.jsonl`` — which entities are the same real person;
* ``truth/networks.jsonl`` — the planted trafficking networks.

Generation streams: people are produced in small units (one background person,
a travelling family, or one network with its victims and the unrelated payers
of its funnel account), written out and forgotten, so memory stays bounded at
any size. Output is a pure function of ``seed`` and ``people``; nothing
depends on the clock (the reference date is fixed: 2021-06-08).

Run ``python -m gugus.demo.world OUT_DIR --seed 1 --people 300``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import time
from contextlib import ExitStack
from pathlib import Path
from random import Random

import orjson

from gugus.demo import names as N
from gugus.demo.agencies import (
    CBP,
    COLLECTIONS,
    DIF,
    FGR,
    HSI,
    INM,
    MINOR,
    REFERENCE_DATE,
    TLP_ORDER,
    UIF,
    collection_entries,
    manifest_head,
)
from gugus.demo.networks import NetworkMixin
from gugus.demo.records import ADULT_BIRTH_BEFORE, Person, RecordsMixin, iso, props
from gugus.workers import process_pool

__all__ = ["ADULT_BIRTH_BEFORE", "REFERENCE_DATE", "TLP_ORDER", "generate", "main"]

_MASK = (1 << 64) - 1
CHUNK = 25_000  # people per independently seeded part; parts may run in parallel
_PORT_KEYS = list(N.PORTS)
_PORTS_OF = {  # ports of entry each border agency records crossings at
    INM: list(dict.fromkeys(k for pair in N.SOUTH_ENTRY.values() for k in pair)),
    CBP: list(dict.fromkeys(k for pair in N.CROSSINGS for k in pair)),
}
_BUFFER = 1 << 18  # write buffer per output file


class World(RecordsMixin, NetworkMixin):
    """One part of a world: its random stream, its output files and counters."""

    iso = staticmethod(iso)
    props = staticmethod(props)

    def __init__(
        self,
        out_dir: Path,
        seed: int,
        people: int,
        chunk: int = 0,
        first: int = 0,
        nets_before: int = 0,
    ):
        """Part ``chunk`` of a world: ``people`` persons numbered after ``first``.

        Part 0 creates the output files, later parts written to the same
        directory append to them (``nets_before`` numbers their networks on).
        """
        self.rng = Random(seed if chunk == 0 else f"{seed}/{chunk}")
        self.rnd = self.rng.random
        self.seed, self.people, self.chunk, self.first = seed, people, chunk, first
        self.n = 0  # persons created so far
        self.nets = 0  # networks planted so far
        self.nets_before = nets_before
        (out_dir / "collections").mkdir(parents=True, exist_ok=True)
        (out_dir / "truth").mkdir(parents=True, exist_ok=True)
        self.stack = ExitStack()  # the open output files, closed by close()

        def out(name: str):
            mode = "ab" if chunk else "wb"
            return self.stack.enter_context(open(out_dir / name, mode, buffering=_BUFFER))

        self.files = {c: out(f"collections/{c}.jsonl") for c in COLLECTIONS}
        self.truth = out("truth/identities.jsonl")
        self.netf = out("truth/networks.jsonl")
        self.count = dict.fromkeys(COLLECTIONS, 0)  # entities written
        self.stmts = dict.fromkeys(COLLECTIONS, 0)  # property values written
        self.seq = dict.fromkeys(COLLECTIONS, (chunk + 1) << 40)  # ids handed out
        # ids: a per-collection prefix and an affine permutation of the sequence number —
        # stable, unique within the collection (chunks use disjoint ranges, ports the
        # numbers below 2**40), unrelated across collections
        self.idkey = {}
        for c in COLLECTIONS:
            h = hashlib.sha256(f"{seed}:{c}".encode()).digest()
            mul = int.from_bytes(h[4:12], "big") | 1
            self.idkey[c] = (h[:4].hex(), mul, int.from_bytes(h[12:20], "big"))
        self.ports = {
            (c, k): self.make_id(c, 1 + _PORT_KEYS.index(k))
            for c in _PORTS_OF
            for k in _PORTS_OF[c]
        }
        if chunk == 0 and people > 0:  # reference entities, written once per world
            for (c, key), eid in self.ports.items():
                label, city, country = N.PORTS[key]
                self.emit(
                    c,
                    "Address",
                    {
                        "name": [label],
                        "full": [f"{label}, {city}"],
                        "city": [city.split(",")[0]],
                        "country": [country],
                    },
                    eid=eid,
                )

    # -- output -------------------------------------------------------------------
    def make_id(self, c: str, n: int) -> str:
        prefix, mul, add = self.idkey[c]
        return f"{prefix}{(n * mul + add) & _MASK:016x}"

    def new_id(self, c: str) -> str:
        n = self.seq[c] = self.seq[c] + 1
        prefix, mul, add = self.idkey[c]
        return f"{prefix}{(n * mul + add) & _MASK:016x}"

    def emit(self, c: str, schema: str, properties: dict, marking=None, eid=None) -> str:
        eid = eid or self.new_id(c)
        obj = {"id": eid, "schema": schema, "properties": properties}
        if marking:
            obj["marking"] = marking
        self.files[c].write(orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE))
        self.count[c] += 1
        self.stmts[c] += sum(map(len, properties.values()))
        return eid

    def close(self) -> None:
        self.stack.close()

    def done(self, *persons: Person) -> None:
        for p in persons:
            ents = [[c, i] for c, i in p.ids.items()]
            line = {"person": p.pid, "entities": ents}
            self.truth.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))

    # -- background: most people are not in any network -------------------------------
    def background(self, funnel: dict | None = None) -> None:
        rnd = self.rnd
        if funnel:  # an unrelated payer into a network's funnel account
            nat = "us" if rnd() < 0.5 else "mx"
        else:
            x = rnd()
            nat = (
                "gt"
                if x < 0.2
                else "hn"
                if x < 0.35
                else "sv"
                if x < 0.45
                else ("mx" if x < 0.75 else "us")
            )
        ca = nat in ("gt", "hn", "sv")
        res = nat
        if ca and rnd() < 0.5:
            res = "mx" if rnd() < 0.6 else "us"
        elif nat == "mx" and rnd() < 0.15:
            res = "us"
        minor = not funnel and rnd() < (0.12 if ca else 0.08)
        p = self.person(nat, res, (13, 17.9) if minor else (18.2, 70))
        if res == "us" and nat != "us" and rnd() < 0.6:
            p.anum = "A" + N.digits(self.rng, 9)
        inm = rnd() < (0.75 if ca else 0.06 if nat == "mx" else 0.0)
        want = {
            INM: inm,
            FGR: rnd() < (0.12 if nat == "mx" else 0.03),
            DIF: minor and inm and rnd() < 0.3,
            UIF: (nat == "mx" and not minor and rnd() < 0.45) or (funnel and res != "us"),
            HSI: rnd() < (0.12 if nat == "us" else 0.03) or (funnel and res == "us"),
            CBP: rnd() < (0.35 if ca else 0.25 if nat == "mx" else 0.55),
        }
        if not any(want.values()):
            want[INM if ca else CBP if nat == "us" else FGR] = True
        for c, style in (
            (INM, "mx"),
            (FGR, "mx"),
            (DIF, "mx"),
            (UIF, "uif"),
            (HSI, "us"),
            (CBP, "cbp"),
        ):
            if not want[c]:
                continue
            self.record(c, p, style)
            m = MINOR[c] if minor else None
            if c != UIF and c != HSI and rnd() < 0.5:
                self.document(c, p, m)
            if c == INM and ca:
                self.trip(c, [p], *N.SOUTH_ENTRY[nat], self.date(), m)
            elif c == CBP:
                note = (
                    "Encountered between ports of entry"
                    if ca and rnd() < 0.6
                    else "Inspected at port of entry"
                )
                self.trip(c, [p], *self.pick(N.CROSSINGS), self.date(), m, note)
            elif c == UIF and not minor:
                acct, _ = self.account(c, "mx", p.ids[c])
                for _ in range(int(rnd() * 3)):
                    other, _ = self.account(c, "mx" if rnd() < 0.7 else "us")
                    self.pay(
                        c,
                        p.ids[c],
                        None,
                        500 + rnd() * 29500,
                        "MXN",
                        self.date(),
                        "Transferencia SPEI",
                        acct,
                        other,
                    )
        if funnel:
            for c in (UIF, HSI):
                if c in p.ids and c in funnel:
                    acct, company = funnel[c]
                    for _ in range(1 + int(rnd() * 3)):
                        self.pay(
                            c,
                            p.ids[c],
                            company,
                            300 + rnd() * 2500,
                            "USD",
                            self.date(funnel["t0"], funnel["t0"] + 200),
                            self.pick(
                                (
                                    "Apoyo familiar",
                                    "Family support",
                                    "Pago de servicios",
                                    "Envío de dinero",
                                )
                            ),
                            beneficiary_acct=acct,
                        )
        self.done(p)

    def family(self) -> None:
        """A migrant parent travelling with children: legitimate, but full of minors."""
        rnd = self.rnd
        nat = self.pick(("gt", "gt", "hn", "hn", "sv"))
        head = self.person(nat, age=(22, 45))
        kids = []
        for _ in range(min(1 + int(rnd() * 3), self.people - self.n)):
            kid = self.person(
                nat, age=(1, 17.9), place=head.place, s1=None if head.female else head.s1
            )
            kid.addr = head.addr
            if head.female:
                kid.s2 = head.s1
            kids.append(kid)
        group = [head, *kids]
        inm, cbp = rnd() < 0.8, rnd() < 0.45
        for c, style, on in ((INM, "mx", inm or not cbp), (CBP, "cbp", cbp)):
            if not on:
                continue
            for p in group:
                self.record(c, p, style)
            m = MINOR[c]
            for k in kids:
                self.emit(
                    c,
                    "Family",
                    {
                        "person": [head.ids[c]],
                        "relative": [k.ids[c]],
                        "relationship": ["madre" if head.female else "padre"],
                    },
                    m,
                )
            if c == INM:
                self.trip(c, group, *N.SOUTH_ENTRY[nat], self.date(), m)
            else:
                self.trip(
                    c,
                    group,
                    *self.pick(N.CROSSINGS),
                    self.date(),
                    m,
                    "Family unit encountered between ports of entry",
                )
        self.done(*group)

    def run(self) -> None:
        rnd = self.rnd
        while self.n < self.people:
            left = self.people - self.n
            u = rnd()
            if left >= 10 and (u < 0.02 or (self.nets == 0 and self.people >= 20)):
                self.network()
            elif left >= 2 and u < 0.06:
                self.family()
            else:
                self.background()


def _part(
    out: str, seed: int, chunk: int, first: int, size: int, nets_before: int = 0
) -> tuple[dict, dict, int]:
    world = World(Path(out), seed, size, chunk, first, nets_before)
    try:
        world.run()
    finally:
        world.close()
    return world.count, world.stmts, world.nets


def _merge(out_dir: Path, parts: list[Path]) -> None:
    """Concatenate the parts' files in order; number the networks across parts."""
    for name in [f"collections/{c}.jsonl" for c in COLLECTIONS] + ["truth/identities.jsonl"]:
        with open(out_dir / name, "wb") as dst:
            for part in parts:
                with open(part / name, "rb") as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
    n = 0
    with open(out_dir / "truth" / "networks.jsonl", "wb") as dst:
        for part in parts:
            with open(part / "truth" / "networks.jsonl", "rb") as src:
                for line in src:
                    n += 1
                    net = orjson.loads(line)
                    net["network"] = f"N{n:04d}"
                    dst.write(orjson.dumps(net) + b"\n")


def generate(
    out_dir: Path, *, seed: int = 1, people: int = 300, workers: int | None = None
) -> dict:
    """Write a world of ``people`` true persons to ``out_dir``; return the manifest.

    Worlds larger than :data:`CHUNK` are generated in independently seeded parts,
    in parallel on up to ``workers`` processes (default: one per CPU) whose files
    are then concatenated; the output does not depend on ``workers``.
    """
    if people < 0:
        raise ValueError(f"people must be >= 0, got {people}")
    out_dir = Path(out_dir)
    plan = [(k, k * CHUNK, min(CHUNK, people - k * CHUNK)) for k in range(-(-people // CHUNK))]
    workers = min(workers or os.cpu_count() or 1, len(plan))
    if workers <= 1:  # one part after the other, straight into the output files
        results: list[tuple[dict, dict, int]] = []
        for k, first, size in plan or [(0, 0, 0)]:
            nets = sum(r[2] for r in results)
            results.append(_part(str(out_dir), seed, k, first, size, nets))
    else:
        (out_dir / "collections").mkdir(parents=True, exist_ok=True)
        (out_dir / "truth").mkdir(parents=True, exist_ok=True)
        tmp = out_dir / ".parts"
        shutil.rmtree(tmp, ignore_errors=True)  # leftovers of an interrupted run
        parts = [tmp / f"{k:05d}" for k, _, _ in plan]
        jobs = [
            (str(d), seed, k, first, size) for d, (k, first, size) in zip(parts, plan, strict=True)
        ]
        with process_pool(workers) as pool:
            results = list(pool.map(_part, *zip(*jobs, strict=True)))
        _merge(out_dir, parts)
        shutil.rmtree(tmp)
    count = {c: sum(r[0][c] for r in results) for c in COLLECTIONS}
    stmts = {c: sum(r[1][c] for r in results) for c in COLLECTIONS}
    manifest = manifest_head(seed, people)
    manifest["networks"] = sum(r[2] for r in results)
    manifest["collections"] = collection_entries(count, stmts)
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out_dir / "world.json").write_text(text, encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m gugus.demo.world", description="Write a synthetic task-force world."
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--people", type=int, default=300)
    ap.add_argument("--workers", type=int, default=None, help="processes (default: CPUs)")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    m = generate(args.out_dir, seed=args.seed, people=args.people, workers=args.workers)
    took = time.perf_counter() - t
    ents = sum(c["entities"] for c in m["collections"])
    stmts = sum(c["statements"] for c in m["collections"])
    print(
        f"{args.out_dir}: {m['people']} people, {m['networks']} networks, {ents} entities, "
        f"{stmts} statements in {len(m['collections'])} collections ({took:.1f}s)"
    )


if __name__ == "__main__":
    main()
