"""Optional names backend on a spaCy model the user installed.

gugus never installs spaCy nor downloads a model: set ``GUGUS_SPACY_MODEL``
to an installed model package ("es_core_news_md") or a model folder, and
register the backend (entry point ``spacy``).  Without spaCy or the model,
creating the backend fails with a message saying what to install.
"""

from __future__ import annotations

import importlib.util
import os

from gugus.errors import InvalidInput, Msg
from gugus.extract.names.base import NameSpan

ENV = "GUGUS_SPACY_MODEL"

# spaCy's labels (OntoNotes and WikiNER schemes) → ours.
_LABELS = {
    "PERSON": "person",
    "PER": "person",
    "ORG": "organization",
    "GPE": "location",
    "LOC": "location",
    "FAC": "location",
}


class SpacyNames:
    name = "spacy"
    languages: frozenset[str] | None = None

    def __init__(self, model: str | None = None) -> None:
        model = model or os.environ.get(ENV)
        if importlib.util.find_spec("spacy") is None:
            raise InvalidInput(
                Msg(
                    "names backend 'spacy' needs the spaCy package, which is not installed: "
                    "install spaCy and a model yourself, then set %(env)s to the model's package "
                    "name or folder",
                    env=ENV,
                ),
                details=[{"field": "names", "value": "spacy", "missing": "spacy"}],
            )
        if not model:
            raise InvalidInput(
                Msg(
                    "names backend 'spacy': set %(env)s to an installed model package or a model "
                    "folder (gugus never downloads models)",
                    env=ENV,
                ),
                details=[{"field": ENV, "missing": "model"}],
            )
        import spacy

        try:
            self._nlp = spacy.load(model, exclude=["parser", "lemmatizer", "textcat"])
        except OSError as exc:
            raise InvalidInput(
                Msg(
                    "names backend 'spacy': model %(model)r (%(env)s) is not installed or not a "
                    "model folder",
                    model=model,
                    env=ENV,
                ),
                details=[{"field": ENV, "value": model}],
            ) from exc
        meta = self._nlp.meta
        self.version = f"{meta.get('name', 'model')}-{meta.get('version', '0')}"
        lang = getattr(self._nlp, "lang", None)
        self.languages = frozenset({lang}) if lang and lang != "xx" else None

    def extract(self, text: str, lang: str | None) -> list[NameSpan]:
        doc = self._nlp(text)
        out = []
        for ent in doc.ents:
            label = _LABELS.get(ent.label_)
            if label:
                out.append(NameSpan(ent.start_char, ent.end_char, label, 0.75, ent.label_))
        return out
