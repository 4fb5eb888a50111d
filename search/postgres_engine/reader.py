"""The PostgreSQL engine: one published generation, searched through SQL.

Matching runs in PostgreSQL (the compiled condition over the GIN-indexed
tsvectors gives the matching document numbers); BM25 is computed from the
postings of the query's terms (``search.postgres_engine.bm25``). Facets,
filters, sorts, paging and the all→any fallback work on the generation's facet
arrays, loaded once when the engine opens, exactly as in the other engines
(``search.engine_base``). Snippets come from the engine-neutral highlighter over
the stored body, with words stemmed by PyStemmer's Snowball stemmers (the
algorithms PostgreSQL's configurations use).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
import psycopg
import Stemmer
from psycopg import sql

from search import querycompile, spelling
from search.analysis import EXACT, SNOWBALL, exact_text, exact_tokens, stem_lang, stem_stopwords
from search.analysis import stopwords as stop_words
from search.docvalues import BoolArray, DocValues, unpack_docvalues
from search.engine_base import BaseEngine
from search.errors import IndexUnavailable, NotFound
from search.highlight import TermMatcher, query_terms
from search.postgres_engine import bm25
from search.postgres_engine import schema as s
from search.postgres_engine.database import Database
from search.postgres_engine.querybuild import (
    PhraseScore,
    PostgresBackend,
    Stems,
    Vocabulary,
    build_query,
)
from search.query import ParsedQuery
from search.selection import Match, Ranked, top_scored
from search.store import Generation

MLT_TERMS = 12
COMPLETIONS_TOP = 500
_NOTHING = object()
"""The query of a match that found nothing (a word absent from the archive)."""


class PostgresEngine(BaseEngine):
    """Searches one generation. Open once per worker; ``SearchService`` swaps generations."""

    name = "postgres"

    def __init__(self, generation: Generation, db: Database) -> None:
        self._db = db
        stats = s.tables(generation.name)[2]
        try:
            rows = db.fetch(sql.SQL("SELECT arrays, names, size FROM {}").format(stats))
        except IndexUnavailable as exc:
            raise IndexUnavailable(
                f"the database does not hold generation {generation.name}"
            ) from exc
        if not rows:
            raise IndexUnavailable(f"generation {generation.name} has no statistics")
        docvalues, self._lengths, names = _load(rows[0][0], rows[0][1])
        super().__init__(generation, docvalues)
        # an update reads the table set of the rebuild it descends from, as of its own seq:
        # the docs rows its live mask and size name, the vocabulary rows ``visible`` to it
        self._docs, terms, _ = s.tables(str(names.get("tables", generation.name)))
        self._terms = s.Terms(terms, int(names.get("seq", 0)))
        self._avgdl: dict[str, float] = names["avgdl"]
        self._count = int(np.count_nonzero(docvalues.live))
        self._vocab = Vocabulary(db, self._terms, self._count)
        self._stems = Stems(db)
        stemmed = sorted({lang for code in self._langs if (lang := stem_lang(code))})
        self._stem_langs = tuple(stemmed)
        self._local = threading.local()

    def close(self) -> None:
        """Nothing to free: the connection pool is the process's."""

    def _backend(self) -> PostgresBackend:
        return PostgresBackend(self._vocab, self._stems, self._stem_langs)

    # -- matching and ranking --------------------------------------------------------------

    def _match(self, parsed: ParsedQuery, base: BoolArray, notices: list[str]) -> Match:
        cond = build_query(parsed, self._langs, self._backend(), notices)
        if cond is None or self._dv.size == 0:
            return Match(_NOTHING, np.zeros(self._dv.size, dtype=np.bool_), np.zeros(self._dv.size))
        query = sql.SQL("SELECT docnum FROM {} WHERE {}").format(self._docs, cond.sql)
        weights = bm25.weights_of(cond.terms)
        asked = bm25.postings_query(self._terms, weights)
        phrases = tuple(dict.fromkeys(cond.phrases))
        holding = [bm25.holding_query(self._docs, phrase) for phrase in phrases]

        def together(conn: psycopg.Connection) -> tuple[list[Any], list[Any], list[list[Any]]]:
            # The matching, the postings and the documents holding each phrase's words
            # travel in one pipeline: one round trip.
            with contextlib.ExitStack() as stack:
                matching = stack.enter_context(conn.cursor(binary=True))
                postings = stack.enter_context(conn.cursor())
                holders = [stack.enter_context(conn.cursor(binary=True)) for _ in holding]
                matching.execute(query, cond.params)
                if asked is not None:
                    postings.execute(*asked)
                for cursor, statement in zip(holders, holding, strict=True):
                    cursor.execute(*statement)
                return (
                    matching.fetchall(),
                    postings.fetchall() if asked is not None else [],
                    [cursor.fetchall() for cursor in holders],
                )

        rows, posting_rows, holder_rows = self._db.read(together, indexes=True)
        mask = self._mask(rows) & base
        scores = bm25.score(
            bm25.read_postings(posting_rows), weights, self._dv.size, self._count,
            self._lengths, self._avgdl,
        )  # fmt: skip
        if phrases:
            windows = [bm25.window(scores, mask & self._mask(held)) for held in holder_rows]
            self._score_phrases(phrases, windows, scores)
        return Match(cond, mask, scores)

    def _mask(self, rows: list[Any]) -> BoolArray:
        """The document numbers of ``rows`` as a mask; rows of later updates are left out."""
        mask = np.zeros(self._dv.size, dtype=np.bool_)
        found = np.asarray([row[0] for row in rows], dtype=np.intp)
        mask[found[found < self._dv.size]] = True
        return mask

    def _score_phrases(
        self, phrases: tuple[PhraseScore, ...], windows: list[list[int]], scores: bm25.FloatArray
    ) -> None:
        """Add each phrase's score to its window (``bm25.window``: the best-scored matches
        holding its words), the positions of the phrases' words read in one pipeline."""
        asked = [
            bm25.phrase_query(self._docs, phrase, among)
            for phrase, among in zip(phrases, windows, strict=True)
            if among
        ]
        if not asked:
            return

        def positions(conn: psycopg.Connection) -> list[list[Any]]:
            with contextlib.ExitStack() as stack:
                cursors = [stack.enter_context(conn.cursor()) for _ in asked]
                for cursor, statement in zip(cursors, asked, strict=True):
                    cursor.execute(*statement)
                return [cursor.fetchall() for cursor in cursors]

        found = iter(self._db.read(positions))
        for phrase, among in zip(phrases, windows, strict=True):
            if not among:
                continue
            dfs = self._vocab.doc_freqs([(phrase.field, term) for term in phrase.terms])
            freqs = bm25.phrase_freqs(next(found), phrase.tokens)
            bm25.add_phrase(scores, phrase, freqs, dfs, self._count, self._lengths, self._avgdl)

    def _top(self, match: Match, allowed: BoolArray | None, limit: int) -> Ranked:
        return top_scored(match, allowed, limit)

    # -- stored records ----------------------------------------------------------------------

    def _record(self, docnum: int) -> dict[str, Any]:
        query = sql.SQL("SELECT record, body FROM {} WHERE docnum = %s").format(self._docs)
        rows = self._db.fetch(query, (docnum,))
        if not rows:
            raise NotFound(f"no article numbered {docnum}")
        record: dict[str, Any] = dict(rows[0][0])
        record["body"] = rows[0][1]
        return record

    def _hits(self, ranked: Ranked, parsed: ParsedQuery, snippets: bool) -> tuple[Any, ...]:
        """The page's records read in one query, then the shared hit building."""
        self._local.rows = self._hit_rows([d for d, _ in ranked], snippets)
        try:
            return super()._hits(ranked, parsed, snippets)
        finally:
            self._local.rows = {}

    def _hit_rows(self, docnums: list[int], body: bool) -> dict[int, dict[str, Any]]:
        if not docnums:
            return {}
        query = sql.SQL(
            "SELECT docnum, record - 'source', CASE WHEN %s THEN body END FROM {} "
            "WHERE docnum = ANY(%s)"
        ).format(self._docs)
        rows = {}
        for docnum, record, text in self._db.fetch(query, (body, docnums)):
            found = dict(record)
            if body:
                found["body"] = text
            rows[int(docnum)] = found
        return rows

    def _hit_record(self, docnum: int, body: bool) -> dict[str, Any]:
        rows: dict[int, dict[str, Any]] = getattr(self._local, "rows", {})
        found = rows.get(docnum)
        if found is not None and (not body or "body" in found):
            return found
        fetched = self._hit_rows([docnum], body).get(docnum)
        if fetched is None:
            raise NotFound(f"no article numbered {docnum}")
        return fetched

    def _seen(self, rows: list[Any]) -> list[int]:
        """The document numbers among ``rows`` this generation sees (the docs table also holds
        the versions earlier updates replaced and later updates added)."""
        size, live = self._dv.size, self._dv.live
        return [d for (d, *_) in rows if d < size and live[d]]

    def _docnum(self, article_id: str) -> int:
        query = sql.SQL("SELECT docnum FROM {} WHERE id = %s").format(self._docs)
        found = self._seen(self._db.fetch(query, (article_id,)))
        if not found:
            raise NotFound(f"no article with id {article_id!r}")
        return found[0]

    def _translation_docnums(self, key: str) -> list[int]:
        query = sql.SQL("SELECT docnum FROM {} WHERE translation_key = %s ORDER BY docnum").format(
            self._docs
        )
        return self._seen(self._db.fetch(query, (key,)))[:100]

    # -- more like this ----------------------------------------------------------------------

    def _related(self, docnum: int, record: dict[str, Any], limit: int) -> Ranked:
        """Its most telling words (tf·idf, found in other articles too, not stop words) in its
        own language's stemmed body, or the exact body; ranked by BM25 over those words."""
        lang = stem_lang(record["lang"]) or EXACT
        field, column = f"body_{lang}", ("body_stem" if lang != EXACT else "body_exact")
        named = len(lang) + 1 if lang != EXACT else 0  # stems carry their language: "en:"
        query = sql.SQL(
            "SELECT substr(u.lexeme, %s), cardinality(u.positions) FROM {} d, unnest(d.{}) u "
            "WHERE d.docnum = %s"
        ).format(self._docs, sql.Identifier(column))
        rows = self._db.fetch(query, (named + 1, docnum))
        counts = Counter({str(t): int(n or 1) for t, n in rows})
        stops = stop_words(record["lang"]) if lang == EXACT else frozenset()
        words = [t for t in counts if t not in stops]
        dfs = self._vocab.doc_freqs([(field, t) for t in words])
        total = max(1, self._count)
        weighted = [
            (counts[t] * np.log(1 + total / dfs[(field, t)]), t)
            for t in words
            if dfs[(field, t)] >= 2
        ]
        best = [t for _, t in sorted(weighted, reverse=True)[:MLT_TERMS]]
        if not best:
            return []
        scores = bm25.scores(
            self._db, self._terms, [(field, t, 1.0) for t in best], self._dv.size, self._count,
            self._lengths, self._avgdl,
        )  # fmt: skip
        scores[docnum] = 0.0
        scores[~self._dv.live] = 0.0
        docs = np.flatnonzero(scores > 0)
        order = np.lexsort((docs, -scores[docs]))[:limit]
        return [(int(docs[i]), float(scores[docs[i]])) for i in order]

    # -- highlighting, did you mean, completions --------------------------------------------

    def _matcher(self, parsed: ParsedQuery, lang: str) -> TermMatcher:
        backend = self._backend()
        return query_terms(
            parsed,
            lambda text: word_forms(text, lang),
            lambda leaf: querycompile.fuzzy_expansion(backend, leaf),
        )

    def _spans(self, text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
        return matcher.spans(text, lambda word: _analysed_word(word, lang))

    def _suggest(self, text: str, parsed: ParsedQuery) -> str | None:
        return spelling.suggest_query(
            text,
            parsed,
            lambda word: self._vocab.doc_freq("spell", _spell(word)),
            lambda word, edits: self._vocab.within("spell", _spell(word), edits),
        )

    def _completions(self, prefix: str, scan: int) -> list[tuple[str, int]]:
        return self._vocab.prefixed("spell", _spell(prefix), min(scan, COMPLETIONS_TOP))


def _spell(word: str) -> str:
    """Did-you-mean looks words up as the exact fields hold them (folded, lower case)."""
    return exact_text(word).lower()


@lru_cache(maxsize=64)
def _stemmer(lang: str) -> Any:
    return Stemmer.Stemmer(SNOWBALL[lang]).stemWord


def word_forms(text: str, lang: str) -> list[str]:
    """What ``text`` is in the exact fields, and stemmed in ``lang`` if it is a stemmed
    language (stop words have no stemmed form, as in the index)."""
    forms = exact_tokens(text)
    if lang in SNOWBALL:
        stops = set(stem_stopwords(lang))
        stem = _stemmer(lang)
        forms += [stem(w) for w in s.stem_input(text).lower().split() if w not in stops]
    return forms


@lru_cache(maxsize=200_000)
def _analysed_word(word: str, lang: str) -> tuple[str, ...]:
    return tuple(word_forms(word, lang))


def _load(arrays: bytes, names: Any) -> tuple[DocValues, dict[str, Any], dict[str, Any]]:
    return unpack_docvalues(arrays, json.loads(names) if isinstance(names, str) else names)
