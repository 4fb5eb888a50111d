"""Did you mean: a suggestion from the archive's own vocabulary, shown, never applied."""

from __future__ import annotations

import re

from whoosh.reading import IndexReader

from search.query import ParsedQuery

SPELL_FIELD = "spell"
RARE = 2
"""A word found in fewer documents than this is worth a suggestion."""
GAIN = 5
"""A suggestion must be this many times more common than the word it replaces."""


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def better_word(word: str, reader: IndexReader) -> str | None:
    """A much more common word within one or two edits of ``word``, if the archive has one."""
    if len(word) < 3 or not word.isalpha():
        return None
    freq = reader.doc_frequency(SPELL_FIELD, word)
    if freq >= RARE:
        return None
    maxdist = 1 if len(word) < 6 else 2
    best: tuple[int, int, str] | None = None
    for candidate in reader.terms_within(SPELL_FIELD, word, maxdist, prefix=1):
        if candidate == word:
            continue
        cand_freq = reader.doc_frequency(SPELL_FIELD, candidate)
        if cand_freq < max(GAIN * freq, RARE):
            continue
        key = (edit_distance(word, candidate), -cand_freq, candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def suggest_query(text: str, parsed: ParsedQuery, reader: IndexReader) -> str | None:
    """The user's query with rare words replaced by common neighbours, or None."""
    suggestion = text
    for word in dict.fromkeys(w.casefold() for w in parsed.positive_words()):
        replacement = better_word(word, reader)
        if replacement:
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
            suggestion = pattern.sub(replacement, suggestion)
    return suggestion if suggestion != text else None
