"""Whoosh searchers lent to one thread at a time.

A Whoosh searcher reads its segment files by ``seek`` then ``read`` on shared file
objects, so two threads using one searcher read each other's positions (a posting
block read from the wrong offset: "Block tag error"). Threaded workers (gthread) run
several requests in one process, so each engine call borrows a searcher of its own:
an idle one, or a new one when all are lent. The pool grows to the number of calls
that run at once (the worker's admission slots), never beyond.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh.index import Index
from whoosh.searching import Searcher


class SearcherPool:
    def __init__(self, ix: Index) -> None:
        self._ix = ix
        self._lock = threading.Lock()
        first = ix.searcher()
        self._idle: list[Searcher] = [first]
        self._opened: list[Searcher] = [first]

    @contextmanager
    def borrow(self) -> Iterator[Searcher]:
        """A searcher no other thread uses until the block ends."""
        with self._lock:
            searcher = self._idle.pop() if self._idle else None
        if searcher is None:
            searcher = self._ix.searcher()
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
