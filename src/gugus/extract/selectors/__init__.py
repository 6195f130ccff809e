"""Selectors: identifiers that link records across agencies.

Every selector is found by a compiled regular expression and kept only when
its check digits (or, without check digits, its structure and a nearby
keyword) validate: an invalid CLABE or CURP in a text is a typo or a decoy
and must not link two people.
"""

from gugus.extract.selectors.common import BACKEND as SELECTORS_BACKEND
from gugus.extract.selectors.ids import find_ids
from gugus.extract.selectors.keyed import find_keyed
from gugus.extract.selectors.phones import find_phones

__all__ = ["SELECTORS_BACKEND", "find_ids", "find_keyed", "find_phones"]
