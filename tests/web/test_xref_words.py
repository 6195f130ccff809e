"""Every explanation code gugus.xref.explain can give has its words on the
pages (templates/_xref_words.html), so a Spanish page never falls back to
"alike in another way" for a level the model has."""

from __future__ import annotations

import re
from pathlib import Path

from gugus.xref import explain

TEMPLATE = Path(explain.__file__).parents[1] / "web" / "templates" / "_xref_words.html"


def test_every_level_code_has_words_on_the_pages():
    text = TEMPLATE.read_text(encoding="utf-8")
    levels = text[text.index("{% set LEVELS") :]
    levels = levels[: levels.index("} %}")]
    on_pages = set(re.findall(r'"([a-z_]+)":', levels))
    codes = {code for _, code, _ in explain._PATTERNS} | {c for c, _ in explain._LABELS.values()}
    assert codes - on_pages == set()
