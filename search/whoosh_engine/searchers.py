"""Whoosh searchers lent to one thread at a time.

A Whoosh searcher reads its segment files by ``seek`` then ``read`` on shared file
objects, so two threads using one searcher read each other's positions (a posting
block read from the wrong offset: "Block tag error"). Threaded workers (gthread) run
several requests in one process, so each engine call borrows a searcher of its own:
an idle one, or a new one when all are lent. The pool grows to the number of calls
that run at once (the worker's admission slots), never beyond.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from whoosh.index import Index
from whoosh.scoring import BM25F
from whoosh.searching import Searcher


class BM25(BM25F):  # type: ignore[misc]  # Whoosh has no type hints
    """Whoosh's BM25F (k1 1.2, b 0.75, per field) with BM25's own IDF, as Tantivy and Lucene
    compute it: ``ln(1 + (N - n + 0.5) / (n + 0.5))``. Whoosh's default, ``ln(N / (n + 1)) + 1``,
    never falls below 1, so a word in every article still weighed a third of a rare one and
    both engines ranked apart (docs/ranking.md)."""

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        found = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - found + 0.5) / (found + 0.5))


def open_searcher(ix: Index) -> Searcher:
    """A searcher scoring with :class:`BM25`."""
    return ix.searcher(weighting=BM25())


class SearcherPool:
    def __init__(self, ix: Index) -> None:
        self._ix = ix
        self._lock = threading.Lock()
        first = open_searcher(ix)
        self._idle: list[Searcher] = [first]
        self._opened: list[Searcher] = [first]

    @contextmanager
    def borrow(self) -> Iterator[Searcher]:
        """A searcher no other thread uses until the block ends."""
        with self._lock:
            searcher = self._idle.pop() if self._idle else None
        if searcher is None:
            searcher = open_searcher(self._ix)
            with self._lock:
                self._opened.append(searcher)
        try:
            yield searcher
        finally:
            with self._lock:
                self._idle.append(searcher)

    def close(self) -> None:
        with self._lock:
            for searcher in self._opened:
                searcher.close()
            self._opened.clear()
            self._idle.clear()
