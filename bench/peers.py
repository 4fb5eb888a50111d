"""The two peers our engines are measured against: raw Tantivy and SQLite FTS5, used simply.

Each peer is what a developer would write in an afternoon with the library's
documented API, doing the same work as our engines in each mode:

- ``top10``: the ten best matches (all words required) and the total count,
  with each hit's stored title loaded;
- ``facets``: the same, plus counts of tags, publication, year and language
  over all matches;
- ``snippets``: the same, plus one highlighted body snippet per hit.

Raw Tantivy: one schema (``title``/``body`` with ``en_stem``, raw fast fields
for tags, publication and language, a fast integer year), ``parse_query``
with conjunction, ``searcher.search(q, 10)``, a ``terms`` aggregation per
facet and ``SnippetGenerator``. FTS5: one FTS5 table over title and body
(``porter unicode61``), plain tables for facets, ``bm25()`` for ranking, a
``GROUP BY`` over the materialised matching rowids and ``snippet()``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import tantivy

from bench.common import QueryLine, query_terms
from search.article import Article

MODES = ("top10", "facets", "snippets")
FACET_SIZE = 100
"""Facet values returned per facet, as our engines (``search.facets.MAX_FACET_VALUES``)."""
HEAP_BYTES = 256_000_000
THREADS = 2
"""The same indexing buffer and threads as our Tantivy engine, so builds compare like with like."""


class Peer(Protocol):
    def search(self, line: QueryLine, mode: str) -> int:
        """Run one query in one mode; the total number of matches."""

    def close(self) -> None: ...


# --- raw Tantivy -----------------------------------------------------------------------------


def tantivy_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    for name in ("tags", "publication", "lang"):
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    return builder.build()


def tantivy_document(article: Article) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("title", article.title)
    doc.add_text("body", article.body)
    for tag in dict.fromkeys(t.casefold() for t in article.tags):
        doc.add_text("tags", tag)
    if article.publication:
        doc.add_text("publication", article.publication)
    doc.add_text("lang", article.lang)
    if article.date:
        doc.add_integer("year", article.date.year)
    return doc


def build_tantivy(articles: Iterable[Article], index_dir: Path) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(tantivy_schema(), path=str(index_dir))
    writer = index.writer(HEAP_BYTES, THREADS)
    for article in articles:
        writer.add_document(tantivy_document(article))
    writer.commit()
    writer.wait_merging_threads()


def _tantivy_filter(key: str, value: str) -> str:
    if key == "year":
        return f"year:{int(value)}"
    field = "tags" if key == "tag" else key
    value = value.casefold() if key == "tag" else value
    return f'{field}:"{value}"'


class RawTantivy:
    def __init__(self, index_dir: Path) -> None:
        self.index = tantivy.Index.open(str(index_dir))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def query(self, line: QueryLine) -> tantivy.Query:
        text = " ".join([*query_terms(line.q), *(_tantivy_filter(k, v) for k, v in line.filters)])
        return self.index.parse_query(text, ["title", "body"], conjunction_by_default=True)

    def search(self, line: QueryLine, mode: str) -> int:
        query = self.query(line)
        result = self.searcher.search(query, 10, count=True)
        docs = [self.searcher.doc(address) for _score, address in result.hits]
        _titles = [doc.get_first("title") for doc in docs]
        if mode in ("facets", "snippets"):
            aggs: dict[str, Any] = {
                name: {"terms": {"field": name, "size": FACET_SIZE}}
                for name in ("tags", "publication", "lang", "year")
            }
            self.searcher.aggregate(query, aggs)
        if mode == "snippets":
            generator = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
            _html = [generator.snippet_from_doc(doc).to_html() for doc in docs]
        count = getattr(result, "count", None)  # set by count=True; missing from the stubs
        return int(count or 0)

    def close(self) -> None:
        pass


# --- SQLite FTS5 -----------------------------------------------------------------------------

FTS5_SCHEMA = """
CREATE TABLE docs(id INTEGER PRIMARY KEY, publication TEXT, lang TEXT, year INTEGER);
CREATE TABLE tags(doc INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='porter unicode61 remove_diacritics 2');
"""


def build_fts5(articles: Iterable[Article], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + FTS5_SCHEMA)
        with db:
            for rowid, article in enumerate(articles, 1):
                year = article.date.year if article.date else None
                db.execute(
                    "INSERT INTO docs VALUES (?, ?, ?, ?)",
                    (rowid, article.publication, article.lang, year),
                )
                tags = dict.fromkeys(t.casefold() for t in article.tags)
                db.executemany("INSERT INTO tags VALUES (?, ?)", [(rowid, t) for t in tags])
                db.execute(
                    "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
                    (rowid, article.title, article.body),
                )
        db.execute("CREATE INDEX tags_doc ON tags(doc)")
        db.execute("CREATE INDEX tags_tag ON tags(tag)")
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()


def fts5_match(q: str) -> str:
    """Every word and phrase quoted (so ``AND``, ``-`` or ``:`` are plain text), all required."""
    quoted = []
    for term in query_terms(q):
        inner = term.strip('"').replace('"', '""')
        if inner.strip():
            quoted.append(f'"{inner}"')
    return " ".join(quoted)


def _fts5_filters(line: QueryLine) -> tuple[str, list[object]]:
    sql = ""
    args: list[object] = []
    for key, value in line.filters:
        # Correlated EXISTS, not ``rowid IN (...)``: the latter lets SQLite drive the search from
        # the filter and test MATCH row by row, fifty times slower than matching first.
        if key == "tag":
            sql += " AND EXISTS (SELECT 1 FROM tags WHERE doc = fts.rowid AND tag = ?)"
            args.append(value.casefold())
        else:
            column = {"publication": "publication", "lang": "lang", "year": "year"}[key]
            sql += f" AND EXISTS (SELECT 1 FROM docs WHERE id = fts.rowid AND {column} = ?)"
            args.append(int(value) if key == "year" else value)
    return sql, args


FTS5_FACETS = """
WITH m AS MATERIALIZED (SELECT rowid AS id FROM fts WHERE fts MATCH ?{filters})
SELECT 'tag', tag, count(*) FROM tags JOIN m ON tags.doc = m.id GROUP BY tag
UNION ALL SELECT 'publication', publication, count(*) FROM docs JOIN m USING (id) GROUP BY 2
UNION ALL SELECT 'lang', lang, count(*) FROM docs JOIN m USING (id) GROUP BY 2
UNION ALL SELECT 'year', year, count(*) FROM docs JOIN m USING (id) GROUP BY 2
"""


class Fts5:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def search(self, line: QueryLine, mode: str) -> int:
        match = fts5_match(line.q)
        where, args = _fts5_filters(line)
        snippet = ", snippet(fts, 1, '<mark>', '</mark>', '…', 24)" if mode == "snippets" else ""
        top = (
            f"SELECT rowid, title{snippet} FROM fts WHERE fts MATCH ?{where} "
            "ORDER BY bm25(fts) LIMIT 10"
        )
        self.db.execute(top, [match, *args]).fetchall()
        if mode == "top10":
            count = f"SELECT count(*) FROM fts WHERE fts MATCH ?{where}"
            return int(self.db.execute(count, [match, *args]).fetchone()[0])
        rows = self.db.execute(FTS5_FACETS.format(filters=where), [match, *args]).fetchall()
        return sum(int(n) for facet, _value, n in rows if facet == "lang")

    def close(self) -> None:
        self.db.close()


def open_peer(engine: str, index_dir: Path) -> Peer:
    if engine == "raw-tantivy":
        return RawTantivy(index_dir)
    return Fts5(index_dir / "fts5.db")


def build_peer(engine: str, articles: Iterable[Article], index_dir: Path) -> None:
    if engine == "raw-tantivy":
        build_tantivy(articles, index_dir)
    else:
        build_fts5(articles, index_dir / "fts5.db")
