"""One uploaded file → a load, all or nothing (the web page's and the API's).

The HTTP layer (:mod:`gugus.api.uploads`) writes the upload, and its mapping
when a table needs one, into a private temporary directory under the names
the client gave (made safe); :func:`load_upload` dispatches by extension like
``gugus load`` (:func:`gugus.ingest.dispatch.load_paths`) with
``on_error="abort"``: the first bad row or line rolls everything back and the
error names it.  Messages and the summary name the files as uploaded, never
the temporary directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gugus.access import Reader, load_decision
from gugus.errors import GugusError, InvalidInput, Msg
from gugus.ingest import dispatch
from gugus.node import Node

MAX_UPLOAD = 256 * 1024 * 1024  # bytes of one request, as the API's JSON-lines body
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

__all__ = ["MAX_UPLOAD", "loadable_collections", "load_upload", "safe_name"]


def safe_name(filename: str | None, field: str) -> str:
    """The client's file name reduced to a safe base name (letters, digits,
    ``._-``), extension kept: the importers dispatch on it and provenance
    names it."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", base).lstrip("._")[-120:]
    if not name:
        raise InvalidInput(Msg("%(field)s: choose a file to upload", field=field))
    return name


def loadable_collections(node: Node, reader: Reader) -> list[dict]:
    """The collections the reader may load into: those it sees
    (:func:`gugus.reads.visible_collections`) that :func:`load_decision`
    allows, with their markings."""
    from gugus.reads import visible_collections

    return [
        c
        for c in visible_collections(node, reader)
        if load_decision(reader, c["name"], c["org"]).allowed
    ]


def load_upload(
    node: Node,
    reader: Reader,
    collection: str,
    path: Path,
    *,
    mapping: Path | None = None,
    fmt: str | None = None,
    purpose: str | None = None,
) -> dict:
    """Load one uploaded file (in a private directory) into ``collection`` as
    ``reader``, all or nothing; returns the load summary (as ``gugus load
    --json`` prints it)."""
    hide = sorted({str(p.parent) + os.sep for p in (path, mapping) if p}, key=len, reverse=True)
    try:
        summary = dispatch.load_paths(
            node,
            collection,
            [path],
            mapping=mapping,
            fmt=fmt,
            actor=reader,
            on_error="abort",
            purpose=purpose,
            parallel=False,  # in the server's threads: no forked workers
        )
    except GugusError as exc:
        raise type(exc)(_named(exc.message, hide), details=_named(exc.details, hide)) from None
    return _named(summary.to_dict(), hide)


def _named(value, hide: list[str]):
    """``value`` with the private directory taken out of every string."""
    if isinstance(value, Msg):  # the message keeps its id: a page translates it
        return Msg(value.id, **{k: _named(v, hide) for k, v in value.params.items()})
    if isinstance(value, str):
        for prefix in hide:
            value = value.replace(prefix, "")
        return value
    if isinstance(value, list):
        return [_named(v, hide) for v in value]
    if isinstance(value, dict):
        return {k: _named(v, hide) for k, v in value.items()}
    return value
