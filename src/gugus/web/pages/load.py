"""Load: one file into a collection the user may load into, all or nothing.

The same service as ``POST /api/v1/collections/{name}/files``
(:func:`gugus.ingest.upload.load_upload`): a bad line or row loads nothing
and the page names it; a good file answers the load summary.  The upload is
received within the API's limit into a private temporary folder
(:func:`gugus.api.uploads.received_upload`).  htmx posts it with upload
progress (static/load.js) and swaps the result in; without JavaScript the
form posts and the page comes back with the result.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from gugus.api.uploads import received_upload
from gugus.errors import GugusError, InvalidInput
from gugus.ingest import upload
from gugus.web.i18n import translator
from gugus.web.render import fragment, page
from gugus.web.session import PageReader, check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/load")
def load_form(request: Request, reader: PageReader, collection: str | None = None):
    node = request.app.state.node
    collections = upload.loadable_collections(node, reader)
    return page(request, "load.html", collections=collections, chosen=collection)


class _CsrfRefused(Exception):
    def __init__(self, error: GugusError) -> None:
        self.error = error


@router.post("/load")
async def load_post(request: Request, reader: PageReader):
    node = request.app.state.node
    # htmx sends the token in a header: checked before the body is read.
    header = request.headers.get("x-csrf-token")
    if header is not None:
        check_csrf(request, header)
    form: dict = {}  # what the form said, kept for the answer even when the load fails
    summary, error = None, None
    try:
        summary = await _receive_and_load(request, node, reader, header is None, form)
    except _CsrfRefused as refused:
        raise refused.error from None
    except GugusError as exc:
        error = exc
    chosen = form.get("collection")
    collections = upload.loadable_collections(node, reader)
    # The summary shows values of the file (dropped ones, errors): they are
    # the collection's data, so the banner carries its marking.
    target = next((c for c in collections if c["name"] == chosen), None)
    shown = [target["marking"]] if target and (summary or error) else []
    result = _result(summary, error)
    status = error.status if error else 200
    if request.headers.get("hx-request"):
        return fragment(request, "load_result.html", shown=shown, status=status, **result)
    return page(
        request,
        "load.html",
        shown=shown,
        status=status,
        collections=collections,
        chosen=chosen,
        **result,
    )


async def _receive_and_load(request: Request, node, reader, form_csrf: bool, form: dict):
    gettext = translator(request).gettext
    async with received_upload(request) as got:
        if form_csrf:
            try:
                check_csrf(request, got.fields.get("csrf"))
            except GugusError as exc:
                raise _CsrfRefused(exc) from None
        chosen = form["collection"] = got.fields.get("collection", "").strip()
        if not chosen:
            raise InvalidInput(gettext("Choose a collection to load into."))
        if "file" not in got.files:
            raise InvalidInput(gettext("Choose a file to load."))
        summary = await run_in_threadpool(
            upload.load_upload,
            node,
            reader,
            chosen,
            got.files["file"],
            mapping=got.files.get("mapping"),
            fmt=got.fields.get("format") or None,
            purpose=got.fields.get("purpose", "").strip()[:500] or None,
        )
    return summary


def _result(summary: dict | None, error: GugusError | None) -> dict:
    if error is None:
        return {"summary": summary, "error": None, "error_line": None}
    lines = [d["line"] for d in error.details if isinstance(d.get("line"), int)]
    return {"summary": None, "error": error.message, "error_line": lines[0] if lines else None}
