"""The oracle of an entity's relationships and the check of the entity
page's read paths, for the leak tests (worlds drawn with ``links=True``)."""

from __future__ import annotations

import json

from followthemoney import model
from leakworld import ENTITY_PROPS, expected_statements, final_markings

_CLEAR = {"tlp": "clear", "handling": [], "release_to": [], "recipients": []}
_OWN = {"tlp": "amber", "handling": [], "release_to": [], "recipients": []}
_C0 = {"name": "c0", "org": "O0", "marking": _CLEAR}
# A family whose "person" only O0 may see: O1 sees the link and its
# relative, never that it names e0 (an explicit example of every run).
EXAMPLE = {
    "orgs": ["O0", "O1"],
    "users": [
        {"name": "uo00", "org": "O0", "role": "liaison"},
        {"name": "uo10", "org": "O1", "role": "analyst"},
        {"name": "so0", "org": "O0", "role": "supervisor"},
        {"name": "so1", "org": "O1", "role": "supervisor"},
    ],
    "collections": [_C0],
    "lines": [
        (_C0, {"id": "e0", "schema": "Person", "properties": {"name": ["Ana Cruz"]}}),
        (_C0, {"id": "e1", "schema": "Person", "properties": {"name": ["José Cruz"]}}),
        (
            _C0,
            {
                "id": "l0",
                "schema": "Family",
                "properties": {"person": ["e0"], "relative": ["e1"]},
                "property_markings": {"person": _OWN},
            },
        ),
    ],
}


def stored_ids(world) -> set[str]:
    """Every entity id stored or named by a stored statement."""
    final = final_markings(world)
    return {k[0] for k in final} | {k[2] for k in final if k[1] in ENTITY_PROPS}


def expected_relationships(allowed: set, target: str) -> set[tuple[str | None, str]]:
    """(link id or None, other end id) of each relationship of ``target`` a
    reader who sees the statements ``allowed`` must get: its own references
    to visible entities; through each link naming it, every other visible
    entity the link names — or the link itself when it names no other."""
    visible = {s[0] for s in allowed}
    refs = [s for s in allowed if s[1] in ENTITY_PROPS]
    out: set = {(None, v) for e, _, v, _ in refs if e == target and v != target and v in visible}
    for link in {e for e, _, v, _ in refs if v == target and e != target}:
        far = {v for e, _, v, _ in refs if e == link and v != target}
        if not far:
            out.add((None, link))
        out |= {(link, v) for v in far if v in visible}
    return out


def check_relationships(read, world, user, on_missing) -> None:
    """``read(entity_id)`` answers the relationships service's dict for the
    user; ``on_missing(entity_id)`` checks an entity the user may not see
    answers like a missing one.  Exactly the expected relationships, each end
    captioned from its visible names only, and no id of an entity the user
    may not see anywhere in the answer."""
    allowed = expected_statements(world, user)
    visible = {s[0] for s in allowed}
    names: dict[str, set] = {}
    for s in allowed:
        if s[1] == "name":
            names.setdefault(s[0], set()).add(s[2])
    hidden = stored_ids(world) - visible
    for target in sorted(stored_ids(world) | {"e-missing"}):
        if target not in visible:
            on_missing(target)
            continue
        result = read(target)
        got = [((r["link"] or {}).get("id"), r["other"]["id"]) for r in result["relationships"]]
        assert len(got) == len(set(got)), (user, target, got)
        assert set(got) == expected_relationships(allowed, target), (user, target)
        text = json.dumps(result, ensure_ascii=False)
        assert not any(h in text for h in hidden), (user, target)
        for r in result["relationships"]:
            for end in (r["other"], r["link"]):
                if end is not None:
                    label = model.get(end["schema"]).label
                    assert end["caption"] in names.get(end["id"], set()) | {label}, (user, end)
