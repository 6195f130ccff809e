"""Search: one box, results with their markings, facets with exact counts.

The query, the filters and the page live in the URL (a GET form; htmx swaps
the search region and pushes the URL), so back/forward and shared links
work.  The page calls the same service as ``GET /api/v1/search``
(:func:`gugus.search_facets.search`) and renders what it answers: every
count is over what the reader may see."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from gugus import search_facets
from gugus.api.turns import audited_after_turn
from gugus.web.i18n import translator
from gugus.web.render import fragment, locale_of, page
from gugus.web.schema_labels import schema_label
from gugus.web.session import page_reader

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
FilterQuery = Annotated[list[str] | None, Query(max_length=search_facets.MAX_FILTER_VALUES)]


def _url(q: str, filters: dict[str, list[str]], offset: int = 0) -> str:
    params = [("q", q)]
    for name in search_facets.FACETS:
        params += [(name, v) for v in filters.get(name, [])]
    if offset:
        params.append(("offset", str(offset)))
    return "/search?" + urlencode(params)


def _toggled(filters: dict[str, list[str]], name: str, value: str) -> dict[str, list[str]]:
    values = list(filters.get(name, []))
    values = [v for v in values if v != value] if value in values else [*values, value]
    return {**filters, name: values}


def _labeller(request: Request):
    gettext = translator(request).gettext
    territories = locale_of(request.state.lang).territories

    def label(facet: str, value: str) -> str:
        if facet == "country":
            return territories.get(value.upper(), value.upper())
        if facet == "schema":
            return schema_label(value, gettext)
        return value

    return label


def _view(request: Request, q: str, result: dict) -> dict:
    """What the template shows: facets with labels, counts and the URL that
    toggles each; the active filters with the URL that removes each; paging."""
    label = _labeller(request)
    filters = {k: list(v) for k, v in result["filters"].items()}
    facets = []
    for name in search_facets.FACETS:
        active = set(filters.get(name, []))
        values = [
            {
                "value": f["value"],
                "label": label(name, f["value"]),
                "count": f["count"],
                "active": f["value"] in active,
                "url": _url(q, _toggled(filters, name, f["value"])),
            }
            for f in result["facets"][name]
        ]
        facets.append({"name": name, "values": values})
    chips = [
        {"facet": name, "label": label(name, v), "url": _url(q, _toggled(filters, name, v))}
        for name in search_facets.FACETS
        for v in filters.get(name, [])
    ]
    total, offset, limit = result["total"], result["offset"], result["limit"]
    paging = {
        "first": offset + 1,
        "last": offset + len(result["results"]),
        "prev": _url(q, filters, max(0, offset - limit)) if offset > 0 else None,
        "next": _url(q, filters, offset + limit) if offset + limit < total else None,
    }
    for r in result["results"]:
        r["schema_label"] = label("schema", r["schema"])
    return {
        "q": q,
        "result": result,
        "facets": facets,
        "chips": chips,
        "filters": filters,
        "paging": paging,
        "clear_url": _url(q, {}),
        "facet_cap": search_facets.FACET_CAP,
    }


@router.get("/search")
def search_page(
    request: Request,
    q: Annotated[str, Query(max_length=500)] = "",
    schema: FilterQuery = None,
    collection: FilterQuery = None,
    org: FilterQuery = None,
    country: FilterQuery = None,
    offset: Annotated[int, Query(ge=0, le=search_facets.MAX_OFFSET)] = 0,
):
    # The session is checked here, as PageReader does, in the page's own
    # thread: one hand-over to the thread pool per page instead of two.
    reader = page_reader(request)
    with audited_after_turn(request):
        return _search_page(request, reader, q.strip(), schema, collection, org, country, offset)


def _search_page(request: Request, reader, q: str, schema, collection, org, country, offset: int):
    ctx: dict = {"q": q, "result": None}
    shown: list = []
    if q:
        result = search_facets.search(
            request.app.state.node,
            reader,
            q,
            schema=schema,
            collection=collection,
            org=org,
            country=country,
            limit=PAGE_SIZE,
            offset=offset,
        )
        ctx = _view(request, q, result)
        shown = [r["marking"] for r in result["results"]]
        if result["facets_marking"]:
            shown.append(result["facets_marking"])
    htmx = request.headers.get("hx-request") == "true"
    if htmx and request.headers.get("hx-history-restore-request") != "true":
        return fragment(request, "search_results.html", shown=shown, **ctx)
    return page(request, "search.html", reader=reader, shown=shown, **ctx)
