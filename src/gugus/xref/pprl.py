"""Privacy-preserving record linkage across borders (DESIGN idea 4).

- :func:`encode` — the persons of a collection that a user may see, as
  Bloom-filter encodings (CLKs, ``clkhash``) under a secret the partners
  share, each under an opaque reference; audited like an export.
- :func:`match` — two CLK files (``anonlink``, greedy solving): likely pairs
  of references with their similarity; no node, no secret needed, so a
  linkage unit that holds neither partner's data nor the secret can run it.
- :func:`resolve` — the holder maps references back to its own records.
- :func:`hit_candidates` — the seam to hit notices (see there).

The file format is :mod:`gugus.xref.clkfile`; normalisation, schema and the
secret are :mod:`gugus.xref.pprl_encoding`; the threat model is docs/pprl.md.
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gugus import clock
from gugus.access import Reader, org_decision
from gugus.audit import AuditEvent
from gugus.errors import InvalidInput, NotFound
from gugus.model.markings import TLP, combine
from gugus.node import Node
from gugus.store import directory
from gugus.store import statements as stmt_sql
from gugus.xref import clkfile, pprl_blocking
from gugus.xref.pprl_encoding import (
    Secret,
    encode_rows,
    fingerprint,
    schema_dict,
    schema_hash,
    select_fields,
)

DEFAULT_THRESHOLD = 0.65  # Sørensen–Dice; FEBRL4 F1 0.997 here (README)
MIN_THRESHOLD = 0.5  # below, candidate pairs grow towards all pairs

NAME_PARTS = ("firstName", "secondName", "middleName", "fatherName", "motherName", "lastName")
USED_PROPS = frozenset({"name", "alias", "birthDate", "phone", "address", *NAME_PARTS})


# -- references ------------------------------------------------------------------
def reference_key(node: Node) -> bytes:
    """The node's key for record references, derived from the node key (a
    partner, who has the shared secret but not this key, cannot compute or
    test references)."""
    raw = node.audit.key.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"gugus-pprl-reference").derive(raw)


def reference(key: bytes, check: str, entity_id: str) -> str:
    """The opaque reference of an entity in files of one secret and schema
    (``check``: their fingerprint): the same for every file of that
    partnership, unrelated across partnerships."""
    message = check.encode() + b"\x00" + entity_id.encode()
    return "r" + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


# -- encode ----------------------------------------------------------------------
@dataclass
class Encoded:
    """An encoded collection: the header and the lines to write."""

    header: dict
    refs: list[str]
    clks: list
    summary: dict = field(default_factory=dict)
    blocks: list[list[str]] | None = None

    def lines(self) -> Iterator[str]:
        yield clkfile.header_line(self.header)
        yield from clkfile.record_lines(self.refs, self.clks, self.blocks)


def encode(
    node: Node,
    reader: Reader,
    collection: str,
    secret: Secret,
    *,
    include_red: bool = False,
    for_org: str | None = None,
    blocking: bool = False,
    purpose: str | None = None,
) -> Encoded:
    """CLKs of the persons of ``collection`` from the values ``reader`` may see.

    TLP:RED values are left out unless ``include_red`` (a file for a partner
    should not carry what only named people may read).  With ``for_org``
    (the partner), only values released to that organisation are encoded, so
    the file may go to it.  With ``blocking``, each CLK also carries its
    blocking keys (:mod:`gugus.xref.pprl_blocking`).  The file's marking is
    the most restrictive of every value encoded (the collection's default
    when nothing was).
    Audited before the result is returned.
    """
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        coll = directory.get_collection(conn, collection)
        if coll is None or not scope.allows(coll.marking_id):
            raise NotFound(f"collection {collection!r} not found")
        if for_org is not None and for_org not in node.org_codes(refresh=True):
            raise InvalidInput(f"--for: unknown organisation {for_org!r}")
        schema = schema_dict()
        digest = schema_hash(schema)
        check = fingerprint(secret, digest)
        key = reference_key(node)
        refs, rows, used = [], [], set()
        counts = {
            "persons": 0,
            "without_name": 0,
            "red_values_left_out": 0,
            "values_not_released_to_partner": 0,
        }
        keep = _Filter(node, conn, include_red, for_org, counts)
        batch: list = []
        for row in stmt_sql.for_collection(conn, scope, coll.id):
            if batch and row.entity_id != batch[-1].entity_id:
                _person(keep, batch, key, check, refs, rows, used, counts)
                batch = []
            batch.append(row)
        if batch:
            _person(keep, batch, key, check, refs, rows, used, counts)
        markings = [node.catalogue.get(conn, mid) for mid in sorted(used)]
        marking = combine(markings) or node.catalogue.get(conn, coll.marking_id)
    node.audit.append(
        AuditEvent(
            "pprl.encode",
            reader.username,
            reader.org,
            [f"collection:{collection}"],
            purpose,
            reader.audit_detail(
                {
                    "persons": counts["persons"],
                    "records": len(rows),
                    "fingerprint": check,
                    "for": for_org,
                    "include_red": include_red,
                    "blocking": blocking,
                }
            ),
            used,
        )
    )
    clks = encode_rows(rows, secret, schema) if rows else []
    header = {
        "format": clkfile.FORMAT,
        "version": clkfile.VERSION,
        "org": reader.org,
        "created": clock.now_iso(),
        "schema": schema,
        "schema_hash": digest,
        "fingerprint": check,
        "persons": counts["persons"],
        "records": len(rows),
        "marking": marking.to_dict(),
    }
    blocks = None
    if blocking:
        header["blocking"] = pprl_blocking.DESCRIPTION
        bkey = pprl_blocking.blocking_key(secret)
        blocks = [pprl_blocking.row_keys(bkey, row) for row in rows]
    summary = dict(counts, records=len(rows), fingerprint=check, marking=marking.to_dict())
    summary["marking_label"] = marking.label()
    summary["blocking"] = blocking
    return Encoded(header, refs, clks, summary, blocks)


class _Filter:
    """Which visible statements go into a CLK: not TLP:RED unless asked, and
    only those released to the partner when there is one."""

    def __init__(self, node, conn, include_red: bool, for_org: str | None, counts) -> None:
        self.node, self.conn, self.counts = node, conn, counts
        self.include_red, self.for_org = include_red, for_org
        self._decided: dict[int, str | None] = {}

    def __call__(self, marking_id: int) -> bool:
        if marking_id not in self._decided:
            marking = self.node.catalogue.get(self.conn, marking_id)
            why = None
            if marking.tlp is TLP.RED and not self.include_red:
                why = "red_values_left_out"
            elif self.for_org and not org_decision(self.for_org, marking).allowed:
                why = "values_not_released_to_partner"
            self._decided[marking_id] = why
        why = self._decided[marking_id]
        if why:
            self.counts[why] += 1
        return why is None


def _person(keep: _Filter, batch, key, check, refs, rows, used, counts) -> None:
    if not any(r.schema == "Person" for r in batch):
        return
    values: dict[str, list[tuple[str, int]]] = {}
    for r in batch:
        if r.prop in USED_PROPS and keep(r.marking_id):
            values.setdefault(r.prop, []).append((r.value, r.marking_id))
    names = values.get("name", []) + _composed(values) + values.get("alias", [])
    person_rows, tags = select_fields(
        names, values.get("birthDate", []), values.get("phone", []), values.get("address", [])
    )
    if not person_rows:
        counts["without_name"] += 1
        return
    counts["persons"] += 1
    ref = reference(key, check, batch[0].entity_id)
    for person_row in person_rows:
        refs.append(ref)
        rows.append(person_row)
    for tag in tags:  # a composed name carries a tuple of its parts' marking ids
        used.update(tag if isinstance(tag, tuple) else (tag,))


def _composed(values: dict) -> list[tuple[str, tuple]]:
    """A name from its parts (firstName … lastName), when the record has them."""
    parts = [min(values[p]) for p in NAME_PARTS if values.get(p)]
    if not parts:
        return []
    return [(" ".join(v for v, _ in parts), tuple(m for _, m in parts))]


# -- match -----------------------------------------------------------------------
def match(
    left: str | Path,
    right: str | Path,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    blocking: bool = True,
) -> dict:
    """Likely pairs of references between two CLK files.

    When both files carry blocking keys (and ``blocking``), only CLKs that
    share a key are compared; otherwise every pair is (``"blocking"`` in
    the result says which, and why not).

    Refused when the files were not made with the same schema and secret
    (their check values differ): CLKs under different secrets never match,
    so comparing them would only look like "no match"."""
    if not MIN_THRESHOLD <= threshold <= 1.0:
        raise InvalidInput(
            f"--threshold: {threshold} is outside {MIN_THRESHOLD}–1.0 (Sørensen–Dice similarity)"
        )
    a, b = clkfile.read(left), clkfile.read(right)
    if a.schema_hash != b.schema_hash:
        raise InvalidInput(
            f"{a.path} and {b.path} use different encoding schemas (gugus versions?): "
            "nothing to compare"
        )
    if a.fingerprint != b.fingerprint:
        raise InvalidInput(
            f"{a.path} and {b.path} were not encoded with the same secret "
            "(their check values differ): nothing to compare"
        )
    use = blocking and a.blocks is not None and b.blocks is not None
    if use:
        how = "blocked: " + " or ".join(pprl_blocking.DESCRIPTION["keys"])
    elif not blocking:
        how = "all pairs (blocking turned off)"
    elif a.blocks is None and b.blocks is None:
        how = "all pairs (no blocking keys in the files)"
    else:
        how = "all pairs (only one file has blocking keys)"
    pairs = _solve(a, b, threshold, use)
    return {
        "fingerprint": a.fingerprint,
        "threshold": threshold,
        "solving": "greedy",
        "blocking": how,
        "left": _side(a),
        "right": _side(b),
        "marking": combine([a.marking, b.marking]).to_dict(),
        "pairs": pairs,
    }


def _side(f: clkfile.ClkFile) -> dict:
    return {
        "file": Path(f.path).name,
        "org": f.org,
        "persons": f.header["persons"],
        "records": f.header["records"],
        "marking": f.marking.to_dict(),
    }


def _solve(a: clkfile.ClkFile, b: clkfile.ClkFile, threshold: float, blocked: bool) -> list[dict]:
    if not a.clks or not b.clks:
        return []
    with warnings.catch_warnings():
        # anonlink 0.15 declares its types with mypy_extensions.TypedDict (deprecated).
        warnings.filterwarnings("ignore", "mypy_extensions.TypedDict", DeprecationWarning)
        from anonlink.candidate_generation import find_candidate_pairs
        from anonlink.similarities import dice_coefficient
        from anonlink.solving import greedy_solve

    if blocked:
        candidates = pprl_blocking.candidates([a.clks, b.clks], [a.blocks, b.blocks], threshold)
    else:
        candidates = find_candidate_pairs([a.clks, b.clks], dice_coefficient, threshold)
    sims = {}
    values, (datasets_1, datasets_2), (records_1, records_2) = candidates
    for sim, ds1, ds2, i1, i2 in zip(
        values, datasets_1, datasets_2, records_1, records_2, strict=True
    ):
        sims[(int(ds1), int(i1)), (int(ds2), int(i2))] = float(sim)
    best: dict[tuple[str, str], float] = {}
    for group in greedy_solve(candidates):
        (d1, i1), (d2, i2) = sorted(group)
        sim = sims.get(((d1, i1), (d2, i2)))
        if sim is None or d1 == d2:  # cannot happen: two datasets, pairs only
            continue
        key = (a.refs[i1], b.refs[i2])
        best[key] = max(best.get(key, 0.0), sim)
    pairs = [
        {"left": left, "right": right, "similarity": round(sim, 4)}
        for (left, right), sim in best.items()
    ]
    pairs.sort(key=lambda p: (-p["similarity"], p["left"], p["right"]))
    return pairs


# -- back to the records ---------------------------------------------------------
def resolve(
    node: Node,
    reader: Reader,
    collection: str,
    secret: Secret,
    refs: list[str],
    *,
    purpose: str | None = None,
) -> dict[str, str]:
    """Which of the reader's visible persons in ``collection`` the references
    name (those of another node, another secret or an invisible record are
    simply not found).  Audited when anything was found."""
    scope = node.scope(reader)
    check = fingerprint(secret, schema_hash(schema_dict()))
    with node.db.reader.connect() as conn:
        coll = directory.get_collection(conn, collection)
        if coll is None or not scope.allows(coll.marking_id):
            raise NotFound(f"collection {collection!r} not found")
        found, used = find_refs(conn, scope, [coll.id], reference_key(node), check, set(refs))
    if found:
        node.audit.append(
            AuditEvent(
                "pprl.resolve",
                reader.username,
                reader.org,
                sorted(set(found.values())),
                purpose,
                reader.audit_detail({"asked": len(set(refs)), "found": len(found)}),
                used,
            )
        )
    return found


def find_refs(
    conn, scope, collection_ids, key: bytes, check: str, wanted: set[str]
) -> tuple[dict[str, str], set[int]]:
    """({reference: entity id}, marking ids read) of the persons the scope
    may see in the collections whose reference (under ``check``) is wanted."""
    found: dict[str, str] = {}
    used: set[int] = set()
    for cid in collection_ids:
        last, ref = None, ""
        for row in stmt_sql.for_collection(conn, scope, cid):  # ordered by entity
            if row.schema != "Person":
                continue
            if row.entity_id != last:
                last, ref = row.entity_id, reference(key, check, row.entity_id)
            if ref in wanted:
                found[ref] = row.entity_id
                used.add(row.marking_id)
    return found, used


# -- the seam to hit notices -----------------------------------------------------
def hit_candidates(result: dict, own_org: str) -> list[dict]:
    """The matches of :func:`match` as the hit notices they become, seen
    from ``own_org``'s side: what matched (a person), the holding
    organisation, the holder's reference, our reference, the similarity, and
    the marking the notice carries.  :func:`gugus.xref.pprl_notify.notify`
    turns them into stored hit notices."""
    if result["left"]["org"] == own_org:
        mine, theirs = "left", "right"
    elif result["right"]["org"] == own_org:
        mine, theirs = "right", "left"
    else:
        raise InvalidInput(f"neither file of this match was made by {own_org!r}")
    return [
        {
            "kind": "person",
            "holder_org": result[theirs]["org"],
            "reference": pair[theirs],
            "own_reference": pair[mine],
            "similarity": pair["similarity"],
            "marking": result["marking"],
            "via": "pprl",
        }
        for pair in result["pairs"]
    ]


__all__ = [
    "DEFAULT_THRESHOLD",
    "Encoded",
    "encode",
    "find_refs",
    "hit_candidates",
    "match",
    "reference",
    "reference_key",
    "resolve",
]
