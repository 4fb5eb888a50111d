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

from whoosh.filedb.filestore import OverlayStorage
from whoosh.index import Index
from whoosh.reading import MultiReader, SegmentReader
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


def reopened(ix: Index, old: Searcher) -> Searcher:
    """A searcher of ``ix`` (a newer generation) made with ``old``'s readers of the segments
    both hold; ``old`` is not usable afterwards (its other segment readers are closed).

    An update adds a small segment and leaves the big ones where they were
    (``writer.merge_tail``), so a server reopening the index after a watcher's
    update opened every segment again: 0.2 s at 2,233 articles, and a compound
    segment of a full build is read into memory whole. Whoosh's own
    ``FileIndex.reader(reuse=...)`` means to do this but keys the old readers by
    generation and looks them up by segment id, so it never reuses one (2.7.4, its
    last release). A kept reader gets the new table of contents' segment object
    (its deletions may have changed) and reads files it opens later from the new
    generation's folder, which holds the same files (hard links): the old folder is
    removed once superseded."""
    toc = ix._read_toc()  # Whoosh has no public reader of the table of contents
    leaves = [reader for reader, _ in old.reader().leaf_readers()]
    kept = {r.segment().segment_id(): r for r in leaves if isinstance(r, SegmentReader)}
    for other in leaves:
        if not isinstance(other, SegmentReader):  # an empty index's reader: nothing to reuse
            other.close()
    readers = []
    for segment in toc.segments:
        reader = kept.pop(segment.segment_id(), None)
        if reader is None:
            reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
        else:
            _move(reader, segment, ix.storage)
        readers.append(reader)
    for unused in kept.values():
        unused.close()
    if not readers:
        return open_searcher(ix)
    reader = readers[0] if len(readers) == 1 else MultiReader(readers, generation=toc.generation)
    return Searcher(reader, weighting=BM25(), fromindex=ix)


def _move(reader: SegmentReader, segment: Any, storage: Any) -> None:
    """Point a kept segment reader at the new generation: its segment (deletions), and the
    folder it opens column files from (a compound segment's own files stay open)."""
    reader._segment = segment
    reader._perdoc._segment = segment
    if isinstance(reader._storage, OverlayStorage):
        reader._storage.b = storage
    else:
        reader._storage = reader._perdoc._storage = storage


class SearcherPool:
    def __init__(self, ix: Index, previous: list[Searcher] | None = None) -> None:
        """``previous``: searchers of an older generation of the same index (``hand_over``),
        whose segment readers are reused for the segments the two share."""
        self._ix = ix
        self._lock = threading.Lock()
        first = [reopened(ix, old) for old in previous or []] or [open_searcher(ix)]
        self._idle: list[Searcher] = list(first)
        self._opened: list[Searcher] = list(first)

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

    def hand_over(self) -> list[Searcher]:
        """The idle searchers, taken out of this pool (it opens new ones if asked again): a
        pool on a newer generation reuses their segment readers (``reopened``)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._opened = [s for s in self._opened if all(s is not t for t in idle)]
        return idle

    def close(self) -> None:
        with self._lock:
            for searcher in self._opened:
                searcher.close()
            self._opened.clear()
            self._idle.clear()
