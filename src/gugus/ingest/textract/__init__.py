"""Reading documents to text: .txt, .html/.htm, .pdf, .docx and .eml.

Pure reading — file → ``DocumentText`` (normalised text + the metadata the
file carries about itself) with clear ``InvalidInput`` errors; turning that
into a Document entity and statements is the importer's job.

    read_document(path, *, max_bytes=200 MiB) -> DocumentText
    iter_document_paths(paths) -> Iterator[Path | Refused]

Formats: ``plain`` (encodings), ``markup`` (HTML, inscriptis), ``pdf``
(pypdf), ``word`` (streamed XML; python-docx for the core properties), ``mail`` (stdlib email).  See
docs/documents.md, "Reading documents".
"""

from gugus.ingest.textract.document import SUPPORTED, DocumentText
from gugus.ingest.textract.paths import Refused, iter_document_paths
from gugus.ingest.textract.read import read_document

__all__ = ["SUPPORTED", "DocumentText", "Refused", "iter_document_paths", "read_document"]
