"""Random task-force worlds and the independent oracle of the visibility rules,
shared by the leak tests (``tests/access/test_leak*.py``)."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import HealthCheck
from hypothesis import strategies as st
from nsids import nsid
from sqlalchemy import delete, select, update

from gugus import admin, reads
from gugus.ingest import ftm
from gugus.model.markings import TLP
from gugus.store import directory
from gugus.store.markings import MarkingCatalogue
from gugus.store.tables import (
    audience_grants,
    audiences,
    audit_checkpoints,
    audit_head,
    audit_log,
    collections,
    hit_notices,
    hit_records,
    judgements,
    markings,
    match_keys,
    organisations,
    statements,
    tokens,
    users,
    xref_pairs,
    xref_params,
    xref_runs,
)
from gugus.store.tables import markings as markings_table

LEVELS = [t.value for t in TLP]
ROLES = ["analyst", "liaison", "supervisor"]
WORDS = ["ana", "jose", "maria", "perez", "lopez", "garcia", "cruz", "reyes"]
# Nationalities and collection countries: the search's country facet and
# filter, and a country's Spanish name finding its nationals.
COUNTRIES = {"hn": "Honduras", "gt": "Guatemala", "sv": "El Salvador", "mx": "México"}
SHOWN = {
    "ana": "Ana",
    "jose": "José",
    "maria": "María",
    "perez": "Pérez",
    "lopez": "López",
    "garcia": "García",
    "cruz": "Cruz",
    "reyes": "Reyes",
}


# Link entities of the worlds drawn with ``links=True`` (the entity page's
# relationships): the schema follows the id, so one id is always one schema.
LINKS = [("Family", "person", "relative"), ("Payment", "payer", "beneficiary"),
         ("UnknownLink", "subject", "object")]  # fmt: skip
ENTITY_PROPS = frozenset(p for _, a, b in LINKS for p in (a, b))


@st.composite
def worlds(draw, links: bool = False):
    n_orgs = draw(st.integers(2, 4))
    orgs = [f"O{i}" for i in range(n_orgs)]
    users_ = []
    for org in orgs:
        for j in range(draw(st.integers(1, 3))):
            users_.append(
                {"name": f"u{org.lower()}{j}", "org": org, "role": draw(st.sampled_from(ROLES))}
            )
        # Every organisation has a supervisor, so every audit listing is checked.
        if not any(u["org"] == org and u["role"] == "supervisor" for u in users_):
            users_.append({"name": f"s{org.lower()}", "org": org, "role": "supervisor"})

    def marking(owner, base=None):
        others = [o for o in orgs if o != owner]
        if base is None:
            level = draw(st.sampled_from(LEVELS))
            release = draw(st.lists(st.sampled_from(others), unique=True)) if others else []
            handling = draw(st.lists(st.sampled_from(["H0", "H1", "H2"]), unique=True, max_size=2))
        else:
            level = draw(st.sampled_from(LEVELS[LEVELS.index(base["tlp"]) :]))
            pool = base["release_to"] if base["tlp"] != "clear" else others
            release = draw(st.lists(st.sampled_from(pool), unique=True)) if pool else []
            handling = sorted(
                set(base["handling"])
                | set(draw(st.lists(st.sampled_from(["H0", "H1", "H2"]), unique=True, max_size=1)))
            )
        recipients = []
        if level == "red":
            pool = [u["name"] for u in users_ if u["org"] in release or u["org"] == owner]
            if base is not None and base["tlp"] == "red":
                pool = [p for p in pool if p in base["recipients"]]
            if not pool and base is not None and base["tlp"] == "red":
                release, recipients = list(base["release_to"]), list(base["recipients"])
            elif not pool:
                level = "amber+strict"
            else:
                recipients = draw(st.lists(st.sampled_from(pool), unique=True, min_size=1))
        return {"tlp": level, "handling": handling, "release_to": release, "recipients": recipients}

    colls = []
    for i in range(draw(st.integers(1, 4))):
        owner = draw(st.sampled_from(orgs))
        country = draw(st.sampled_from([None, *sorted(COUNTRIES)]))
        colls.append({"name": f"c{i}", "org": owner, "marking": marking(owner), "country": country})
    lines = []  # (collection, entity json)
    for _ in range(draw(st.integers(1, 7))):
        coll = draw(st.sampled_from(colls))
        entity_id = chosen_id(draw, orgs, coll["org"])
        names = draw(
            st.lists(
                st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS)), min_size=1, max_size=2
            )
        )
        props = {"name": [f"{SHOWN[a]} {SHOWN[b]}" for a, b in names]}
        if draw(st.booleans()):
            props["notes"] = [f"seen with {SHOWN[draw(st.sampled_from(WORDS))]}"]
        if draw(st.booleans()):
            props["nationality"] = [draw(st.sampled_from(sorted(COUNTRIES)))]
        line = {"id": entity_id, "schema": "Person", "properties": props}
        if draw(st.booleans()):
            line["marking"] = marking(coll["org"], coll["marking"])
        if draw(st.booleans()):
            line["property_markings"] = {
                "name": marking(coll["org"], line.get("marking", coll["marking"]))
            }
        lines.append((coll, line))
    for _ in range(draw(st.integers(1, 6)) if links else 0):
        lines.append(link_line(draw, orgs, colls, marking, [x for _, x in lines]))
    return {"orgs": orgs, "users": users_, "collections": colls, "lines": lines}


def link_line(draw, orgs, colls, marking, persons) -> tuple:
    """A Family, Payment or UnknownLink naming one or two persons — mostly
    ids of persons drawn before, else any chosen id (one that names nothing,
    or a hostile one, which refuses the line) —, its ends marked apart at
    times, so a reader may see a link and not one of its ends."""
    coll = draw(st.sampled_from(colls))
    n = draw(st.integers(0, 3))
    schema, first, second = LINKS[n % len(LINKS)]
    known = [p["id"] for p in persons if p["schema"] == "Person"]

    def end():
        if known and draw(st.integers(0, 3)):
            return draw(st.sampled_from(known))
        return chosen_id(draw, orgs, coll["org"])

    props = {first: [end()]}
    if draw(st.booleans()):
        props[second] = [end()]
    line = {"id": f"l{n}", "schema": schema, "properties": props}
    if draw(st.booleans()):
        line["marking"] = marking(coll["org"], coll["marking"])
    if draw(st.booleans()):
        prop = draw(st.sampled_from(sorted(props)))
        line["property_markings"] = {
            prop: marking(coll["org"], line.get("marking", coll["marking"]))
        }
    return coll, line


def chosen_id(draw, orgs, owner) -> str:
    """An id as a (possibly hostile) organisation chooses it: the same small
    set of ids in every organisation (each organisation's is its own entity;
    two collections of one organisation share it), ids with dots (``e.1`` and
    ``e.2`` must not collapse), the organisation's own signed id (an export
    loaded back: the same entity as the bare id), or another organisation's
    signed id (a partner's export or a write onto its entity: refused)."""
    base = f"e{draw(st.integers(0, 4))}"
    kind = draw(st.sampled_from(["plain", "plain", "dotted", "own", "hostile"]))
    if kind == "dotted":
        return f"e.{base[1:]}"
    if kind == "own":
        return nsid(owner, base)
    if kind == "hostile":
        return nsid(draw(st.sampled_from([o for o in orgs if o != owner])), base)
    return base


# -- the oracle: the rules of issue #2, restated ------------------------------
def signer(world, entity_id: str) -> str | None:
    """The organisation of the node whose signature ends ``entity_id``, if any."""
    plain, _, _ = entity_id.rpartition(".")
    return next((o for o in world["orgs"] if plain and nsid(o, plain) == entity_id), None)


def stored_id(world, coll, line) -> str | None:
    """The id a line is stored under: in its collection organisation's
    namespace; None when another organisation's signature (on its id or on an
    entity it names) refuses it."""
    for given in [line["id"], *ref_values(line)]:
        owner = signer(world, given)
        if owner is not None and owner != coll["org"]:
            return None
    return nsid(coll["org"], line["id"])


def ref_values(line) -> list[str]:
    """The entity ids a line's entity-typed properties name."""
    return [v for p, vs in line["properties"].items() if p in ENTITY_PROPS for v in vs]


def read_id(world, user, entity_id: str) -> str:
    """The stored id a reader's id means: a signed id as given, a bare one in
    the reader's own organisation's namespace."""
    return entity_id if signer(world, entity_id) else nsid(user["org"], entity_id)


def probe_ids(world) -> list[str]:
    """Every id a reader might ask for: each chosen id bare and in every
    organisation's namespace, and one that exists nowhere."""
    raw = {line["id"] for _, line in world["lines"]} | {"e-missing"}
    return sorted(raw | {nsid(o, i) for i in raw for o in world["orgs"]})


def sees(user, marking, owner) -> bool:
    if user["org"] == owner:
        return True
    if marking["tlp"] == "clear":
        return True
    if marking["tlp"] == "red":
        return user["name"] in marking["recipients"] and user["org"] in marking["release_to"]
    return user["org"] in marking["release_to"]


def tighter(new, old) -> bool:
    """``new`` is at least as restrictive as ``old`` (same originator)."""
    rank = LEVELS.index
    return (
        rank(new["tlp"]) >= rank(old["tlp"])
        and set(new["handling"]) >= set(old["handling"])
        and (old["tlp"] == "clear" or set(new["release_to"]) <= set(old["release_to"]))
        and (old["tlp"] != "red" or set(new["recipients"]) <= set(old["recipients"]))
    )


def expected_statements(world, user):
    """(entity, prop, value, collection) the user may see.

    A statement loaded again may be marked more tightly; a marking that would
    loosen it only adds restrictions (the statement is then visible to those
    who may see under both), so a re-load never widens visibility.
    """
    return {
        key
        for key, (ms, owner) in final_markings(world).items()
        if all(sees(user, m, owner) for m in ms)
    }


def final_markings(world) -> dict:
    """(entity, prop, value, collection) → (the markings a statement is held
    under — all apply —, its owner organisation)."""
    final: dict = {}

    def assign(key, marking, owner):
        current = final.get(key)
        if current is None or all(tighter(marking, m) for m in current[0]):
            final[key] = ([marking], owner)
        else:
            current[0].append(marking)

    for coll, line in world["lines"]:
        eid = stored_id(world, coll, line)
        if eid is None:
            continue
        line_marking = line.get("marking", coll["marking"])
        assign((eid, "id", eid, coll["name"]), line_marking, coll["org"])
        for prop, values in line["properties"].items():
            m = line.get("property_markings", {}).get(prop, line_marking)
            for v in values:
                if prop in ENTITY_PROPS:  # a reference: stored in the loader's namespace
                    v = nsid(coll["org"], v)
                assign((eid, prop, v, coll["name"]), m, coll["org"])
    return final


# The name the cross-referencing leak test reads it by.
statement_markings = final_markings


def wipe(node) -> None:
    with node.db.writer.begin() as conn:
        for table in (
            hit_records,
            hit_notices,
            match_keys,
            xref_pairs,
            xref_runs,
            xref_params,
            judgements,
            statements,
            collections,
            tokens,
            users,
            markings,
            audience_grants,
            audiences,
            organisations,
        ):
            conn.execute(delete(table))
    with node.db.audit_writer.begin() as conn:
        conn.execute(delete(audit_log))
        conn.execute(delete(audit_checkpoints))
        conn.execute(update(audit_head).values(seq=0, hash="0" * 64))
    forget(node)


def forget(node) -> None:
    """What a node caches of things a running node never deletes (markings,
    organisations, collection names), deleted here: call on every Node of
    the store after :func:`wipe`."""
    node.catalogue = MarkingCatalogue()
    node._org_codes = None  # organisations are only ever added, except here
    node._collection_names = {}


def build(node, world) -> None:
    with node.db.writer.begin() as conn:
        for org in world["orgs"]:
            directory.add_organisation(conn, org, org, "MX")
        for u in world["users"]:
            # The policy is under test, not argon2: skip the slow hash.
            directory.add_user(conn, u["name"], u["org"], u["role"], "not-a-hash")
    for c in world["collections"]:
        m = c["marking"]
        admin.add_collection(
            node,
            c["name"],
            c["org"],
            m["tlp"],
            m["handling"],
            release_to=m["release_to"],
            recipients=m["recipients"],
            country=c.get("country"),
        )
    for coll in world["collections"]:
        mine = [line for c, line in world["lines"] if c is coll]
        if mine:
            summary = ftm.load_lines(
                node,
                coll["name"],
                [json.dumps(x) for x in mine],
                source="leak-test",
                on_error="skip",
            )
            # Exactly the lines carrying another organisation's id are refused.
            refused = [n for n, x in enumerate(mine, 1) if stored_id(world, coll, x) is None]
            assert [e["line"] for e in summary.errors] == refused, summary.errors
            assert all("a partner's export" in e["error"] for e in summary.errors)


def fold_words(value: str) -> list[str]:
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", value.casefold()) if not unicodedata.combining(c)
    )
    return folded.split()


def search_hits(allowed: set, word: str) -> set:
    """Entities a search for ``word`` must return: those with a visible text
    statement containing the word (accents folded)."""
    return {s[0] for s in allowed if s[1] in ("name", "notes") and word in fold_words(s[2])}


def expected_search(world, allowed: set, hits: set) -> dict:
    """The total and facets a search with these (unresolved) hits must
    answer, recounted from the reader's visible statements: an entity counts
    under the schema (Person), every collection of a visible statement, the
    organisations of those collections and the countries of its visible
    nationalities and of those collections."""
    colls = {c["name"]: c for c in world["collections"]}
    facets: dict[str, dict[str, int]] = {"schema": {}, "collection": {}, "org": {}, "country": {}}
    for e in hits:
        mine = [s for s in allowed if s[0] == e]
        values = {
            "schema": {"Person"},
            "collection": {s[3] for s in mine},
            "org": {colls[s[3]]["org"] for s in mine},
            "country": {s[2] for s in mine if s[1] == "nationality"}
            | {colls[s[3]]["country"] for s in mine if colls[s[3]].get("country")},
        }
        for facet, found in values.items():
            for value in found:
                facets[facet][value] = facets[facet].get(value, 0) + 1
    return {"total": len(hits), "facets": facets}


def got_search(result: dict) -> dict:
    """A search answer's total and facets, as :func:`expected_search` has them."""
    return {
        "total": result["total"],
        "facets": {
            name: {f["value"].lower() if name == "country" else f["value"]: f["count"] for f in vs}
            for name, vs in result["facets"].items()
        },
    }


def country_hits(allowed: set, code: str) -> set:
    """Entities a search for a country's name must return: those with a
    visible nationality of that country."""
    return {s[0] for s in allowed if s[1] == "nationality" and s[2] == code}


# Each example rebuilds a whole world on the test's own database.
SLOW_EXAMPLES = [
    HealthCheck.too_slow,
    HealthCheck.function_scoped_fixture,
    HealthCheck.data_too_large,
]


def rebuild(node, world) -> None:
    wipe(node)
    build(node, world)


# -- the audit listing, checked against the stored records -------------------------
def stored_markings(node) -> dict[int, tuple[dict, str]]:
    """Stored marking id → (the marking as the oracle writes it, its originator)."""
    with node.db.reader.connect() as conn:
        rows = conn.execute(select(markings_table)).all()

    def split(value):
        return value.split(",") if value else []

    return {
        r.id: (
            {"tlp": r.tlp, "release_to": split(r.release_to), "recipients": split(r.recipients)},
            r.originator,
        )
        for r in rows
    }


def check_audit_listing(node, world, user) -> None:
    allowed = expected_statements(world, user)
    seen_entities = {s[0] for s in allowed}
    seen_colls = {c["name"] for c in world["collections"] if sees(user, c["marking"], c["org"])}
    marks = stored_markings(node)
    with node.db.audit_reader.connect() as conn:
        raw = {
            r.seq: r
            for r in conn.execute(select(audit_log).where(audit_log.c.org == user["org"])).all()
        }

    def visible(obj: str) -> bool:
        kind, _, name = obj.partition(":")
        if not name:
            return obj in seen_entities
        return name in seen_colls if kind == "collection" else True

    records = reads.list_audit(node, node.reader(user["name"]), limit=1000)
    assert sorted(r["seq"] for r in records) == sorted(raw), user
    for r in records:
        stored = raw[r["seq"]]
        used = json.loads(stored.markings or "[]")
        if stored.action in ("search", "entity.read"):
            assert used, "reads record the markings of what they returned"
        objects = json.loads(stored.object_ids)
        shown = all(sees(user, *marks[m]) for m in used) and all(visible(o) for o in objects)
        for field in ("username", "org", "action", "ts", "seq"):
            assert r[field] == getattr(stored, field)
        assert r["redacted"] is not shown, (user, stored)
        # No chain hash in any listing: a visible record's hash or prev_hash
        # would let a supervisor test guesses of the record before it.
        assert "hash" not in r and "prev_hash" not in r
        if shown and used:
            # The banner of a page showing it: the strictest of what it touched.
            top = max((TLP(marks[m][0]["tlp"]) for m in used), key=lambda t: t.rank)
            assert r["marking"]["tlp"] == top.value, (user, stored)
        else:
            assert r["marking"] is None
        if shown:
            assert r["object_ids"] == objects
            assert r["detail"] == json.loads(stored.detail)
            assert r["purpose"] == stored.purpose
        else:
            assert r["object_ids"] == [reads.REDACTED]
            assert r["detail"] == {"redacted": True}
            assert r["purpose"] in (None, reads.REDACTED)
    check_audit_filters(node, user, records)


def check_audit_filters(node, user, records) -> None:
    """Every filter of the listing (user, action, time) answers exactly the
    matching records of the unfiltered listing, redacted the same way: a
    filter selects only on what every record shows, so it can tell nothing
    the listing does not."""
    reader = node.reader(user["name"])
    if not records:
        return
    times = sorted({r["ts"] for r in records})
    middle = times[len(times) // 2]
    probes = [
        ({"user": records[-1]["username"]}, lambda r: r["username"] == records[-1]["username"]),
        ({"action": records[0]["action"]}, lambda r: r["action"] == records[0]["action"]),
        ({"since": middle}, lambda r: r["ts"] >= middle),
        ({"until": middle}, lambda r: r["ts"] < middle),
        ({"user": "nobody-of-this-world"}, lambda r: False),
    ]
    if len(times) > 1:
        probes.append(
            (
                {"user": user["name"], "since": times[0], "until": times[-1]},
                lambda r: r["username"] == user["name"] and times[0] <= r["ts"] < times[-1],
            )
        )
    for filters, keep in probes:
        got = reads.list_audit(node, reader, limit=1000, **filters)
        assert got == [r for r in records if keep(r)], (user, filters)
