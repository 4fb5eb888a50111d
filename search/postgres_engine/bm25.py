"""BM25 from the postings kept at index time: PostgreSQL's ``ts_rank`` has no IDF.

The vocabulary table holds, per (field, term), the document frequency and the
postings (document numbers and term frequencies); the field lengths and their
averages are loaded with the generation. A query's score is the sum over its
positive terms of ``weight · idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl))``
with ``idf = ln(1 + (N − df + 0.5)/(df + 0.5))``, each field scored on its own as
Tantivy does (title terms weighted by ``ranking.TITLE_BOOST``, exact forms by
``ranking.EXACT_WEIGHT``, both applied by the query compiler).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt
from psycopg import sql

from search.postgres_engine.database import Database
from search.postgres_engine.querybuild import ScoreTerm
from search.postgres_engine.schema import Terms

K1 = 1.2
B = 0.75
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
        idf = math.log(1 + (doc_count - df + 0.5) / (df + 0.5))
        lens = lengths[length_column(field)][docs].astype(np.float64)
        norm = K1 * (1 - B + B * lens / avgdl.get(field, 1.0))
        tf = tfs.astype(np.float64)
        total[docs] += weights[(field, term)] * idf * tf * (K1 + 1) / (tf + norm)
    return total


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
