"""The human view of ``gugus entity ID --relationships / --same-as``: the
entity page's parts as tables (the services are :mod:`gugus.relations` and
:mod:`gugus.xref.same_as`; ``--json`` prints what they answer)."""

from __future__ import annotations

from gugus.cli.common import SafeTable, out


def _label(marking: dict | None) -> str:
    if not marking:
        return ""
    return " ".join(["TLP:" + marking["tlp"].upper(), *marking["handling"]])


def _end(end: dict | None) -> str:
    if end is None:
        return ""
    return f"{end['schema']} {end['caption']}\n{end['id']}"


def print_relationships(result: dict) -> None:
    rels = result["relationships"]
    if not rels:
        out.print("relationships: none you may see", highlight=False, markup=False)
        return
    table = SafeTable("direction", "via", "link", "other end", "marking", title="relationships")
    for r in rels:
        via = ", ".join(r["via"])
        if r["other_via"]:
            via += " → " + ", ".join(r["other_via"])
        table.add_row(
            r["direction"] or "", via, _end(r["link"]), _end(r["other"]), _label(r["marking"])
        )
    out.print(table)
    if result["more"]:
        nxt = result["offset"] + result["limit"]
        out.print(f"more: --offset {nxt}", highlight=False, markup=False)


def print_same_as(result: dict) -> None:
    pairs = result["pairs"]
    if not pairs:
        out.print("possibly the same as: none you may see", highlight=False, markup=False)
    else:
        table = SafeTable(
            "other",
            "probability",
            "kind",
            "explanation",
            "judgement",
            "marking",
            title="possibly the same as",
        )
        for p in pairs:
            explained = "\n".join(
                f"{k}: {v.get('level', v) if isinstance(v, dict) else v}"
                for k, v in sorted(p["explanation"].items())
            )
            table.add_row(
                _end(p["other"]),
                f"{p['probability']:.4f}",
                p["kind"],
                explained,
                p["judgement"] or "",
                _label(p["marking"]),
            )
        out.print(table)
    for n in result["notices"]["out"]:
        out.print(
            f"hit notice {n['reference']}: {n['holder']} holds a matching record ({n['what']});"
            f" contact: {n['contact']}",
            highlight=False,
            markup=False,
        )
    for n in result["notices"]["in"]:
        out.print(
            f"hit notice {n['reference']} (mirror): {n['requester']} has a record matching"
            f" this one ({n['what']})",
            highlight=False,
            markup=False,
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
