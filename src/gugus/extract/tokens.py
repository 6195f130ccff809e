"""Word tokens with offsets, the common ground of the gazetteers and names.

One regular-expression pass gives every word with its start and end; the
gazetteers and the name heuristic then work on token indexes and look at the
gap text between two tokens (a space joins a name, a comma or a full stop
ends it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gugus.extract.lexicon import fold

# A word: letters/digits, with inner apostrophes (O'Brien, d'Ivoire) but not an
# English possessive ('s), which stays outside the token.
TOKEN_RE = re.compile(r"\w+(?:['’](?![sS]\b)\w+)*")


@dataclass(slots=True)
class Tokens:
    text: str
    words: list[str]
    starts: list[int]
    ends: list[int]
    keys: list[str]  # each word lower-case and without accents, for lookups

    def __len__(self) -> int:
        return len(self.words)

    def gap(self, i: int) -> str:
        """The text between token ``i`` and token ``i + 1``."""
        return self.text[self.ends[i] : self.starts[i + 1]]

    def span_text(self, i: int, j: int) -> str:
        """Text from token ``i`` to token ``j`` inclusive, whitespace collapsed."""
        return " ".join(self.text[self.starts[i] : self.ends[j]].split())


@lru_cache(maxsize=4)
def tokenize(text: str) -> Tokens:
    """The words of ``text``; the last few results are kept, since the
    gazetteers and the name heuristic tokenize the same text.  Treat the
    result as read-only."""
    words, starts, ends = [], [], []
    for match in TOKEN_RE.finditer(text):
        words.append(match.group())
        starts.append(match.start())
        ends.append(match.end())
    keys = [fold(w).lower() for w in words]
    return Tokens(text, words, starts, ends, keys)


def is_capitalised(word: str) -> bool:
    return word[0].isupper()
