"""Ranking weights shared by every engine, set once and checked by ``make bench``.

Both engines score each field with BM25 (k1 1.2, b 0.75, IDF ``ln(1 + (N - n + 0.5) /
(n + 0.5))``) and add the fields' scores; docs/ranking.md has the sweeps behind each value.
"""

from __future__ import annotations

TITLE_BOOST = 0.25
"""Weight of a title field's score beside the body's (1.0), applied at query time by both
engines. A title is short and its words rare among titles, so its own BM25 is already high:
at 1.5 a single title word outranked an article holding every word of the query."""

LONG_OR = 16
"""An OR of more words than this leaves out its very common words (``querycompile``)."""
COMMON_SHARE = 0.25
"""A word found in more than this share of the articles is very common."""
WEAK_DROPPED_FROM_OR = 3
"""An OR of this many words or more (``match=any`` of a sentence) leaves out its stop words
when it has other words; a shorter OR keeps them."""
EXACT_WEIGHT = 1.0
"""Weight of a word's exact-field match beside its stemmed match (both score)."""
PHRASE_BOOST = 4.0
"""Weight of a plain query's words found together, in order, as a phrase in the exact fields
(``querycompile``), beside each word's own score."""
TITLE_PHRASE_BOOST = 4.0
"""Weight of a plain query's words found as a phrase in the exact title field (one word is
enough), beside the body's 1.0 and instead of ``TITLE_BOOST``: a title typed as the query
(navigational search) weighs as the same phrase found in the body."""
PHRASE_MAX_WORDS = 12
"""A plain query of more words than this gets no phrase clause (a long OR of a question)."""
