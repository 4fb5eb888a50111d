"""The index's term lists, for prefix, fuzzy and did-you-mean expansions.

Tantivy's Python API walks a field's term dictionary by prefix and returns
each term with its document frequency; terms within N edits are found by
taking the terms sharing the first letter (as Whoosh's ``terms_within(...,
prefix=1)`` does, and as most spellers assume) and measuring the distance.
The lists are cached per field and letter: a searcher never changes.
"""

from __future__ import annotations

import threading

import numpy as np
import tantivy

_CACHE_LETTERS = 4_096
"""Cached (field, first letter) lists, at most: the vocabulary of a few dozen fields."""


class Vocabulary:
    """Term lookups on one searcher's term dictionaries."""

    def __init__(self, searcher: tantivy.Searcher) -> None:
        self.searcher = searcher
        self._letters: dict[tuple[str, str], dict[int, _SameLength]] = {}
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
        groups = self._by_letter(field, word[0])
        found: list[tuple[str, int]] = []
        for length in range(max(1, len(word) - edits), len(word) + edits + 1):
            group = groups.get(length)
            if group is not None:
                found.extend(group.within(word, edits))
        return found

    def _by_letter(self, field: str, letter: str) -> dict[int, _SameLength]:
        key = (field, letter)
        found = self._letters.get(key)
        if found is None:
            by_length: dict[int, list[tuple[str, int]]] = {}
            for term, freq in self.prefixed(field, letter):
                by_length.setdefault(len(term), []).append((term, freq))
            found = {length: _SameLength(terms) for length, terms in by_length.items()}
            with self._lock:
                if len(self._letters) >= _CACHE_LETTERS:
                    self._letters.clear()
                self._letters[key] = found
        return found


class _SameLength:
    """Terms of one length as a matrix of code points: one Levenshtein table for all at once.

    Measuring thousands of candidates one by one in Python costs tens of
    milliseconds a word; with NumPy each cell of the table is computed for every
    candidate together, and candidates over the limit are dropped row by row.
    """

    def __init__(self, terms: list[tuple[str, int]]) -> None:
        self.terms = [term for term, _ in terms]
        self.freqs = [freq for _, freq in terms]
        self.codes = np.array([[ord(ch) for ch in term] for term in self.terms], dtype=np.int32)

    def within(self, word: str, edits: int) -> list[tuple[str, int]]:
        rows = np.arange(len(self.terms))
        codes = self.codes
        width = codes.shape[1]
        previous = np.broadcast_to(np.arange(width + 1, dtype=np.int32), (len(rows), width + 1))
        for i, ch in enumerate(word, 1):
            current = np.empty_like(previous)
            current[:, 0] = i
            differs = codes != ord(ch)
            for j in range(1, width + 1):
                current[:, j] = np.minimum(
                    np.minimum(previous[:, j], current[:, j - 1]) + 1,
                    previous[:, j - 1] + differs[:, j - 1],
                )
            keep = current.min(axis=1) <= edits
            if not keep.all():
                rows, codes, current = rows[keep], codes[keep], current[keep]
                if rows.shape[0] == 0:
                    return []
            previous = current
        close = rows[previous[:, width] <= edits]
        return [(self.terms[r], self.freqs[r]) for r in close.tolist()]
