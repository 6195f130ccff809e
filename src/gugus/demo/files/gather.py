"""Collect, from the world's FtM lines, what documents about some networks talk about.

Starting from the entity ids of chosen people (``seeds``), each collection is
streamed a few times: a pass keeps the seeds' own entities and every link
entity that touches an *expanded* id (identity documents, crossings,
directorships, account ownerships, payments, associations, memberships,
press events), then expands through the links that lead to what a case is
about — a person's company, a company's accounts — and fetches the places
and accounts those links point at.  Memory holds only this neighbourhood, so
the demo's documents cost the same on a world of any size.
"""

from __future__ import annotations

from pathlib import Path

import orjson

# entity-typed properties of each link schema
LINKS: dict[str, tuple[str, ...]] = {
    "Identification": ("holder",),
    "Passport": ("holder",),
    "Trip": ("involved", "startLocation", "endLocation"),
    "Directorship": ("director", "organization"),
    "Ownership": ("owner", "asset"),
    "Payment": ("payer", "beneficiary", "payerAccount", "beneficiaryAccount"),
    "UnknownLink": ("subject", "object"),
    "Associate": ("person", "associate"),
    "Family": ("person", "relative"),
    "Employment": ("employer", "employee"),
    "Membership": ("member", "organization"),
    "Event": ("involved",),
}
# links through which a case widens: the seed's company, the company's accounts
EXPAND = {("Directorship", "organization"), ("Ownership", "asset")}
# what a kept link points at that a document names (places, accounts, premises)
FETCH = {
    ("Trip", "startLocation"),
    ("Trip", "endLocation"),
    ("Payment", "payerAccount"),
    ("Payment", "beneficiaryAccount"),
    ("UnknownLink", "object"),
    ("Employment", "employer"),
    ("Membership", "organization"),
    ("Ownership", "owner"),
    ("Person", "addressEntity"),
}
PASSES = 4


def gather(
    path: Path, seeds: set[str], match: dict[str, set[str]] | None = None
) -> dict[str, dict]:
    """Entity id → entity of the seeds' neighbourhood in one collection's lines.

    ``match`` adds seeds by value: ``{"accountNumber": {...}}`` makes every
    entity holding one of those account numbers a seed (an account another
    agency knows by number, under its own id).
    """
    expanded, want = set(seeds), set(seeds)
    match = match or {}
    have: dict[str, dict] = {}
    for _ in range(PASSES):
        grow, fetch = set(), set()
        with open(path, "rb") as handle:
            for line in handle:
                obj = orjson.loads(line)
                eid, schema, props = obj["id"], obj["schema"], obj["properties"]
                keep = eid in want
                if not keep and any(v in match[p] for p in match for v in props.get(p, ())):
                    keep = True
                    expanded.add(eid)  # links later in this pass already count
                    grow.add(eid)
                links = LINKS.get(schema)
                if links and not keep:
                    keep = any(v in expanded for p in links for v in props.get(p, ()))
                if not keep:
                    continue
                have[eid] = obj
                for prop, values in props.items():
                    if (schema, prop) in EXPAND:
                        grow.update(v for v in values if v not in expanded)
                    if (schema, prop) in FETCH or (schema, prop) in EXPAND:
                        fetch.update(v for v in values if v not in have)
        fetch -= have.keys()
        if not grow and not fetch:
            break
        expanded |= grow
        want |= grow | fetch
    return have


def by_reference(entities: dict[str, dict], schema: str, prop: str) -> dict[str, list[dict]]:
    """Entities of ``schema`` indexed by the ids their ``prop`` points at."""
    out: dict[str, list[dict]] = {}
    for obj in entities.values():
        if obj["schema"] == schema:
            for target in obj["properties"].get(prop, ()):
                out.setdefault(target, []).append(obj)
    return out
