"""What a search selected and found, engine-neutral: the records passed between the shared
search flow (``search.engine_base``), the translation grouping (``search.grouping``) and
each engine's hooks.

A search matches (``Match``: the engine's query, a mask over document numbers, perhaps a
score for each), selects (``Selection``: the matches through the date range and facet
filters) and ranks one page (``Page``; ``Top`` when an engine ranked without a mask).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from search.docvalues import BoolArray
from search.facets import combine
from search.grouping import Ranked
from search.query import ParsedQuery
from search.types import FacetName, FacetValue, Histogram, SearchRequest

FloatArray = npt.NDArray[np.float64]
DATE_FACETS = frozenset({"year", "month"})


@dataclass(frozen=True, slots=True)
class Match:
    """What an engine's query matched: a mask over document numbers, and its own query."""

    query: object | None
    """The engine's query object; None when the request has no query (everything matches)."""
    mask: BoolArray
    scores: FloatArray | None = None
    """A score per document number, for engines that score every match anyway."""


@dataclass(frozen=True, slots=True)
class Top:
    """An engine's best matches of a query, ranked without a mask over every match."""

    ranked: Ranked
    total: int
    """How many documents matched in all."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a search: the query it ended up as (maybe widened), and what it found."""

    parsed: ParsedQuery
    total: int
    ranked: Ranked
    facets: dict[FacetName, tuple[FacetValue, ...]]
    histogram: Histogram | None = None
    allowed: BoolArray | None = None
    """Grouped by translations: the selected articles (``total`` counts their groups)."""
    articles: int | None = None
    """Grouped by translations: how many articles the groups hold."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The documents a request selects, and the masks they were selected by."""

    parsed: ParsedQuery
    """The query as matched (widened to any word when no article had all of them)."""
    match: Match
    """What the query matched among the live documents, before any filter."""
    in_range: BoolArray
    """Live documents inside the request's date range."""
    masks: dict[FacetName, BoolArray]
    allowed: BoolArray
    """The selected documents: matched, in range, through every facet filter."""

    def timeline_docs(self) -> BoolArray:
        """The selection with the date filters (range, year, month) left out, as facets
        leave their own out: the timeline shows where else in time the matches are."""
        return combine(
            self.match.mask, {f: m for f, m in self.masks.items() if f not in DATE_FACETS}
        )

    def narrowed(self, request: SearchRequest) -> BoolArray | None:
        """The selection, when filters left out some of the query's matches (else None)."""
        narrowed = bool(self.masks) or request.date_from is not None or request.date_to is not None
        return self.allowed if narrowed else None


def top_scored(match: Match, allowed: BoolArray | None, limit: int) -> Ranked:
    """The ``limit`` best of ``match``'s dense scores (only ``allowed`` documents if given),
    best first, ties in document order: ``_top`` of the engines that score every match."""
    assert match.scores is not None
    docs = np.flatnonzero(match.mask if allowed is None else allowed)
    scores = match.scores[docs]
    if len(docs) > limit > 0:
        # Sorting thousands of matches for one page is most of the cost: keep those
        # scoring at least the limit-th best score (ties included), still in dense order.
        cut = len(docs) - limit
        keep = scores >= np.partition(scores, cut)[cut]
        docs, scores = docs[keep], scores[keep]
    order = np.argsort(-scores, kind="stable")[:limit]
    return [(int(docs[i]), float(scores[i])) for i in order]


__all__ = ["DATE_FACETS", "Match", "Page", "Ranked", "Selection", "Top", "top_scored"]
