"""Did you mean: a suggestion from the archive's own vocabulary, shown, never applied.

The same rules as the Whoosh engine: a word found in fewer than ``RARE``
documents is replaced by the nearest word (one edit for short words, two for
longer ones) that is at least ``GAIN`` times more common.
"""

from __future__ import annotations

import re

from search.query import ParsedQuery
from search.tantivy_engine.schema import SPELL
from search.tantivy_engine.vocab import Vocabulary, edit_distance

RARE = 2
"""A word found in fewer documents than this is worth a suggestion."""
GAIN = 5
"""A suggestion must be this many times more common than the word it replaces."""


def better_word(word: str, vocab: Vocabulary) -> str | None:
    """A much more common word within one or two edits of ``word``, if the archive has one."""
    if len(word) < 3 or not word.isalpha():
        return None
    freq = vocab.doc_freq(SPELL, word)
    if freq >= RARE:
        return None
    maxdist = 1 if len(word) < 6 else 2
    best: tuple[int, int, str] | None = None
    for candidate, cand_freq in vocab.within(SPELL, word, maxdist):
        if candidate == word or cand_freq < max(GAIN * freq, RARE):
            continue
        key = (edit_distance(word, candidate, maxdist), -cand_freq, candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def suggest_query(text: str, parsed: ParsedQuery, vocab: Vocabulary) -> str | None:
    """The user's query with rare words replaced by common neighbours, or None."""
    suggestion = text
    for word in dict.fromkeys(w.casefold() for w in parsed.positive_words()):
        replacement = better_word(word, vocab)
        if replacement:
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
            suggestion = pattern.sub(replacement, suggestion)
    return suggestion if suggestion != text else None
