"""Writing article records into a Whoosh index inside a not-yet-published generation."""

from __future__ import annotations

import dataclasses
import functools
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from search.analysis import (
    EXACT,
    STEM,
    exact_text,
    indexed_texts,
    stem_analysis,
    stem_tag,
    stem_text,
    tagged_text,
)
from search.article import Article
from search.docvalues import facet_key
from search.whoosh_engine.docvalues import extend_docvalues, write_docvalues
from search.whoosh_engine.fastcodec import FastW3Codec, GroupedPool
from search.whoosh_engine.fastindex import FusedAnalysis, fast_schema
from search.whoosh_engine.parallel import TEXT_PER_BYTE, HelperWriter
from search.whoosh_engine.schema import (
    SPELL_FIELD,
    analyser,
    body_field,
    build_schema,
    date_key,
    title_field,
)

INDEX_NAME = "articles"
LIMIT_MB = 512
"""Postings held in memory before a run is written to disk (Whoosh's default is 128).

By the pool's estimate: their Python objects take about 1.5 times as much."""
BULK_THRESHOLD = 1_000
"""A full build of at least this many files is written by two processes when it may."""
TAIL_SEGMENTS = 8
"""Small segments at the end of the index merged into an update's new one, once this many."""
SMALL_SHARE = 50
"""A segment is small when it holds at most 1/50 of the documents (or ``SMALL_DOCS``)."""
SMALL_DOCS = 1_000


_WORD = re.compile(r"\w+")


def spelling_words(text: str) -> str:
    """Each distinct word once: did-you-mean needs the vocabulary and document counts only,
    so the ``spell`` field is fed a de-duplicated word list (about a third of the tokens)."""
    return " ".join(dict.fromkeys(_WORD.findall(text.lower())))


_STEMMERS: dict[str, FusedAnalysis] = {}
"""One fused analyser per language, each remembering the term of every word it has seen."""
_STEMMER_WORDS = 2_000_000
"""A stemmer forgets its words beyond this many (a ``--watch`` process lives long)."""


def stemmed_text(lang: str, text: str, *, prepared: bool = False) -> str:
    """The stemmed fields' text of ``text`` in ``lang``: analysed by the language's analyser
    (as queries are), tagged with it. ``prepared``: ``text`` is ``stem_text``'s already."""
    tag = stem_tag(lang)
    found = _STEMMERS.get(tag)
    if found is None or len(found) > _STEMMER_WORDS:
        found = _STEMMERS[tag] = FusedAnalysis(analyser(stem_analysis(tag)))
    return tagged_text(tag, found.terms(text if prepared else stem_text(text))[0])


def to_document(article: Article) -> dict[str, Any]:
    """The Whoosh document for one article: its text goes into the exact fields, and,
    analysed in its own language and tagged with it, into the stemmed fields."""
    record = dataclasses.asdict(article)
    del record["body"], record["source"]
    record["date"] = article.date.isoformat() if article.date else None
    record["modified"] = article.modified.isoformat() if article.modified else None
    doc: dict[str, Any] = {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "body": article.body,
        "source": article.source,
        "record": record,
        "lang": article.lang,
        SPELL_FIELD: spelling_words(f"{article.title}\n{article.body}"),
    }
    for field, text in ((title_field, article.title), (body_field, article.body)):
        doc[field(EXACT)], unstemmed = indexed_texts(text)
        doc[field(STEM)] = stemmed_text(article.lang, unstemmed, prepared=True)
    if article.tags:
        doc["tags"] = ",".join(facet_key(tag) for tag in article.tags)
    if article.publication:
        doc["publication"] = facet_key(article.publication)
    if article.authors:
        doc["author"] = exact_text("\n".join(article.authors))
    if article.date:
        doc["date"] = date_key(article.date.year, article.date.month, article.date.day)
    if article.translation_key:
        doc["translation_key"] = article.translation_key
    return doc


def open_segment_writer(directory: Path, *, lock: bool = True) -> tuple[SegmentWriter, Any]:
    """A Whoosh writer on the index in ``directory`` with the fast analysis, codec and pool,
    and the plain schema to put back before its segment is finished.

    One process writes what plain Whoosh would, faster (see ``fastindex`` and
    ``fastcodec``: the same bytes but for the posting blocks' encoding); ``lock=False``
    is for the helper of a two-process build, whose parent holds the index's lock.
    """
    if index.exists_in(str(directory), indexname=INDEX_NAME):
        ix = index.open_dir(str(directory), indexname=INDEX_NAME)
    else:
        ix = index.create_in(str(directory), build_schema(), indexname=INDEX_NAME)
    writer = SegmentWriter(ix, _lk=lock, limitmb=LIMIT_MB, codec=FastW3Codec())
    # Added documents are analysed by the fused fields; the plain schema is put back
    # before the commit, which saves it in the index.
    plain_schema = writer.schema
    writer.schema = fast_schema(plain_schema)
    writer.pool = GroupedPool(directory, LIMIT_MB)
    return writer, plain_schema


class WhooshWriter:
    """Applies deletions and additions to the Whoosh index in ``directory``, then commits.

    The directory is a private ``.partial`` generation: nothing here is visible
    to readers until the store publishes it. A full build of ``BULK_THRESHOLD`` files
    or more (``expected``, of ``expected_bytes``) that may use two processes hands
    the first part of it, about half its text (by ``estimate_text``, else by the files'
    size), to a second writer process (``parallel``).
    """

    def __init__(
        self,
        directory: Path,
        *,
        expected: int = 0,
        expected_bytes: int = 0,
        estimate_text: Callable[[], int] | None = None,
        processes: int = 1,
    ) -> None:
        self.directory = directory
        self._writer, self._schema = open_segment_writer(directory)
        self._before = [(seg.segment_id(), seg.doc_count_all()) for seg in self._writer.segments]
        self._helper: HelperWriter | None = None
        bulk = expected >= BULK_THRESHOLD and expected_bytes > 0
        if bulk and processes >= 2 and not self._writer.segments:
            text = estimate_text() if estimate_text else int(expected_bytes * TEXT_PER_BYTE)
            self._helper = HelperWriter(
                directory,
                text,
                functools.partial(open_segment_writer, lock=False),  # the parent holds the lock
                to_document,
            )
        self._open = True
        self.phases: dict[str, float] = {}
        """Seconds of the steps of ``commit``, for the build report."""

    def delete(self, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            self._writer.delete_by_term("id", article_id)

    def add(self, articles: Iterable[Article]) -> None:
        helper = self._helper
        for article in articles:
            if helper is None or not helper.take(article):
                self._writer.add_document(**to_document(article))

    def commit(self) -> None:
        self._open = False  # committed or failed, the Whoosh writer is closed either way
        self._writer.schema = self._schema
        helper, self._helper = self._helper, None
        if helper is not None and not helper.added:
            helper.cancel()
            helper = None
        started = time.perf_counter()
        if helper is None:
            self._writer.commit(mergetype=merge_tail)
        else:
            _commit_with_helper(self._writer, helper)
        committed = time.perf_counter()
        ix = index.open_dir(str(self.directory), indexname=INDEX_NAME)
        if not self._before or not extend_docvalues(ix, self.directory, self._before):
            write_docvalues(ix, self.directory)
        self.phases = {
            "whoosh commit": round(committed - started, 4),
            "facet arrays": round(time.perf_counter() - committed, 4),
        }

    def cancel(self) -> None:
        """Abandon the writer; after a commit (even a failed one) there is nothing to undo,
        and the caller throws the whole ``.partial`` generation away."""
        if self._helper is not None:
            self._helper.cancel()
            self._helper = None
        if self._open:
            self._open = False
            self._writer.cancel()


def merge_tail(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """Whoosh's merge policy for our commits: the small segments at the end of the index are
    merged into the new segment once there are ``TAIL_SEGMENTS`` of them; the others stay
    as they are, in their order.

    Whoosh's default (``MERGE_SMALL``) merges by size wherever segments are and
    re-sorts the ones it keeps, so every commit could renumber every document; here
    an update's commit writes about its own documents and the leading segments keep
    their numbers, so the facet arrays of their documents are carried on, not rebuilt
    (``docvalues.extend_docvalues``). Merging only at the end keeps the segment count
    low without ever rewriting the big segments of the first build.
    """
    total = sum(segment.doc_count_all() for segment in segments)
    small = max(SMALL_DOCS, total // SMALL_SHARE)
    tail = 0
    while tail < len(segments) and segments[-1 - tail].doc_count_all() <= small:
        tail += 1
    if tail < TAIL_SEGMENTS:
        return list(segments)
    for segment in segments[len(segments) - tail :]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return list(segments[: len(segments) - tail])


def _commit_with_helper(writer: SegmentWriter, helper: HelperWriter) -> None:
    """``SegmentWriter.commit`` of a fresh index whose first documents the helper wrote:
    this writer finishes its own segment while the helper finishes, and the table of
    contents lists the helper's segment first.

    The steps of Whoosh's ``commit`` (and of its ``MpWriter``), through the methods
    they use: Whoosh 2.7.4 is the last release and will not change them.
    """
    writer._check_state()
    try:
        own = [writer._finalize_segment()] if writer._added else []
        if not own:
            writer._close_segment()
        first = helper.finish()
    except BaseException:
        helper.cancel()
        writer._finish()  # the caller throws the whole generation away
        raise
    writer._commit_toc([first, *own])
    writer._finish()
