"""Ranking weights shared by every engine, set once and checked by ``make bench``."""

from __future__ import annotations

TITLE_BOOST = 1.5
"""Weight of a title match against a body match (1.0).

Titles are short and chosen to name the subject, so a title match is strong
evidence; Elasticsearch's ``multi_match`` examples use ``title^2``–``^3``. But
BM25 already favours short fields through length normalisation, and on the
judged collections every boost above 1 costs a little (nDCG@10, binary, Whoosh,
measured by ``make bench``, 2026-11-23):

    boost       1      1.5    2      2.5    3      4
    Cranfield   0.398  0.394  0.390  0.388  0.386  0.382
    CISI        0.387  0.379  0.376  0.375  0.373  0.364

Both collections are abstracts whose text repeats the title's words, unlike
news articles, where a headline match is what a reader expects first. 1.5 keeps
the title above the body at a cost of 0.004 (Cranfield) and 0.008 (CISI).
Whoosh applies it as a BM25F field weight; Tantivy, which scores each field
with its own BM25, multiplies the title clause's score by it.
"""
