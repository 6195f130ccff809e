"""Extraction from free text: language, selectors, dates, countries, names.

Pure functions over a string (no database, no network, no model download):
the document importer calls ``extract()`` and turns the ``Found`` items into
statements with the offsets as provenance.  See ``docs/extraction.md``.
"""

from gugus.extract.found import KINDS, Extraction, Found
from gugus.extract.language import detect_language
from gugus.extract.names import names_backend
from gugus.extract.names.base import NamesBackend, NameSpan
from gugus.extract.pipeline import extract

__all__ = [
    "KINDS",
    "Extraction",
    "Found",
    "NameSpan",
    "NamesBackend",
    "detect_language",
    "extract",
    "names_backend",
]
