"""The entity page: every value with its collection, origin and marking; the
relationships; what it is possibly the same as; the hit notices that concern
it.  The same reads as ``GET /api/v1/entities/{id}``, ``…/relationships``
and ``…/same-as`` (and ``gugus entity ID --statements --relationships
--same-as``), in one call (:mod:`gugus.entity_page`); the banners show the
strictest marking of what is rendered, and nothing the reader may not see is
read, so nothing of it can be hinted at."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from gugus import relations
from gugus.api.turns import audited_after_turn
from gugus.entity_page import read as read_entity_page
from gugus.model.statements import ID_PROP
from gugus.web import ftm_labels
from gugus.web.render import page
from gugus.web.session import page_reader
from gugus.xref.explain import explain

router = APIRouter(include_in_schema=False)
PAGE = 50  # relationships per page


def N_(message: str) -> str:
    """Marks a message for the catalogue; translated where it is shown."""
    return message


# How a pair was found (xref run kinds), and verdicts.
KINDS = {
    "model": N_("similar names and details"),
    "phone": N_("shared phone number"),
    "email": N_("shared e-mail address"),
    "identity": N_("shared identity number"),
    "passport": N_("shared passport number"),
    "account": N_("shared account number"),
    "plate": N_("shared plate number"),
    "mention": N_("shared identifier in a document"),
}
VERDICTS = {
    "same": N_("judged the same"),
    "different": N_("judged different"),
    "unsure": N_("judged unsure"),
}
NOTICE_KINDS = {
    "person": N_("a person"),
    "phone": N_("a phone number"),
    "email": N_("an e-mail address"),
    "passport": N_("a passport number"),
    "id": N_("an identity number"),
    "account": N_("an account number"),
}


class _Labels:
    """FollowTheMoney labels in the page's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def schema(self, name: str) -> str:
        return ftm_labels.schema_label(name, self.lang)

    def props(self, schema: str, props: list[str]) -> str:
        return ", ".join(ftm_labels.prop_label(schema, p, self.lang) for p in props)

    def caption(self, end: dict) -> str:
        """An end's caption; an entity without a visible name is shown by
        its schema's label, in the page's language."""
        if end["caption"] == ftm_labels.schema_label(end["schema"], "en_US"):
            return self.schema(end["schema"])
        return end["caption"]


def _values(entity: dict, labels: _Labels) -> list[dict]:
    """The entity's values, each with its own provenance and marking; an
    entity's references to others are its relationships, shown there."""
    out = []
    for s in entity["statements"]:
        if s["prop"] == ID_PROP or ftm_labels.is_reference(s["schema"], s["prop"]):
            continue
        out.append({**s, "label": ftm_labels.prop_label(s["schema"], s["prop"], labels.lang)})
    return sorted(out, key=lambda s: (s["label"].casefold(), s["value"]))


def _relationship(r: dict, entity: dict, labels: _Labels) -> dict:
    """A relationship with its roles and ends labelled."""
    if r["link"] is not None:
        via_schema = r["link"]["schema"]
    elif r["direction"] == "out":
        via_schema = entity["schema"]  # this entity's own reference
    else:
        via_schema = r["other"]["schema"]  # the other names this one
    return {
        **r,
        "via_label": labels.props(via_schema, r["via"]),
        "other_via_label": labels.props(via_schema, r["other_via"]),
        "other_caption": labels.caption(r["other"]),
        "link_caption": labels.caption(r["link"]) if r["link"] else None,
    }


@router.get("/entities/{entity_id}")
def entity_page(
    request: Request,
    entity_id: str,
    offset: Annotated[int, Query(ge=0, le=relations.MAX_OFFSET)] = 0,
):
    # The session is checked here, as PageReader does, in the page's own
    # thread: one hand-over to the thread pool per page instead of two.
    reader = page_reader(request)
    with audited_after_turn(request):
        return _entity_page(request, reader, entity_id, offset)


def _entity_page(request: Request, reader, entity_id: str, offset: int):
    node = request.app.state.node
    labels = _Labels(request.state.lang)
    found = read_entity_page(node, reader, entity_id, limit=PAGE, offset=offset)
    entity, rels, same = found["entity"], found["relationships"], found["same_as"]
    values = _values(entity, labels)
    shown = [s["marking"] for s in entity["statements"] if s["prop"] == ID_PROP]
    shown += [s["marking"] for s in values]
    shown += [r["marking"] for r in rels["relationships"]]
    shown += [m for p in same["pairs"] for m in (p["marking"], p["other"]["marking"])]
    return page(
        request,
        "entity.html",
        shown=shown,
        entity=entity,
        schema_label=labels.schema(entity["schema"]),
        caption=labels.caption(entity),
        values=values,
        rels=rels,
        relationships=[_relationship(r, entity, labels) for r in rels["relationships"]],
        page_size=PAGE,
        pairs=[
            {**p, "other_caption": labels.caption(p["other"]), "why": explain(p["explanation"])}
            for p in same["pairs"]
        ],
        notices=same["notices"],
        kinds=KINDS,
        verdicts=VERDICTS,
        notice_kinds=NOTICE_KINDS,
        schema_of=labels.schema,
    )
