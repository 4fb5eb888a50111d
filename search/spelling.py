"""Did you mean: a suggestion from the archive's own vocabulary, shown, never applied.

Engine-neutral rules: a word found in fewer than ``RARE`` documents is
replaced by the nearest word (one edit for short words, two for longer ones)
that is at least ``GAIN`` times more common; an engine supplies the document
frequencies and the candidate words within that distance. Only plain words are
corrected (words, phrase words, ``title:`` words; never a prefix or a fuzzy
word), in the user's own spelling of case, with every operator kept; a query
with ``SUGGEST_BELOW`` hits or more gets no suggestion.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

from search.query import FieldTerm, ParsedQuery, Phrase, Word, positive_leaves

RARE = 2
"""A word found in fewer documents than this is worth a suggestion."""
GAIN = 5
"""A suggestion must be this many times more common than the word it replaces."""
SUGGEST_BELOW = 10
"""A query with this many hits (a page) needs no suggestion: it found what it names."""

Frequency = Callable[[str], int]
Neighbours = Callable[[str, int], Iterable[tuple[str, int]]]
"""(word, max edits) → (candidate, document frequency) pairs."""


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits between ``a`` and ``b``, a swap of two neighbouring letters counting as one
    (optimal string alignment, as the engines' fuzzy terms count them: ``kreig`` is one
    edit from ``krieg``), or ``limit + 1`` as soon as it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def better_word(word: str, frequency: Frequency, neighbours: Neighbours) -> str | None:
    """A much more common word within one or two edits of ``word``, if the archive has one."""
    if len(word) < 3 or not word.isalpha():
        return None
    freq = frequency(word)
    if freq >= RARE:
        return None
    maxdist = 1 if len(word) < 6 else 2
    best: tuple[int, int, str] | None = None
    # The engines' automata count a swap of two letters as two edits: ask one edit wider
    # and keep what is within ``maxdist`` when a swap counts as one (kreig -> krieg).
    for candidate, cand_freq in neighbours(word, min(maxdist + 1, 2)):
        if candidate == word or cand_freq < max(GAIN * freq, RARE):
            continue
        edits = edit_distance(word, candidate, maxdist)
        if edits > maxdist:
            continue
        key = (edits, -cand_freq, candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def suggest_query(
    text: str, parsed: ParsedQuery, frequency: Frequency, neighbours: Neighbours
) -> str | None:
    """The user's query with rare words replaced by common neighbours, or None."""
    suggestion = text
    for word in dict.fromkeys(w.casefold() for w in plain_words(parsed)):
        replacement = better_word(word, frequency, neighbours)
        if replacement:
            # a word, not the start of a prefix (russ*) or a fuzzy word (russ~1)
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?![\w*~])", re.IGNORECASE)
            suggestion = pattern.sub(functools.partial(_recased, replacement), suggestion)
    return suggestion if suggestion != text else None


def plain_words(parsed: ParsedQuery) -> list[str]:
    """The words a suggestion may correct: plain words, phrase words and ``title:`` words
    that are not excluded."""
    words: list[str] = []
    for leaf in positive_leaves(parsed.root):
        if isinstance(leaf, Word):
            words.append(leaf.text)
        elif isinstance(leaf, Phrase):
            words.extend(leaf.text.split())
        elif isinstance(leaf, FieldTerm) and leaf.field == "title":
            words.extend(leaf.value.split())
    return words


def _recased(replacement: str, match: re.Match[str]) -> str:
    return same_case(match.group(), replacement)


def same_case(original: str, replacement: str) -> str:
    """``replacement`` cased as the user typed ``original``: ``Karabah`` → ``Karabakh``,
    ``NATOO`` → ``NATO``, ``karabah`` → ``karabakh``."""
    if len(original) > 1 and original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement
