"""Language of a text, from the model that ships inside the py3langid wheel.

The classifier is restricted to the languages the task force meets (the
corridor's Spanish and English, Portuguese and French from Brazil and Haiti,
Indonesian/Malay wire copy, a few European languages): fewer classes means
fewer absurd answers on short texts.  The model is loaded once, lazily,
because loading takes most of a second.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

# ISO 639-1 codes py3langid knows; the order is irrelevant.
LANGUAGES = ("en", "es", "pt", "fr", "id", "ms", "ht", "de", "it", "nl")

# Long texts: the opening is enough and keeps detection linear in a bound.
_SAMPLE = 3_000
# Fewer letters than this: no reliable answer.
_MIN_LETTERS = 12
_ENOUGH_LETTERS = re.compile(rf"(?:[^\W\d_][\W\d_]*){{{_MIN_LETTERS}}}")

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    with _lock:
        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        ident.set_languages(list(LANGUAGES))
    return ident


def detect_language(text: str) -> tuple[str | None, float]:
    """``(code, probability)`` of the text's language, ``(None, 0.0)`` if too short."""
    sample = text[:_SAMPLE]
    if not _ENOUGH_LETTERS.search(sample, 0, 2000):
        return None, 0.0
    code, score = _identifier().classify(sample)
    return str(code), round(float(score), 4)
