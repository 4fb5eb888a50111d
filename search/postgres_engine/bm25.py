"""BM25 from the postings kept at index time: PostgreSQL's ``ts_rank`` has no IDF.

The vocabulary table holds, per (field, term), the document frequency and the
postings (document numbers and term frequencies); the field lengths and their
averages are loaded with the generation. A query's score is the sum over its
positive terms of ``weight · idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl))``
with ``idf = ln(1 + (N − df + 0.5)/(df + 0.5))``, each field scored on its own as
Tantivy does (title terms weighted by ``ranking.TITLE_BOOST``, exact forms by
``ranking.EXACT_WEIGHT``, both applied by the query compiler).

A phrase scores as Tantivy and Lucene score one: the same formula with the phrase's own
frequency in the document as ``tf`` and the sum of its words' IDFs, in the documents
holding it only. Telling whether a document holds a phrase takes its ``tsvector`` (the GIN
index knows words, not positions): PostgreSQL decompresses it, about 0.1 ms for a long
article, so "of the" would cost 120 ms over the 1,160 articles of sisihagen holding both
words, and seconds in a large archive. The phrase is therefore looked for in the
``PHRASE_WINDOW`` best-scored matches holding all its words (the GIN index tells which,
without positions) only: a rescore window, as Elasticsearch's ``rescore`` has, read in one
query. The phrase only adds to a score, so those documents stay above the others, and
the ranking past the window is the words' BM25.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt
from psycopg import sql

from search.postgres_engine.database import Database
from search.postgres_engine.querybuild import PhraseScore, ScoreTerm
from search.postgres_engine.schema import Terms

K1 = 1.2
B = 0.75
PHRASE_WINDOW = 1000
"""Matches holding a phrase's words (the best-scored by their words) in which the phrase is
looked for: about 100 ms of vectors read at most. On sisihagen, known-item MRR@10 is the
same from 500 up as with every match; 200 lost English queries of common words."""
FloatArray = npt.NDArray[np.float64]


def length_column(field: str) -> str:
    """The stored length array of a field: ``title_exact`` → ``len_title_exact``;
    ``body_de`` → ``len_body_stem``."""
    kind, _, lang = field.partition("_")
    return f"len_{kind}_{'exact' if lang == 'exact' else 'stem'}"


Postings = dict[tuple[str, str], tuple[int, npt.NDArray[np.int32], npt.NDArray[np.int16]]]
"""(field, term) → df, document numbers, term frequencies."""


def weights_of(terms: Iterable[ScoreTerm]) -> dict[tuple[str, str], float]:
    """Each (field, term) with its weight; a term given twice weighs twice, as BM25 counts a
    query's repeated words."""
    weights: dict[tuple[str, str], float] = {}
    for field, term, weight in terms:
        weights[(field, term)] = weights.get((field, term), 0.0) + weight
    return weights


def postings_query(
    terms: Terms, pairs: Iterable[tuple[str, str]]
) -> tuple[sql.Composed, tuple[list[str], list[str]]] | None:
    """The query reading the postings of ``pairs`` (None for none), for ``read_postings``."""
    wanted = list(dict.fromkeys(pairs))
    if not wanted:
        return None
    query = sql.SQL(
        "SELECT v.field, v.term, v.df, v.docs, v.tfs FROM unnest(%s::text[], %s::text[]) "
        "AS q(f, t) JOIN {} v ON v.field = q.f AND v.term = q.t AND {}"
    ).format(terms.table, terms.visible("v"))
    return query, ([f for f, _ in wanted], [t for _, t in wanted])


def read_postings(rows: Iterable[tuple[str, str, int, bytes, bytes]]) -> Postings:
    return {
        (field, term): (
            int(df),
            np.frombuffer(docs, dtype=">i4").astype(np.int32),
            np.frombuffer(tfs, dtype=">i2").astype(np.int16),
        )
        for field, term, df, docs, tfs in rows
    }


def score(
    found: Postings,
    weights: Mapping[tuple[str, str], float],
    size: int,
    doc_count: int,
    lengths: Mapping[str, npt.NDArray[np.int32]],
    avgdl: Mapping[str, float],
) -> FloatArray:
    """BM25 of every document from the postings ``found`` of the weighted terms."""
    total = np.zeros(size, dtype=np.float64)
    for (field, term), (df, docs, tfs) in found.items():
        lens = lengths[length_column(field)][docs].astype(np.float64)
        norm = K1 * (1 - B + B * lens / avgdl.get(field, 1.0))
        tf = tfs.astype(np.float64)
        total[docs] += weights[(field, term)] * idf(df, doc_count) * tf * (K1 + 1) / (tf + norm)
    return total


def idf(df: int, doc_count: int) -> float:
    return math.log(1 + (doc_count - df + 0.5) / (df + 0.5))


def window(
    scores: FloatArray, matched: npt.NDArray[np.bool_], size: int | None = None
) -> list[int]:
    """The ``size`` (``PHRASE_WINDOW``) best-scored of the ``matched`` documents (ties: any
    of them), in document order."""
    size = PHRASE_WINDOW if size is None else size
    docs = np.flatnonzero(matched)
    if len(docs) > size:
        docs = docs[np.argpartition(-scores[docs], size - 1)[:size]]
    return sorted(docs.tolist())


def holding_query(docs: sql.Identifier, phrase: PhraseScore) -> tuple[sql.Composed, tuple[str]]:
    """The documents holding every word of the phrase (anywhere): rows (docnum,), from the
    GIN index alone, the documents the phrase may be in."""
    query = sql.SQL("SELECT docnum FROM {} WHERE {} @@ %s::tsquery").format(
        docs, sql.Identifier(phrase.column)
    )
    return query, (phrase.words,)


def phrase_query(
    docs: sql.Identifier, phrase: PhraseScore, among: list[int]
) -> tuple[sql.Composed, tuple[list[str], list[int], str]]:
    """The positions of the phrase's words in each document of ``among`` holding it: rows
    (docnum, lexeme, positions), for ``phrase_freqs``. The rows are found by their keys;
    of each vector only the phrase's words are kept (``setweight`` marks them,
    ``ts_filter`` keeps them: one decompression of the vector, ``OFFSET 0`` keeping the
    planner from repeating it), and the phrase is tested on what is kept: PostgreSQL's
    ``<->`` on the positions it keeps, the rows of documents without it never sent."""
    query = sql.SQL(
        "SELECT w.docnum, u.lexeme, u.positions FROM (SELECT d.docnum, "
        "ts_filter(setweight(d.{col}, 'A', %s::text[]), '{{a}}') AS kept FROM {docs} d "
        "WHERE d.docnum = ANY(%s::integer[]) OFFSET 0) w CROSS JOIN LATERAL unnest(w.kept) u "
        "WHERE w.kept @@ %s::tsquery"
    ).format(docs=docs, col=sql.Identifier(phrase.column))
    return query, (sorted({lexeme for _, lexeme in phrase.tokens}), among, phrase.query)


def phrase_freqs(
    rows: Iterable[tuple[int, str, list[int]]], tokens: tuple[tuple[int, str], ...]
) -> dict[int, int]:
    """Document number → how often the phrase ``tokens`` (positions, lexemes) occurs there,
    from ``phrase_query``'s rows (the documents PostgreSQL found it in: at least once)."""
    positions: dict[int, dict[str, list[int]]] = {}
    for docnum, lexeme, found in rows:
        positions.setdefault(int(docnum), {})[str(lexeme)] = list(found or ())
    first = tokens[0][0]
    head, rest = tokens[0][1], [(position - first, lexeme) for position, lexeme in tokens[1:]]
    freqs = {}
    for docnum, held in positions.items():
        starts = set(held.get(head, ()))
        for gap, lexeme in rest:
            starts.intersection_update(p - gap for p in held.get(lexeme, ()))
        freqs[docnum] = max(1, len(starts))
    return freqs


def add_phrase(
    total: FloatArray,
    phrase: PhraseScore,
    freqs: Mapping[int, int],
    dfs: Mapping[tuple[str, str], int],
    doc_count: int,
    lengths: Mapping[str, npt.NDArray[np.int32]],
    avgdl: Mapping[str, float],
) -> None:
    """Add the phrase's BM25 (its frequency ``freqs``, the sum of its words' IDFs from
    ``dfs``) to ``total``; documents past ``total`` (a later update's rows) are left out."""
    docs = np.fromiter(freqs, dtype=np.intp, count=len(freqs))
    tf = np.fromiter(freqs.values(), dtype=np.float64, count=len(freqs))
    kept = docs < total.size
    docs, tf = docs[kept], tf[kept]
    if docs.size == 0:
        return
    weight = sum(idf(dfs[(phrase.field, term)], doc_count) for term in phrase.terms)
    lens = lengths[length_column(phrase.field)][docs].astype(np.float64)
    norm = K1 * (1 - B + B * lens / avgdl.get(phrase.field, 1.0))
    total[docs] += phrase.weight * weight * tf * (K1 + 1) / (tf + norm)


def scores(
    db: Database,
    terms_table: Terms,
    terms: Iterable[ScoreTerm],
    size: int,
    doc_count: int,
    lengths: Mapping[str, npt.NDArray[np.int32]],
    avgdl: Mapping[str, float],
) -> FloatArray:
    """BM25 of every document for ``terms``, the postings read in one query."""
    weights = weights_of(terms)
    asked = postings_query(terms_table, weights)
    rows = db.fetch(*asked) if asked is not None else []
    return score(read_postings(rows), weights, size, doc_count, lengths, avgdl)
