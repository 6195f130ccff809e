"""Home: my hit notices, my organisation's recent loads, what I may see."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gugus import overview, reads
from gugus.share import notices
from gugus.web.render import page
from gugus.web.session import PageReader
from gugus.xref import queue

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, reader: PageReader):
    node = request.app.state.node
    collections = reads.visible_collections(node, reader)
    found = notices.list_notices(node, reader, direction="all", limit=1000)
    loads = overview.recent_loads(node, reader)
    # Names and markings of collections are not data held under those
    # markings: the home page carries no banner.
    return page(
        request,
        "home.html",
        collections=collections,
        notices_out=len(found.get("out", [])),
        notices_in=len(found.get("in", [])),
        loads=loads,
        review_count=queue.review_count(node, reader),
    )
