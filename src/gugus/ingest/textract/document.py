"""What reading a document yields: the public ``DocumentText`` and the
readers' private ``Extracted``.

Kept apart from the readers so the importer can code against the shape
without importing pypdf, python-docx or lxml.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from gugus.errors import Msg

# extension → MIME type; the keys are what ``gugus load`` reads.
MIME_TYPES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".eml": "message/rfc822",
}

SUPPORTED: frozenset[str] = frozenset(MIME_TYPES)


@dataclass(slots=True)
class DocumentText:
    """One file read to text, with the metadata found in the file itself.

    ``text`` is normalised (NFC, ``\\n`` line ends, no control characters but
    ``\\n`` and ``\\t``, at most one blank line in a row).  ``published`` comes
    from metadata only, never from the body.  ``warnings`` say what was not
    read (pages without a text layer, attachments, replaced bytes).
    """

    path: Path
    text: str
    title: str | None
    published: datetime.date | None
    author: str | None
    mime_type: str
    extension: str
    content_hash: str
    size: int
    encoding: str | None
    language_hint: str | None
    metadata: dict[str, str]
    warnings: list[str]


@dataclass(slots=True)
class Extracted:
    """What one format reader found; ``read_document`` adds the file facts
    and normalises every string once."""

    text: str = ""
    title: str | None = None
    published: datetime.date | None = None
    author: str | None = None
    encoding: str | None = None
    language_hint: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# The most text one document may yield (characters; about 1,000 pages).  A
# reader stops as soon as it has found more, so memory stays bounded per
# document whatever the file expands to; the file is refused with the reason.
# The bound is set by what follows reading: entity extraction (gugus.extract)
# takes 170-270 bytes a character, so 2 million characters stay within
# ~550 MB for the whole document.
MAX_TEXT = 2_000_000


class Unreadable(Exception):
    """A reader's reason why the bytes are not a readable document of their
    format (a :class:`gugus.errors.Msg`); ``read_document`` turns it into
    ``InvalidInput`` naming the file."""

    @property
    def reason(self) -> str:
        """The reason as given (``str(exc)`` would lose its message id)."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else str(self)


def too_much_text(limit: int = MAX_TEXT) -> Unreadable:
    return Unreadable(
        Msg("more than %(limit)s characters of text: not read (split the document)", limit=limit)
    )
