"""Audit (supervisors): their organisation's audit trail, read-only.

The same service as ``GET /api/v1/audit`` (:func:`gugus.reads.list_audit`):
filters by user, action and time in a GET form (kept in the URL, so links
and back/forward work), pages with ``before``; a record whose data the
supervisor may not see shows only who, what kind and when, the rest as
``[not visible to you]``; the banner carries the strictest marking of the
records shown in full.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from gugus import reads
from gugus.access import audit_orgs
from gugus.errors import Forbidden, InvalidInput
from gugus.web.i18n import translator
from gugus.web.render import page
from gugus.web.session import PageReader

router = APIRouter(include_in_schema=False)
PAGE = 50
# Suggestions for the action filter (any action may be typed).
ACTIONS = (
    "entity.read",
    "search",
    "export",
    "load",
    "load.start",
    "load.refused",
    "judgement",
    "xref.run",
    "xref.review",
    "notice.hit",
    "notice.list",
    "token.issue",
    "token.revoke",
    "auth.failed",
)


@router.get("/audit")
def audit_page(
    request: Request,
    reader: PageReader,
    user: Annotated[str, Query(max_length=128)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[str, Query(max_length=64)] = "",
    until: Annotated[str, Query(max_length=64)] = "",
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
):
    gettext = translator(request).gettext
    if not audit_orgs(reader)[0]:
        raise Forbidden(gettext("Only supervisors may read the audit trail."))
    filters = {"user": user.strip(), "action": action.strip(), "since": since.strip()}
    filters["until"] = until.strip()
    error, records = None, []
    try:
        records = reads.list_audit(
            request.app.state.node,
            reader,
            limit=PAGE + 1,
            before=before,
            **{k: v or None for k, v in filters.items()},
        )
    except InvalidInput as exc:
        error = exc.message
    older = None
    if len(records) > PAGE:
        records = records[:PAGE]
        older = "/audit?" + urlencode({**_kept(filters), "before": records[-1]["seq"]})
    newest = "/audit?" + urlencode(_kept(filters)) if before is not None else None
    return page(
        request,
        "audit.html",
        shown=[r["marking"] for r in records if r["marking"]],
        status=400 if error else 200,
        filters=filters,
        actions=ACTIONS,
        error=error,
        records=[_row(r) for r in records],
        older=older,
        newest=newest,
    )


def _kept(filters: dict) -> dict:
    return {k: v for k, v in filters.items() if v}


def _row(record: dict) -> dict:
    """A record as the table shows it: details as ``key: value`` pairs."""
    detail = record["detail"]
    pairs = [
        (key, value if isinstance(value, str | int | float) else json.dumps(value))
        for key, value in detail.items()
        if not record["redacted"]
    ]
    return {**record, "detail_pairs": pairs}
