"""Routes of /api/v1.  Each parses, calls one service, renders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

import gugus
from gugus import auth, reads, search_facets
from gugus.access import Reader
from gugus.api import models as m
from gugus.api.deps import get_node, get_purpose, get_reader, get_token
from gugus.api.models import ok
from gugus.api.responses import JSONBody, TokenResponse, errors
from gugus.api.turns import audited_after_turn
from gugus.api.uploads import received_upload
from gugus.errors import InvalidInput, StoreUnavailable
from gugus.ingest import dispatch, ftm, upload
from gugus.node import Node
from gugus.xref import judgements

# Every route reads or writes the database: busy or full storage can answer any of them.
router = APIRouter(prefix="/api/v1", responses=errors(503, 507))
NodeDep = Annotated[Node, Depends(get_node)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
TokenDep = Annotated[str, Depends(get_token)]
PurposeDep = Annotated[str | None, Depends(get_purpose)]
MAX_BODY = 256 * 1024 * 1024
# A repeatable search filter (?country=hn&country=gt).
FilterParam = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=128)]] | None,
    Query(max_length=search_facets.MAX_FILTER_VALUES),
]


@router.get(
    "/health", response_model=None, responses=ok(m.Health, "The node is up and can take writes.")
)
def health(node: NodeDep) -> dict:
    """Whether the node answers and its database can take writes (503 in the
    error envelope when it cannot: for monitors).  No token needed."""
    node.db.ensure_ready()
    body = {"status": "ok", "version": gugus.__version__, "database": node.db.dialect.name}
    problem = node.db.write_problem()
    if problem is not None:  # 503 in the one error envelope, for monitors too
        raise StoreUnavailable(
            f"the database cannot take writes: {problem.message}",
            details=[{**body, "status": "unwritable", "writable": False}],
        )
    return {**body, "writable": True}


@router.post(
    "/token",
    responses={
        **ok(TokenResponse, "A bearer token for the Authorization header."),
        **errors(400, 401, 429),
    },
)
def token(
    request: Request,
    node: NodeDep,
    username: Annotated[str, Form(min_length=1, max_length=128)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> TokenResponse:
    """Log in with a password; answers a bearer token.  Attempts are rate-limited
    per client address, per user name and per node (429 with Retry-After)
    before the password is checked."""
    attempt = request.app.state.login_limiter.attempt(
        request.client.host if request.client else None, username
    )
    reader = auth.check_password(node, username, password)
    attempt.succeeded()
    value, expires = auth.issue_token(node, reader, label="api")
    return TokenResponse(access_token=value, token_type="bearer", expires_at=expires)  # noqa: S106 - the scheme's name


# The two hottest routes check their token in their own thread
# (``auth.reader_for_token`` first, as ``ReaderDep`` does): one hand-over to
# the thread pool per request instead of two.


@router.get(
    "/entities/{entity_id}",
    response_model=None,
    responses={**ok(m.Entity, "The entity as you may see it."), **errors(400, 401, 404)},
)
def entity(
    request: Request,
    node: NodeDep,
    token: TokenDep,
    purpose: PurposeDep,
    entity_id: str,
    statements: bool = False,
    known: bool = False,
) -> JSONBody:
    """One entity as the caller may see it; ``statements`` adds each value's
    provenance and marking, ``known`` adds ``possibly_known_to`` (other
    organisations whose records you may see match it: an online match)."""
    reader = auth.reader_for_token(node, token)
    with audited_after_turn(request):
        return JSONBody(
            reads.get_entity(
                node, reader, entity_id, purpose=purpose, with_statements=statements, known=known
            )
        )


@router.get(
    "/search",
    response_model=None,
    responses={
        **ok(m.SearchResults, "A page of the entities you may see that match."),
        **errors(400, 401),
    },
)
def search(
    request: Request,
    node: NodeDep,
    token: TokenDep,
    purpose: PurposeDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=reads.MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=10000)] = 0,
    schema: FilterParam = None,
    collection: FilterParam = None,
    org: FilterParam = None,
    country: FilterParam = None,
) -> JSONBody:
    """Entities with a statement you may see matching ``q`` (words, a phone
    in any common form, a country's code or name), newest first.  Answers
    ``results`` (one page), the exact ``total``, ``facets`` (``schema``,
    ``collection``, ``org``, ``country``: ``[{"value", "count"}]``, counted
    over what you may see; ``facets_capped`` when counted over the newest
    500 results only; ``facets_marking``, the strictest marking of the
    statements counted) and the ``filters`` applied.  Filters are repeatable:
    any of a filter's values, and every filter given."""
    reader = auth.reader_for_token(node, token)
    with audited_after_turn(request):
        return JSONBody(
            search_facets.search(
                node,
                reader,
                q,
                schema=schema,
                collection=collection,
                org=org,
                country=country,
                limit=limit,
                offset=offset,
                purpose=purpose,
            )
        )


@router.get(
    "/collections",
    response_model=None,
    responses={**ok(m.Collections, "The collections you may read."), **errors(400, 401)},
)
def collections(node: NodeDep, reader: ReaderDep, loadable: bool = False) -> dict:
    """The collections you may read, each with its default marking;
    ``loadable``: only those you may load into (the load page's choice)."""
    if loadable:
        return {"collections": upload.loadable_collections(node, reader)}
    return {"collections": reads.visible_collections(node, reader)}


@router.post(
    "/collections/{name}/entities",
    response_model=None,
    responses={
        **ok(m.LoadSummary, "What was loaded, skipped and dropped."),
        **errors(400, 401, 403, 404),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "FollowTheMoney entities, one JSON object per line (UTF-8).",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
async def load_entities(
    request: Request,
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    name: str,
    on_error: Annotated[str, Query(pattern="^(abort|skip)$")] = "abort",
) -> dict:
    """Load FollowTheMoney entity JSON lines into a collection of your
    organisation, in one transaction: with ``on_error=abort`` (the default)
    a bad line loads nothing (400 naming the line); with ``skip`` the bad
    lines are listed in ``errors``.  Values FollowTheMoney rejects are counted
    in ``dropped_values``, never dropped silently."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise InvalidInput("body: larger than 256 MiB; split the upload")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise InvalidInput("body: larger than 256 MiB; split the upload")
        chunks.append(chunk)
    body = b"".join(chunks)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"body: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    summary = await run_in_threadpool(
        ftm.load_lines,
        node,
        name,
        text.splitlines(),
        source="upload",
        actor=reader,
        on_error=on_error,
        purpose=purpose,
    )
    return summary.to_dict()


@router.post(
    "/collections/{name}/files",
    response_model=None,
    responses={
        **ok(m.LoadSummary, "What was loaded, dropped and possibly matched."),
        **errors(400, 401, 403, 404),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "FtM JSON lines (.jsonl), a CSV / XLSX table "
                                "(with mapping, or an HTCDS case file), or a document "
                                "(.txt .html .pdf .docx .eml); the extension decides.",
                            },
                            "mapping": {
                                "type": "string",
                                "format": "binary",
                                "description": "YAML mapping for a table (docs/mapping.md).",
                            },
                            "format": {
                                "type": "string",
                                "enum": list(dispatch.FORMATS),
                                "description": "Override the format the extension implies.",
                            },
                        },
                    }
                }
            },
        }
    },
)
async def load_file(
    request: Request, node: NodeDep, reader: ReaderDep, purpose: PurposeDep, name: str
) -> dict:
    """Load one uploaded file (multipart, up to 256 MiB) as ``gugus load``
    would, all or nothing: the first bad line or row answers 400 naming it,
    and nothing is loaded.  Answers the load summary (counts, dropped
    values, possible matches)."""
    async with received_upload(request) as got:
        if "file" not in got.files:
            raise InvalidInput("file: no file part named 'file' (the file to load)")
        return await run_in_threadpool(
            upload.load_upload,
            node,
            reader,
            name,
            got.files["file"],
            mapping=got.files.get("mapping"),
            fmt=got.fields.get("format") or None,
            purpose=purpose,
        )


@router.get(
    "/audit",
    response_model=None,
    responses={
        **ok(m.AuditRecords, "A page of your organisation's audit trail."),
        **errors(400, 401, 403),
    },
)
def audit(
    node: NodeDep,
    reader: ReaderDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[str | None, Query(max_length=64)] = None,
    until: Annotated[str | None, Query(max_length=64)] = None,
) -> dict:
    """The audit records of the supervisor's organisation, newest first
    (supervisors only).  Filters: ``action``, ``user``, ``since`` (inclusive)
    and ``until`` (exclusive; a bare date includes that day) as ISO 8601
    dates or times (UTC without an offset); page with ``before`` = the last
    ``seq`` shown.  A record whose data the supervisor may not see keeps
    who, what kind and when; the rest reads ``[not visible to you]``."""
    return {
        "records": reads.list_audit(
            node,
            reader,
            limit=limit,
            before=before,
            action=action,
            user=user,
            since=since,
            until=until,
        )
    }


class JudgementRequest(BaseModel):
    """A verdict on two entities (ids as search and entity reads show them;
    a canonical ``gc-…`` id means its resolved entity)."""

    a: str = Field(min_length=1, max_length=300)
    b: str = Field(min_length=1, max_length=300)
    verdict: str = Field(pattern="^(same|different|unsure)$")
    reason: str | None = Field(default=None, max_length=judgements.MAX_REASON)


@router.post(
    "/judgements",
    response_model=None,
    responses={
        **ok(m.JudgementMade, "The judgement and the resolved entity it makes."),
        **errors(400, 401, 404),
    },
)
def judge(node: NodeDep, reader: ReaderDep, purpose: PurposeDep, body: JudgementRequest) -> dict:
    """Record a judgement (never replaces one: judging the pair again adds to
    its history).  An entity the reader may not see answers 404, like a
    missing one."""
    return judgements.judge(
        node, reader, body.a, body.b, body.verdict, body.reason, purpose=purpose
    )


@router.get(
    "/judgements",
    response_model=None,
    responses={**ok(m.Judgements, "The judgements you may see."), **errors(400, 401, 404)},
)
def judgement_list(
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    entity: Annotated[str, Query(min_length=1, max_length=300)],
) -> dict:
    """The judgements the reader may see on an entity (or on any member of
    its resolved entity), newest first."""
    return {
        "entity": entity,
        "judgements": judgements.list_judgements(node, reader, entity, purpose=purpose),
    }
