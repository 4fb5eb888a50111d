"""Writing article records into a Tantivy index inside a not-yet-published generation."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import orjson
import tantivy

from search.analysis import (
    EXACT,
    STEM,
    exact_text,
    indexed_texts,
    stem_analysis,
    stem_tag,
    tagged_text,
)
from search.article import Article
from search.docvalues import facet_key
from search.tantivy_engine import schema as s
from search.tantivy_engine.docvalues import (
    HitRows,
    extend_docvalues,
    live_keys,
    next_key,
    previous_rows,
    read_back,
    write_docvalues,
)
from search.tantivy_engine.hittable import HIT_FIELDS
from search.tantivy_engine.live import HEAP_BYTES, THREADS, LiveIndex
from search.types import FacetName

_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(Article) if f.name != "body")


def record_json(article: Article) -> bytes:
    """Everything the reader shows about an article but its body (stored apart), as JSON.

    Fields read one by one and written by orjson (dates as ISO strings, tuples as
    arrays): ``dataclasses.asdict`` deep-copies every value and cost a quarter of
    a whole build.
    """
    return orjson.dumps({name: getattr(article, name) for name in _RECORD_FIELDS})


def article_hit_line(article: Article) -> bytes:
    """The hit table line of ``article``: the same bytes as from its stored record."""
    return orjson.dumps({name: getattr(article, name) for name in HIT_FIELDS}) + b"\n"


def to_document(article: Article, key: int) -> tantivy.Document:
    """The Tantivy document for one article: its text goes into the exact fields, and,
    analysed in its own language and tagged with it, into the stemmed fields."""
    doc = tantivy.Document()
    doc.add_text(s.ID, article.id)
    doc.add_unsigned(s.KEY, key)
    doc.add_bytes(s.RECORD, record_json(article))
    doc.add_bytes(s.BODY, article.body.encode("utf-8"))
    doc.add_text(s.LANG, article.lang)
    doc.add_text(s.SPELL, f"{article.title}\n{article.body}")
    lang = stem_tag(article.lang)
    stemmer = s.analyser(stem_analysis(lang))
    for field, text in ((s.title_field, article.title), (s.body_field, article.body)):
        exact, unstemmed = indexed_texts(text)
        doc.add_text(field(EXACT), exact)
        doc.add_text(field(STEM), tagged_text(lang, stemmer.analyze(unstemmed)))
    for tag in dict.fromkeys(facet_key(tag) for tag in article.tags):
        doc.add_text(s.TAGS, tag)
    if article.publication:
        doc.add_text(s.PUBLICATION, facet_key(article.publication))
    if article.authors:
        doc.add_text(s.AUTHOR, exact_text("\n".join(article.authors)))
    if article.date:
        doc.add_unsigned(
            s.DATE, s.date_key(article.date.year, article.date.month, article.date.day)
        )
        doc.add_unsigned(s.YEAR, article.date.year)
    if article.translation_key:
        doc.add_text(s.TRANSLATION_KEY, article.translation_key)
    add_facet_keys(doc, article)
    return doc


def add_facet_keys(doc: tantivy.Document, article: Article) -> None:
    """Each keyed facet's distinct keys, as ``DocValuesBuilder`` counts them (one a document)."""
    facets: dict[FacetName, Sequence[str]] = {
        "tag": article.tags,
        "publication": (article.publication,) if article.publication else (),
        "author": article.authors,
        "lang": (article.lang,),
    }
    for facet, values in facets.items():
        for key in dict.fromkeys(map(facet_key, values)):
            doc.add_text(s.FACET_FIELDS[facet], key)


class TantivyWriter:
    """Applies deletions and additions to the Tantivy index in ``directory``, then commits.

    The directory is a private ``.partial`` generation, empty or a copy of the
    previous generation: nothing here is visible to readers until the store
    publishes it. With ``live`` (a watcher's), the changes are made in its working
    copy by its long-lived writer, committed without waiting for merges, and the
    commit is linked into ``directory`` (``search.tantivy_engine.live``).
    """

    def __init__(self, directory: Path, live: LiveIndex | None = None) -> None:
        self.directory = Path(directory)
        self._live = live
        with io_errors(self.directory):
            if live is None:
                self._index = s.open_index(self.directory, create=True)
                self._writer: tantivy.IndexWriter | None = self._index.writer(HEAP_BYTES, THREADS)
            else:
                self._index, self._writer = live.open_on(self.directory)
        self._next_key = next_key(self.directory)
        self._deleted: set[str] = set()
        self._dead_keys: list[int] = []
        """Keys of the copied generation's documents deleted."""
        self._added: list[tuple[int, str, bytes]] = []
        """(key, id, hit line) of each article added, in order."""
        self.phases: dict[str, float] = {}
        """Seconds of the steps of ``commit``, for the build report."""

    def _open(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("the writer was already committed or cancelled")
        return self._writer

    def delete(self, article_ids: Iterable[str]) -> None:
        writer = self._open()
        ids = set(article_ids)
        with io_errors(self.directory):
            self._dead_keys += self._keys_of(ids - self._deleted)
            for article_id in ids:
                writer.delete_documents_by_term(s.ID, article_id)
        # as in Tantivy, a deletion removes the documents added before it, not after
        self._deleted |= ids
        self._added = [row for row in self._added if row[1] not in ids]

    def _keys_of(self, ids: set[str]) -> list[int]:
        """The keys of the copied generation's documents with these ids."""
        if not ids:
            return []
        searcher = self._index.searcher()  # the copied generation: nothing committed yet
        addresses = []
        for article_id in ids:
            query = tantivy.Query.term_query(self._index.schema, s.ID, article_id)
            addresses += [address for _score, address in searcher.search(query, 10).hits]
        if not addresses:
            return []
        keys = searcher.fast_field_values(s.KEY, addresses)
        found: list[int] = np.asarray(keys, dtype=np.uint64).tolist()
        return found

    def add(self, articles: Iterable[Article]) -> None:
        writer = self._open()
        for article in articles:
            with io_errors(self.directory):
                writer.add_document(to_document(article, self._next_key))
            self._added.append((self._next_key, article.id, article_hit_line(article)))
            self._next_key += 1

    def commit(self) -> None:
        writer = self._open()
        started = time.perf_counter()
        with io_errors(self.directory):
            writer.commit()
            committed = time.perf_counter()
            if self._live is None:
                # Merges run in the background; waiting for them leaves a settled segment set
                # in the directory (and the writer's lock released) before it is published.
                writer.wait_merging_threads()
            else:  # they go on in the working copy; this commit's files are linked here
                self._live.snapshot(self.directory)
        self._writer = None
        merged = time.perf_counter()
        self.phases = {
            "tantivy commit": round(committed - started, 4),
            "tantivy merges" if self._live is None else "snapshot": round(merged - committed, 4),
        }
        try:
            self._commit_docvalues()
        finally:
            self.phases["facet arrays"] = round(time.perf_counter() - merged, 4)

    def _commit_docvalues(self) -> None:
        self._index.reload()
        searcher = self._index.searcher()
        added = [(key, line) for key, _id, line in self._added]
        extended = extend_docvalues(self.directory, sorted(self._dead_keys), added, self._next_key)
        if extended is not None and int(np.count_nonzero(extended.live)) == searcher.num_docs:
            return
        rows = self._rows()
        if live_keys(searcher) != rows.keys:
            rows = read_back(searcher)
        write_docvalues(rows, self.directory, self._next_key)

    def _rows(self) -> HitRows:
        """The live documents as this writer's changes left them: the kept rows of the copied
        generation, then the added ones (their keys are larger, so key order holds)."""
        rows = previous_rows(self.directory)
        if self._deleted:
            kept = [
                (key, line)
                for key, line in zip(rows.keys, rows.lines, strict=True)
                if orjson.loads(line)["id"] not in self._deleted
            ]
            rows = HitRows([key for key, _ in kept], [line for _, line in kept])
        rows.keys += [key for key, _id, _line in self._added]
        rows.lines += [line for _key, _id, line in self._added]
        return rows

    def cancel(self) -> None:
        if self._live is not None:
            # uncommitted changes rolled back, or a commit never published: made again
            self._live.forget()
        elif self._writer is not None:
            # after a failed write the writer may be dead: its error is the one reported
            with contextlib.suppress(ValueError):
                self._writer.rollback()
        self._writer = None


@contextlib.contextmanager
def io_errors(directory: Path) -> Iterator[None]:
    """Tantivy's writer errors as the ``OSError`` they are (the CLI's exit 3).

    The binding raises ``ValueError`` for every failure of the writer: "An IO error
    occurred: 'No space left on device (os error 28)'", or, when the failure hit one of
    its threads, "An index writer was killed" without the cause. The errno is taken
    from the message, else guessed from the file system (full, read-only, not
    writable), else EIO.
    """
    try:
        yield
    except ValueError as exc:
        found = re.search(r"os error (\d+)", str(exc))
        code = int(found.group(1)) if found else _likely_cause(directory)
        raise OSError(code, f"{os.strerror(code)} (Tantivy: {exc})") from exc


def _likely_cause(directory: Path) -> int:
    try:
        info = os.statvfs(directory)
    except OSError:
        return errno.EIO
    if info.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if info.f_bavail * info.f_frsize < 1024 * 1024:
        return errno.ENOSPC
    return errno.EIO if os.access(directory, os.W_OK) else errno.EACCES
