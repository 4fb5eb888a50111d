"""The index's term lists, for prefix, fuzzy and did-you-mean expansions.

Tantivy's Python API walks a field's term dictionary by prefix and returns
each term with its document frequency; terms within N edits are found by
taking the terms sharing the first letter (as Whoosh's ``terms_within(...,
prefix=1)`` does, and as most spellers assume) and measuring the distance.
The lists are cached per field and letter: a searcher never changes.
"""

from __future__ import annotations

import threading

import tantivy

_CACHE_LETTERS = 4_096
"""Cached (field, first letter) lists, at most: the vocabulary of a few dozen fields."""


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` as soon as it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


class Vocabulary:
    """Term lookups on one searcher's term dictionaries."""

    def __init__(self, searcher: tantivy.Searcher) -> None:
        self.searcher = searcher
        self._letters: dict[tuple[str, str], list[tuple[str, int]]] = {}
        self._lock = threading.Lock()

    def doc_freq(self, field: str, term: str) -> int:
        return int(self.searcher.doc_freq(field, term))

    def prefixed(self, field: str, prefix: str) -> list[tuple[str, int]]:
        """Terms of ``field`` starting with ``prefix``, most frequent first."""
        return list(self.searcher.terms_with_prefix(field, prefix))

    def within(self, field: str, word: str, edits: int) -> list[tuple[str, int]]:
        """Terms of ``field`` within ``edits`` edits of ``word`` sharing its first letter."""
        if not word:
            return []
        candidates = self._by_letter(field, word[0])
        return [
            (term, freq)
            for term, freq in candidates
            if abs(len(term) - len(word)) <= edits and edit_distance(word, term, edits) <= edits
        ]

    def _by_letter(self, field: str, letter: str) -> list[tuple[str, int]]:
        key = (field, letter)
        found = self._letters.get(key)
        if found is None:
            found = self.prefixed(field, letter)
            with self._lock:
                if len(self._letters) >= _CACHE_LETTERS:
                    self._letters.clear()
                self._letters[key] = found
        return found
