"""Documents (txt, html, pdf, docx, eml) → a Document entity + extracted statements.

Each file becomes one record: a ``Document`` (text, hash, language, source
path, dates) and, for every distinct selector or name found in it, a
``Mention`` pointing at the document, so later cross-referencing can match a
phone or a CURP seen in a report against a row in another agency's table.
Every extracted value carries the document's marking and, as its provenance,
the backend and version that produced it (``extract:<backend>:<file>``).

Reading and extraction are pure and CPU-bound, so large batches run them in a
second process while the main process writes (``ordered_map``); a file that
cannot be read is a record error (reported, or the batch rolls back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path

from followthemoney import model
from followthemoney.util import make_entity_id

from gugus.errors import GugusError, InvalidInput, Msg
from gugus.extract import Extraction, Found, extract
from gugus.ingest.clean import clean_value
from gugus.ingest.parsed import ParsedEntity, Record, chunked, dropped_value, ordered_map
from gugus.ingest.textract import DocumentText, Refused, iter_document_paths, read_document
from gugus.ingest.textract.read import invalid

__all__ = ["DocumentOptions", "document_records", "iter_document_paths"]

PARALLEL_FILES = 8  # more files than this: read and extract in a second process
CHUNK_FILES = 16  # files per task sent to that process
READER = "gugus.textract/1"

# Where each kind of extracted value goes on the Document, and what a Mention
# of it is detected as.  Kinds without a Document property still get a Mention.
DOC_PROP = {
    "person": "peopleMentioned",
    "organization": "companiesMentioned",
    "location": "locationMentioned",
    "country": "detectedCountry",
    "phone": "phoneMentioned",
    "email": "emailMentioned",
    "iban": "ibanMentioned",
    "date": "date",
}
MENTION_SCHEMA = {
    "person": "Person",
    "organization": "Organization",
    "location": "Address",
    "phone": "Person",
    "email": "Person",
    "curp": "Person",
    "rfc": "LegalEntity",
    "ssn": "Person",
    "nik": "Person",
    "nit": "LegalEntity",
    "passport": "Passport",
    "clabe": "BankAccount",
    "iban": "BankAccount",
    "plate": "Vehicle",
}
NAME_KINDS = frozenset({"person", "organization"})
# Below this an extracted value is a guess (e.g. a year-less date dated only by
# the load date), not worth a statement.
MIN_SCORE = 0.5

DOCUMENT = model.get("Document")
MENTION = model.get("Mention")


@dataclass(frozen=True, slots=True)
class DocumentOptions:
    """What the user told the load: defaults for every document of the batch."""

    published: dt.date | None = None  # --published: the documents' date when metadata lacks one
    language: str | None = None  # --language: skip detection
    names: str | None = None  # --names: the name-extraction backend
    country: str | None = None  # the collection's default country (phones without +)
    today: dt.date | None = None  # the load date (pins year-less dates); default: today


def _values(schema, where: str, given: dict[str, list[str]]) -> tuple[list, list]:
    """Clean ``{prop: [raw values]}`` through FtM types; rejected values are
    returned as drops (counted and reported by the load), never lost silently."""
    values, dropped = [], []
    for name, raws in given.items():
        prop = schema.get(name)
        for raw in raws:
            if raw is None or raw == "":
                continue
            value = clean_value(prop, raw)
            if value is None:
                dropped.append(dropped_value(where, name, raw, prop.type.name))
            else:
                values.append((prop.name, prop.type.name, value))
    return values, dropped


def _fragment(entity_id, schema, where, origin, given) -> ParsedEntity:
    values, dropped = _values(schema, where, given)
    return ParsedEntity(entity_id, schema.name, values=values, dropped=dropped, origin=origin)


def document_id(collection: str, doc: DocumentText) -> str:
    """Stable across loads and paths: the same bytes are the same Document."""
    return make_entity_id("gugus-document", collection, doc.content_hash)


def _document(collection: str, doc: DocumentText, found: Extraction, options, where, origin):
    """The Document's own statements: what was read, and its date."""
    doc_id = document_id(collection, doc)
    own = {
        "fileName": [doc.path.name],
        "contentHash": [doc.content_hash],
        "mimeType": [doc.mime_type],
        "extension": [doc.extension.lstrip(".")],
        "fileSize": [str(doc.size)],
        "title": [doc.title],
        "author": [doc.author],
        "bodyText": [doc.text],
        "encoding": [doc.encoding],
        "processingAgent": [READER],
    }
    if doc.metadata.get("message_id"):
        own["messageId"] = [doc.metadata["message_id"]]
    if doc.published is not None:
        own["publishedAt"] = [doc.published.isoformat()]
    elif options.published is not None:
        own["publishedAt"] = [options.published.isoformat()]
    if options.language or doc.language_hint:
        own["language"] = [options.language or doc.language_hint]
    fragments = [_fragment(doc_id, DOCUMENT, where, origin, own)]
    for warning in doc.warnings:
        fragments[0].values.append(("processingError", "string", warning[:500]))
    detected: dict[str, list[str]] = {}
    if found.language:
        detected["detectedLanguage"] = [found.language]
    if found.published is not None and "publishedAt" not in own:
        detected["publishedAt"] = [found.published.isoformat()]
    if detected:
        how = found.published_source or "language"
        tag = "inferred" if found.published_inferred else how
        fragments.append(
            _fragment(
                doc_id,
                DOCUMENT,
                where,
                f"extract:gugus.language+dates/1({tag}):{doc.path.name}",
                detected,
            )
        )
    return doc_id, fragments


def _by_backend(items: Iterable[Found]) -> dict[tuple[str, bool], list[Found]]:
    groups: dict[tuple[str, bool], list[Found]] = {}
    for item in items:
        groups.setdefault((item.backend, item.inferred), []).append(item)
    return groups


def _mention(collection, doc_id, item: Found, main_country, where, origin) -> ParsedEntity:
    schema = MENTION_SCHEMA.get(item.kind)
    given: dict[str, list] = {
        "document": [doc_id],
        "name": [item.value],
        "detectedSchema": [schema or item.kind],
    }
    if item.kind == "phone":
        given["contextPhone"] = [item.value]
    elif item.kind == "email":
        given["contextEmail"] = [item.value]
    if main_country:
        given["contextCountry"] = [main_country]
    mention_id = make_entity_id("gugus-mention", collection, doc_id, item.kind, item.value)
    return _fragment(mention_id, MENTION, where, origin, given)


HEADER_FIELDS = ("from", "to", "cc", "bcc", "reply_to")


def _header_addresses(collection, doc: DocumentText, doc_id: str, where, origin) -> list:
    """E-mail addresses of a message's headers: statements on the Document and
    Mentions, like addresses found in its text (provenance: the file)."""
    found = []
    for key in HEADER_FIELDS:
        for _name, address in getaddresses([doc.metadata.get(key, "")]):
            if "@" in address:
                found.append(address.strip().lower())
    found = list(dict.fromkeys(found))
    if not found:
        return []
    out = [_fragment(doc_id, DOCUMENT, where, origin, {"emailMentioned": found})]
    for address in found:
        item = Found("email", address, address, 0, 0, 1.0, READER)
        out.append(_mention(collection, doc_id, item, None, where, origin))
    return [p for p in out if p.values]


def document_entities(
    collection: str, doc: DocumentText, options: DocumentOptions, where: str, origin: str
) -> list[ParsedEntity]:
    found = extract(
        doc.text,
        language=options.language or doc.language_hint,
        published=doc.published or options.published,
        today=options.today,
        country=options.country,
        names=options.names,
    )
    doc_id, fragments = _document(collection, doc, found, options, where, origin)
    fragments.extend(_header_addresses(collection, doc, doc_id, where, origin))
    main_country = (found.country or options.country or "").lower() or None
    kept = (item for item in found.items if item.score >= MIN_SCORE)
    for (backend, inferred), items in _by_backend(kept).items():
        tag = f"{backend}(inferred)" if inferred else backend
        extract_origin = f"extract:{tag}:{doc.path.name}"
        on_doc: dict[str, list[str]] = {}
        seen: set[tuple[str, str]] = set()
        for item in items:
            prop = DOC_PROP.get(item.kind)
            if prop is not None:
                on_doc.setdefault(prop, []).append(item.value)
            if item.kind in NAME_KINDS:
                on_doc.setdefault("namesMentioned", []).append(item.value)
            key = (item.kind, item.value)
            if (item.kind in MENTION_SCHEMA) and key not in seen:
                seen.add(key)
                fragments.append(
                    _mention(collection, doc_id, item, main_country, where, extract_origin)
                )
        if on_doc:
            fragments.append(
                _fragment(
                    doc_id,
                    DOCUMENT,
                    where,
                    extract_origin,
                    {k: list(dict.fromkeys(v)) for k, v in on_doc.items()},
                )
            )
    return fragments


def _read_chunk(
    start: int, paths: list[str | Refused], collection: str, options: DocumentOptions
) -> list[Record]:
    out = []
    for offset, name in enumerate(paths):
        path = name.path if isinstance(name, Refused) else Path(name)
        rec = Record(start + offset, str(path), f"import:{path.name}")
        try:
            if isinstance(name, Refused):  # reported like an unreadable file, never opened
                raise invalid(path, name.reason)
            doc = read_document(path)
            rec.entities = document_entities(collection, doc, options, rec.where, rec.origin)
        except GugusError as exc:
            rec.error = exc if isinstance(exc, InvalidInput) else InvalidInput(exc.message)
        except Exception as exc:  # noqa: BLE001 — a library choking on one file must not stop a batch
            # The exception's kind only: a library's text may quote the file's content.
            rec.error = InvalidInput(
                Msg(
                    "%(file)s: could not be processed (%(kind)s)",
                    file=str(path),
                    kind=type(exc).__name__,
                )
            )
        out.append(rec)
    return out


def document_records(
    paths: list[Path], collection: str, options: DocumentOptions, *, parallel: bool | None = None
) -> Iterator[Record]:
    """One record per file, in order (directories walked recursively)."""
    files = [p if isinstance(p, Refused) else str(p) for p in iter_document_paths(paths)]
    if parallel is None:
        parallel = len(files) > PARALLEL_FILES
    yield from ordered_map(
        _read_chunk, chunked(files, CHUNK_FILES), collection, options, parallel=parallel
    )


def load_documents(
    node,
    collection: str,
    paths: list[Path],
    *,
    published: dt.date | None = None,
    language: str | None = None,
    names: str | None = None,
    parallel: bool | None = None,
    **kwargs,
):
    """Load documents into a collection in one transaction (see :func:`load_records`)."""
    from gugus.clock import today
    from gugus.extract import names_backend
    from gugus.ingest.load import check_on_error, load_records

    check_on_error(kwargs.get("on_error", "abort"))
    if names is not None:
        names_backend(names)  # an unknown backend fails before anything is read
    files = list(iter_document_paths(paths))  # bad paths fail before the transaction
    if not files:
        from gugus.ingest.textract import SUPPORTED

        raise InvalidInput(
            Msg(
                "%(path)s: no documents in this directory "
                "(read: %(read)s; a .jsonl file is loaded by naming it)",
                path=str(paths[0]),
                read=", ".join(sorted(SUPPORTED)),
            )
        )
    source = str(paths[0]) if len(paths) == 1 else f"{len(files)} files"
    set_total = getattr(kwargs.get("progress"), "set_total", None)
    if set_total is not None:
        set_total(len(files))

    def records(coll) -> Iterator[Record]:
        options = DocumentOptions(
            published=published, language=language, names=names, country=coll.country, today=today()
        )
        return document_records(files, coll.name, options, parallel=parallel)

    return load_records(node, collection, records, source=source, **kwargs)
