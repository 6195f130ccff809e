"""Hit notices: out — records others hold that match my (my organisation's)
queries and records, with the holder's contact point; in — for liaison
officers and supervisors, other organisations' matches on our restricted
records, with the requester's contact point.  Never any content of the
matched records (thin over :func:`gugus.share.notices.list_notices`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gugus.access import notice_reach
from gugus.share import notices
from gugus.web.render import page
from gugus.web.session import PageReader

router = APIRouter(include_in_schema=False)
LIMIT = 1000


@router.get("/notices")
def notices_page(request: Request, reader: PageReader):
    found = notices.list_notices(request.app.state.node, reader, direction="all", limit=LIMIT)
    # References, kinds, organisations and contact points are not data held
    # under a marking: the page carries no banner.
    return page(
        request,
        "notices.html",
        out=found.get("out", []),
        incoming=found.get("in", []),
        org_wide=notice_reach(reader).allowed,
        limit=LIMIT,
    )
