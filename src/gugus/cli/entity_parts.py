"""The human view of ``gugus entity ID --relationships / --same-as``: the
entity page's parts as tables (the services are :mod:`gugus.relations` and
:mod:`gugus.xref.same_as`; ``--json`` prints what they answer)."""

from __future__ import annotations

from gugus.cli.common import out


def _label(marking: dict | None) -> str:
    if not marking:
        return ""
    return " ".join(["TLP:" + marking["tlp"].upper(), *marking["handling"]])


def _end(end: dict) -> str:
    return f"{end['schema']} {end['caption']} ({end['id']})"


def _say(text: str) -> None:
    """One line, never wrapped (ids stay whole, to paste) nor read as markup."""
    out.print(text, highlight=False, markup=False, soft_wrap=True)


def print_relationships(result: dict) -> None:
    rels = result["relationships"]
    if not rels:
        _say("relationships: none you may see")
        return
    _say(f"relationships ({result['offset'] + 1}-{result['offset'] + len(rels)}):")
    for r in rels:
        via = ", ".join(r["via"])
        if r["other_via"]:
            via += " → " + ", ".join(r["other_via"])
        link = f" through {_end(r['link'])}" if r["link"] else ""
        direction = f"{r['direction']} " if r["direction"] else ""
        _say(f"  {direction}{via}{link}: {_end(r['other'])} [{_label(r['marking'])}]")
    if result["more"]:
        _say(f"  more: --offset {result['offset'] + result['limit']}")


def print_same_as(result: dict) -> None:
    pairs = result["pairs"]
    if not pairs:
        _say("possibly the same as: none you may see")
    else:
        _say("possibly the same as:")
    for p in pairs:
        judged = f", judged {p['judgement']}" if p["judgement"] else ""
        _say(
            f"  {_end(p['other'])}: probability {p['probability']:.4f} ({p['kind']}{judged})"
            f" [{_label(p['marking'])}]"
        )
        for field, why in sorted(p["explanation"].items()):
            detail = why.get("level", why) if isinstance(why, dict) else why
            _say(f"    {field}: {detail}")
    for n in result["notices"]["out"]:
        _say(
            f"hit notice {n['reference']}: {n['holder']} holds a matching record ({n['what']});"
            f" contact: {n['contact']}"
        )
    for n in result["notices"]["in"]:
        _say(
            f"hit notice {n['reference']} (mirror): {n['requester']} has a record matching"
            f" this one ({n['what']})"
        )


def read(
    node, reader, entity_id: str, purpose, relationships: bool, same_as: bool, offset: int
) -> dict:
    """The parts asked for, keyed as ``--json`` prints them."""
    parts: dict = {}
    if relationships:
        from gugus import relations

        parts["relationships"] = relations.relationships(
            node, reader, entity_id, offset=offset, purpose=purpose
        )
    if same_as:
        from gugus.xref import same_as as same_as_service

        parts["same_as"] = same_as_service.same_as(node, reader, entity_id, purpose=purpose)
    return parts


def show(parts: dict) -> None:
    if "relationships" in parts:
        print_relationships(parts["relationships"])
    if "same_as" in parts:
        print_same_as(parts["same_as"])
