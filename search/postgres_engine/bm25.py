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

K1 = 1.2
B = 0.75
FloatArray = npt.NDArray[np.float64]


def length_column(field: str) -> str:
    """The stored length array of a field: ``title_exact`` → ``len_title_exact``;
    ``body_de`` → ``len_body_stem``."""
    kind, _, lang = field.partition("_")
    return f"len_{kind}_{'exact' if lang == 'exact' else 'stem'}"


def postings(
    db: Database, terms: sql.Identifier, wanted: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, npt.NDArray[np.int32], npt.NDArray[np.int16]]]:
    """df, document numbers and term frequencies of each wanted (field, term)."""
    pairs = list(dict.fromkeys(wanted))
    if not pairs:
        return {}
    query = sql.SQL(
        "SELECT v.field, v.term, v.df, v.docs, v.tfs FROM unnest(%s::text[], %s::text[]) "
        "AS q(f, t) JOIN {} v ON v.field = q.f AND v.term = q.t"
    ).format(terms)
    out = {}
    rows = db.fetch(query, ([f for f, _ in pairs], [t for _, t in pairs]))
    for field, term, df, docs, tfs in rows:
        out[(field, term)] = (
            int(df),
            np.frombuffer(docs, dtype=">i4").astype(np.int32),
            np.frombuffer(tfs, dtype=">i2").astype(np.int16),
        )
    return out


def scores(
    db: Database,
    terms_table: sql.Identifier,
    terms: Iterable[ScoreTerm],
    size: int,
    doc_count: int,
    lengths: Mapping[str, npt.NDArray[np.int32]],
    avgdl: Mapping[str, float],
) -> FloatArray:
    """BM25 of every document for ``terms`` (weights of a repeated term add up)."""
    weights: dict[tuple[str, str], float] = {}
    for field, term, weight in terms:
        weights[(field, term)] = weights.get((field, term), 0.0) + weight
    total = np.zeros(size, dtype=np.float64)
    found = postings(db, terms_table, weights)
    for (field, term), (df, docs, tfs) in found.items():
        idf = math.log(1 + (doc_count - df + 0.5) / (df + 0.5))
        lens = lengths[length_column(field)][docs].astype(np.float64)
        norm = K1 * (1 - B + B * lens / avgdl.get(field, 1.0))
        tf = tfs.astype(np.float64)
        total[docs] += weights[(field, term)] * idf * tf * (K1 + 1) / (tf + norm)
    return total
