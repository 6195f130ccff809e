"""Receiving one multipart upload (the load page's and ``POST
/collections/{name}/files``): its file parts go to a private temporary
directory (mode 0700, one sub-folder per part, the client's file name made
safe), removed when the request is done; the whole body is refused past
:data:`~gugus.ingest.upload.MAX_UPLOAD`, counted as it arrives."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from gugus.errors import InvalidInput, Msg
from gugus.ingest.upload import MAX_UPLOAD, safe_name

TOO_BIG = Msg("body: larger than %(limit)s MiB; split the upload", limit=MAX_UPLOAD // 2**20)
MAX_FIELD = 64 * 1024  # bytes of a form field that is not a file


@dataclass
class Received:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


@asynccontextmanager
async def received_upload(
    request: Request, file_parts: tuple[str, ...] = ("file", "mapping")
) -> AsyncIterator[Received]:
    """The form's fields and its files (by part name) on disk, for the
    duration of the ``async with``.  A file part left empty (an optional
    input nobody filled) is absent."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput(
            Msg("body: send multipart/form-data with the file in a part named 'file'")
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD:
        raise InvalidInput(TOO_BIG)

    async def limited() -> AsyncIterator[bytes]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise InvalidInput(TOO_BIG)
            yield chunk

    parser = MultiPartParser(
        request.headers,
        limited(),
        max_files=len(file_parts),
        max_fields=20,
        max_part_size=MAX_FIELD,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidInput(
            Msg("body: not a valid multipart form (%(problem)s)", problem=exc.message)
        ) from None
    folder = Path(tempfile.mkdtemp(prefix="gugus-upload-"))
    try:
        received = Received()
        for key, value in form.multi_items():
            if not isinstance(value, UploadFile):
                received.fields[key] = value
                continue
            if key not in file_parts or key in received.files:
                raise InvalidInput(
                    Msg(
                        "%(field)s: unexpected file (send %(parts)s)",
                        field=key,
                        parts=", ".join(file_parts),
                    )
                )
            if not value.filename and not value.size:
                continue
            part = folder / key
            part.mkdir(mode=0o700)
            received.files[key] = part / safe_name(value.filename, key)
            await run_in_threadpool(_save, value, received.files[key])
        yield received
    finally:
        await form.close()
        shutil.rmtree(folder, ignore_errors=True)


def _save(upload: UploadFile, target: Path) -> None:
    upload.file.seek(0)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        shutil.copyfileobj(upload.file, handle, 1024 * 1024)
