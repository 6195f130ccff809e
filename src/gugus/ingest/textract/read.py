"""``read_document``: one file → ``DocumentText``.

The file is read once into memory (bounded by ``max_bytes``, checked before
reading and again while reading, in case it grows) and hashed as it is read;
the format reader works on those bytes.  Every reader's output is normalised
here, in one place.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from gugus.errors import InvalidInput, Msg, NotFound
from gugus.ingest.textract.document import (
    MAX_TEXT,
    MIME_TYPES,
    SUPPORTED,
    DocumentText,
    Extracted,
    Unreadable,
    too_much_text,
)
from gugus.ingest.textract.normalise import clean_field, normalise_text

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
# Formats read whole into memory (a decoded string, an HTML tree, a parsed
# message) have lower limits, so that one document stays within a few hundred
# MB whatever it holds (an element-dense 16 MB HTML file once took 438 MB).
# PDF and DOCX are read part by part within their own bounds.
FORMAT_MAX_BYTES = {
    ".txt": 4 * MAX_TEXT,  # UTF-8: at most 4 bytes a character
    ".text": 4 * MAX_TEXT,
    ".html": 10 * 1024 * 1024,
    ".htm": 10 * 1024 * 1024,
    ".eml": 40 * 1024 * 1024,
}
_CHUNK = 1 << 20


def unsupported(path: Path) -> InvalidInput:
    """The error for a file whose extension is not read."""
    kind = path.suffix or "(none)"
    return invalid(
        path,
        Msg(
            "unsupported file type %(kind)r (supported: %(supported)s)",
            kind=kind,
            supported=", ".join(sorted(SUPPORTED)),
        ),
    )


def read_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DocumentText:
    """Read one document; InvalidInput("<path>: <reason>") when it cannot be
    read as its extension says, NotFound when it does not exist."""
    path = Path(path)
    extension = path.suffix.lower()
    if extension not in SUPPORTED:
        raise unsupported(path)
    data, digest = _read_bytes(path, min(max_bytes, FORMAT_MAX_BYTES.get(extension, max_bytes)))
    try:
        found = _reader(extension)(data)
        if len(found.text) > MAX_TEXT:
            raise too_much_text(MAX_TEXT)
    except Unreadable as exc:
        raise invalid(path, exc.reason) from None
    return DocumentText(
        path=path,
        text=normalise_text(found.text, strip_indent=extension in (".html", ".htm")),
        title=clean_field(found.title),
        published=found.published,
        author=clean_field(found.author),
        mime_type=MIME_TYPES[extension],
        extension=extension,
        content_hash=digest,
        size=len(data),
        encoding=found.encoding,
        language_hint=found.language_hint,
        metadata=_clean_metadata(found.metadata),
        warnings=[" ".join(w.split()) for w in dict.fromkeys(found.warnings) if w.strip()],
    )


def _read_bytes(path: Path, max_bytes: int) -> tuple[bytes, str]:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise NotFound(Msg("%(file)s: file not found", file=str(path))) from None
    except OSError as exc:
        raise invalid(path, cannot_read(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise invalid(path, Msg("is a directory"))
    if not stat.S_ISREG(info.st_mode):
        raise invalid(path, NOT_REGULAR)
    if info.st_size > max_bytes:
        raise _too_large(path, info.st_size, max_bytes)
    digest = hashlib.sha1()  # noqa: S324 - FtM's contentHash is SHA-1, not a security use
    try:
        # Non-blocking open and a second check on the opened file: a FIFO
        # swapped in since the stat above must not block the load.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if not stat.S_ISREG(opened.st_mode):
                raise invalid(path, NOT_REGULAR)
            first = handle.read(opened.st_size)
            digest.update(first)
            chunks, total = [first], len(first)
            while chunk := handle.read(_CHUNK):  # the file grew since stat
                total += len(chunk)
                if total > max_bytes:
                    raise _too_large(path, total, max_bytes)
                digest.update(chunk)
                chunks.append(chunk)
    except OSError as exc:
        raise invalid(path, cannot_read(exc)) from None
    if total > max_bytes:
        raise _too_large(path, total, max_bytes)
    data = first if len(chunks) == 1 else b"".join(chunks)
    return data, digest.hexdigest()


def _reader(extension: str) -> Callable[[bytes], Extracted]:
    """The format reader; imported on first use so ``gugus`` starts without
    pypdf, python-docx and lxml when no document is read."""
    if extension in (".txt", ".text"):
        from gugus.ingest.textract.plain import read_plain

        return read_plain
    if extension in (".html", ".htm"):
        from gugus.ingest.textract.markup import read_html

        return read_html
    if extension == ".pdf":
        from gugus.ingest.textract.pdf import read_pdf

        return read_pdf
    if extension == ".docx":
        from gugus.ingest.textract.word import read_docx

        return read_docx
    from gugus.ingest.textract.mail import read_eml

    return read_eml


def _clean_metadata(metadata: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in metadata.items():
        if key == "attachments":  # one name per line
            lines = [clean_field(line) for line in value.split("\n")]
            cleaned = "\n".join(line for line in lines if line) or None
        else:
            cleaned = clean_field(value)
        if cleaned:
            out[key] = cleaned
    return out


def _too_large(path: Path, size: int, max_bytes: int) -> InvalidInput:
    own = FORMAT_MAX_BYTES.get(path.suffix.lower())
    if own == max_bytes:
        return invalid(
            path,
            Msg(
                "file is too large (%(size)s bytes; the limit for %(extension)s files is "
                "%(limit)s)",
                size=size,
                extension=path.suffix.lower(),
                limit=max_bytes,
            ),
        )
    return invalid(
        path,
        Msg(
            "file is too large (%(size)s bytes; the limit is %(limit)s)", size=size, limit=max_bytes
        ),
    )


NOT_REGULAR = Msg("not a regular file")


def cannot_read(exc: OSError) -> Msg:
    return Msg("cannot read (%(problem)s)", problem=exc.strerror or str(exc))


def invalid(path: Path, reason: str) -> InvalidInput:
    return InvalidInput(
        Msg("%(file)s: %(problem)s", file=str(path), problem=reason),
        details=[{"file": str(path), "reason": str.__str__(reason)}],
    )
