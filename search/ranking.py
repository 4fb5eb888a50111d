"""Ranking weights shared by every engine, set once and checked by ``make bench``."""

from __future__ import annotations

TITLE_BOOST = 1.5
"""Weight of a title match against a body match (1.0): titles name the subject, but on the
judged collections every boost above 1 costs a little nDCG, so the title is kept just above
the body (docs/decisions/0153-title-weight-1-5.md has the sweep). Whoosh applies it as a BM25F
field weight; Tantivy, which scores each field with its own BM25, multiplies the title
clause's score by it."""

LONG_OR = 16
"""An OR of more words than this leaves out its very common words (``querycompile``)."""
COMMON_SHARE = 0.25
"""A word found in more than this share of the articles is very common."""
WEAK_DROPPED_FROM_OR = 3
"""An OR of this many words or more (``match=any`` of a sentence) leaves out its stop words
when it has other words: they match most articles and blur the ranking (Cranfield
nDCG@10 0.384 -> 0.395 when dropped, 0.371 when only scored). A shorter OR keeps them."""
EXACT_WEIGHT = 0.25
"""Weight of a word's exact-field match beside its stemmed match (both score): the exact
form is a bonus, not a second full vote (Cranfield 0.385 at 1, 0.395 at 0.5, 0.398 at
0.25; CISI 0.356, 0.358, 0.362)."""
