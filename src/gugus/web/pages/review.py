"""The review queue: one cross-reference pair at a time, side by side, judged
same / different / unsure (with keyboard shortcuts, static/review.js).

Thin over :mod:`gugus.xref.queue` (what waits, both sides as the reader may
see them, audited) and :func:`gugus.xref.judgements.judge` (audited).  A
judged pair leaves the queue, so the page always opens at the first pair
still to decide.  With htmx the pair region is swapped in place; without
JavaScript the form posts and redirects back (POST-redirect-GET)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from followthemoney import model

from gugus.web.ftm_labels import prop_label, schema_label
from gugus.web.render import fragment, page
from gugus.web.session import CsrfChecked, PageReader
from gugus.xref import judgements, queue
from gugus.xref.resolver import VERDICTS

router = APIRouter(include_in_schema=False)
MAX_POSITION = 10_000_000


def shown(view: dict) -> list[dict]:
    """Every marking the pair region renders (the banners show their strictest)."""
    pair = view["pair"]
    if pair is None:
        return []
    out = [pair["marking"], *(s["marking"] for s in pair["sides"].values())]
    out += [v["marking"] for f in pair["fields"] for side in ("left", "right") for v in f[side]]
    return out


def _holding(sides: dict, prop: str) -> str:
    """The schema of the side whose schema has the property (the left's first)."""
    for side in ("left", "right"):
        schema = model.get(sides[side]["schema"])
        if schema is not None and schema.get(prop) is not None:
            return sides[side]["schema"]
    return sides["left"]["schema"]


def _render(request: Request, reader, position: int, done: str | None):
    node = request.app.state.node
    view = queue.review_pair(node, reader, position=position)
    ctx = {"view": view, "done": done if done in VERDICTS else None, "labels": {}}
    if view["pair"] is not None:
        lang = request.state.lang
        sides = view["pair"]["sides"]
        ctx["labels"] = {
            "schema": {k: schema_label(s["schema"], lang) for k, s in sides.items()},
            "props": {
                f["prop"]: prop_label(_holding(sides, f["prop"]), f["prop"], lang)
                for f in view["pair"]["fields"]
            },
        }
    if request.headers.get("hx-request"):
        return fragment(request, "review_pair.html", shown=shown(view), **ctx)
    return page(request, "review.html", shown=shown(view), **ctx)


@router.get("/review")
def review(
    request: Request,
    reader: PageReader,
    position: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    done: Annotated[str | None, Query(max_length=20)] = None,
):
    return _render(request, reader, position, done)


@router.post("/review/judge")
def review_judge(
    request: Request,
    reader: PageReader,
    _: CsrfChecked,
    a: Annotated[str, Form(min_length=1, max_length=300)],
    b: Annotated[str, Form(min_length=1, max_length=300)],
    verdict: Annotated[str, Form(pattern="^(same|different|unsure)$")],
    reason: Annotated[str | None, Form(max_length=judgements.MAX_REASON)] = None,
    position: Annotated[int, Form(ge=0, le=MAX_POSITION)] = 0,
):
    judgements.judge(request.app.state.node, reader, a, b, verdict, reason)
    # The judged pair left the queue: the same position is the next pair.
    if request.headers.get("hx-request"):
        return _render(request, reader, position, verdict)
    query = urlencode({"position": position, "done": verdict})
    return RedirectResponse(f"/review?{query}", status_code=303)
