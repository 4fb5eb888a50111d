"""Writing article records into a Whoosh index inside a not-yet-published generation."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.writing import IndexWriter

from search.languages import analyser_lang
from search.records import Article
from search.whoosh_engine.docvalues import write_docvalues
from search.whoosh_engine.fastcodec import FastW3Codec, GroupedPool
from search.whoosh_engine.fastindex import fast_schema
from search.whoosh_engine.schema import SPELL_FIELD, body_field, build_schema, date_key, title_field

INDEX_NAME = "articles"
LIMIT_MB = 512
"""Postings held in memory before a run is written to disk (Whoosh's default is 128)."""
BULK_THRESHOLD = 1_000
"""Kept for ``search.engines.open_writer``: a bulk build is now written like any other."""


_WORD = re.compile(r"\w+")


def spelling_words(text: str) -> str:
    """Each distinct word once: did-you-mean needs the vocabulary and document counts only,
    so the ``spell`` field is fed a de-duplicated word list (about a third of the tokens)."""
    return " ".join(dict.fromkeys(_WORD.findall(text.lower())))


def to_document(article: Article) -> dict[str, Any]:
    """The Whoosh document for one article: its text goes into its own language's fields."""
    lang = analyser_lang(article.lang)
    record = dataclasses.asdict(article)
    del record["body"], record["source"]
    record["date"] = article.date.isoformat() if article.date else None
    doc: dict[str, Any] = {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "body": article.body,
        "source": article.source,
        "record": record,
        "lang": article.lang,
        SPELL_FIELD: spelling_words(f"{article.title}\n{article.body}"),
        title_field(lang): article.title,
        body_field(lang): article.body,
    }
    if article.tags:
        doc["tags"] = ",".join(tag.casefold() for tag in article.tags)
    if article.publication:
        doc["publication"] = article.publication.casefold()
    if article.authors:
        doc["author"] = "\n".join(article.authors)
    if article.date:
        doc["date"] = date_key(article.date.year, article.date.month, article.date.day)
    if article.translation_key:
        doc["translation_key"] = article.translation_key
    return doc


class WhooshWriter:
    """Applies deletions and additions to the Whoosh index in ``directory``, then commits.

    The directory is a private ``.partial`` generation: nothing here is visible
    to readers until the store publishes it.
    """

    def __init__(self, directory: Path, *, bulk: bool = False) -> None:
        self.directory = directory
        if index.exists_in(str(directory), indexname=INDEX_NAME):
            self._index = index.open_dir(str(directory), indexname=INDEX_NAME)
        else:
            self._index = index.create_in(str(directory), build_schema(), indexname=INDEX_NAME)
        # One process writes the same bytes plain Whoosh would, faster (see ``fastindex`` and
        # ``fastcodec``): Whoosh's worker processes (``procs``) would analyse with the slow
        # chain again, and the parser's workers need the cores. ``bulk`` changes nothing.
        self._writer: IndexWriter = self._index.writer(limitmb=LIMIT_MB, codec=FastW3Codec())
        # Added documents are analysed by the fused fields; the plain schema is put back
        # before the commit, which saves it in the index.
        self._schema = self._writer.schema
        self._writer.schema = fast_schema(self._schema)
        self._writer.pool = GroupedPool(directory, LIMIT_MB)
        self._open = True

    def delete(self, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            self._writer.delete_by_term("id", article_id)

    def add(self, articles: Iterable[Article]) -> None:
        for article in articles:
            self._writer.add_document(**to_document(article))

    def commit(self) -> None:
        self._open = False  # committed or failed, the Whoosh writer is closed either way
        self._writer.schema = self._schema
        self._writer.commit()
        write_docvalues(self._index, self.directory)

    def cancel(self) -> None:
        """Abandon the writer; after a commit (even a failed one) there is nothing to undo,
        and the caller throws the whole ``.partial`` generation away."""
        if self._open:
            self._open = False
            self._writer.cancel()
