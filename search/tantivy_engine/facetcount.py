"""Facet filters as Tantivy queries, and facet counts from Tantivy's aggregations.

The general way (``search.facets``) turns every match into a dense document
number, a Python object per match; at a million articles that is most of a
faceted search. Here the request's filters become Tantivy queries, and each
facet is counted by a terms aggregation over its key field (``schema.FACET_FIELDS``,
the keys ``DocValues`` holds) or the year, or a histogram over the date (months), so
only one bucket
per facet value crosses into Python. The semantics are those of ``search.facets``,
which turns the counts into values: within a facet selected values are ORed, facets
are ANDed, and each facet is counted with every filter but its own (disjunctive).
A contract test checks this against the general way on random requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import numpy as np
import tantivy
from tantivy import FieldType, Occur, Query

from search import facets as facets_module
from search.docvalues import CountArray, DocValues, facet_key
from search.facets import counted_values, month_values, months_offered, year_values
from search.tantivy_engine import schema as s
from search.types import FACET_NAMES, UNDATED, FacetName, FacetValue, SearchRequest

_YEAR, _MONTH, _COUNT = "year", "month", "count"
_KEY_OF, _COUNT_OF = itemgetter("key"), itemgetter("doc_count")
FIRST_ASKED = 4
"""The first aggregation asks for this many times the values shown (``MAX_FACET_VALUES`` + 1,
to see a tie across the cut) of a keyed facet, the most frequent first; only when values
tied at the cut may be left out does a second one ask for every value. Each value returned
costs Tantivy and Python ~2 µs: at a million generated articles a search with 30,000
matches or more returns ~1,400 tags when every one is asked for (3 ms more than 202), and
asking for 4 × 101 left no tie across the cut in the 300 mixed queries (2 × 101: 21 of
288; ``docs/performance.md``)."""


def _undated() -> Query:
    return Query.boolean_query(
        [(Occur.Must, Query.all_query()), (Occur.MustNot, Query.exists_query(s.DATE))]
    )


def _dates(schema: tantivy.Schema, low: int, high: int) -> Query:
    """Documents dated ``low`` to ``high`` (``yyyymmdd`` keys, both included)."""
    return Query.range_query(schema, s.DATE, FieldType.Unsigned, low, high)


def _any_of(queries: list[Query]) -> Query:
    if not queries:
        return Query.empty_query()
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(Occur.Should, q) for q in queries])


def value_query(
    schema: tantivy.Schema, dv: DocValues, facet: FacetName, values: tuple[str, ...]
) -> Query:
    """Documents having any of ``values`` in ``facet``, as ``search.facets.value_mask``
    selects them (a year or month whose key is 0 is the undated documents' key there)."""
    if facet in s.FACET_FIELDS:
        index = dv.keyed[facet].index
        keys = [k for k in dict.fromkeys(map(facet_key, values)) if k in index]
        if not keys:
            return Query.empty_query()
        return Query.term_set_query(schema, s.FACET_FIELDS[facet], keys)
    parts: list[Query] = []
    if facet == "year":
        years = [int(v) for v in values if v.isdigit()]
        parts = [_dates(schema, y * 10000, y * 10000 + 9999) for y in years if y]
        if UNDATED in values or 0 in years:
            parts.append(_undated())
    else:
        months = [int(v.replace("-", "")) for v in values if v.replace("-", "").isdigit()]
        parts = [_dates(schema, m * 100, m * 100 + 99) for m in months if m]
        if 0 in months:
            parts.append(_undated())
    return _any_of(parts)


def filter_queries(
    schema: tantivy.Schema, dv: DocValues, request: SearchRequest
) -> dict[FacetName, Query]:
    """One query per facet the request selects or excludes values of (``facet_masks``)."""
    found: dict[FacetName, Query] = {}
    for facet in FACET_NAMES:
        selected = request.filters.get(facet, ())
        excluded = request.excludes.get(facet, ())
        if not selected and not excluded:
            continue
        clauses = [(Occur.Must, value_query(schema, dv, facet, selected) if selected else None)]
        if excluded:
            clauses.append((Occur.MustNot, value_query(schema, dv, facet, excluded)))
        found[facet] = Query.boolean_query(
            [(occur, q if q is not None else Query.all_query()) for occur, q in clauses]
        )
    return found


def range_query(schema: tantivy.Schema, request: SearchRequest) -> Query | None:
    """The request's date range (``search.facets.base_mask``: undated documents are out)."""
    if request.date_from is None and request.date_to is None:
        return None
    low = _key(request.date_from) if request.date_from is not None else 1
    high = _key(request.date_to) if request.date_to is not None else None
    return Query.range_query(schema, s.DATE, FieldType.Unsigned, low, high)


def narrowed(query: Query, filters: Iterable[Query]) -> Query:
    """``query`` with every one of ``filters`` required; the filters add nothing to scores."""
    extra = [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
    return Query.boolean_query([(Occur.Must, query), *extra]) if extra else query


def count_facets(
    searcher: tantivy.Searcher,
    dv: DocValues,
    request: SearchRequest,
    query: Query,
    filters: dict[FacetName, Query],
    total: int,
) -> dict[FacetName, tuple[FacetValue, ...]]:
    """Every facet's values for ``query`` (the matches within the date range), each facet
    counted with every filter but its own: one aggregation for the facets without a
    filter, one more per filtered facet. ``total`` is how many documents match ``query``
    and every filter (the page's total), the undated ones' count's starting point.

    A keyed facet without a single key in the generation (no article has an author)
    is not counted at all: each aggregation reads its column for every match."""
    months = bool(months_offered(request))
    groups: dict[FacetName | None, list[FacetName]] = {}
    for facet in FACET_NAMES:
        if facet == "month" and not months:
            continue
        if facet in s.FACET_FIELDS and not dv.keyed[facet].keys:
            continue
        groups.setdefault(facet if facet in filters else None, []).append(facet)
    counted: dict[FacetName, tuple[FacetValue, ...]] = dict.fromkeys(FACET_NAMES, ())
    for own, facets in groups.items():
        others = [q for f, q in filters.items() if f != own]
        scope = narrowed(query, others)
        # every filter applies to the facets without one: their scope's count is the total
        known = total if own is None else None
        top = FIRST_ASKED * (facets_module.MAX_FACET_VALUES + 1)
        found = searcher.aggregate(scope, _aggregations(dv, facets, top, known is None))
        short = [f for f in facets if f in s.FACET_FIELDS and not _complete(dv, request, f, found)]
        if short:  # ties across the cut, or a selected value past it: every value, then
            found |= searcher.aggregate(scope, _aggregations(dv, short, None, False))
        counted.update(_values(dv, request, facets, found, known))
    return {facet: counted[facet] for facet in FACET_NAMES}


def _complete(
    dv: DocValues, request: SearchRequest, facet: FacetName, found: dict[str, Any]
) -> bool:
    """Whether the buckets returned hold every value ``keyed_values`` shows: the most
    frequent ones, beyond ties, and the selected and excluded ones."""
    result = found[facet]
    if not result.get("sum_other_doc_count"):
        return True  # every value with a count is there
    counts = [bucket["doc_count"] for bucket in result["buckets"]]
    shown = facets_module.MAX_FACET_VALUES
    if len(counts) <= shown or counts[shown - 1] == counts[-1]:
        return False  # a value left out may count as much as one shown
    keyed = dv.keyed[facet]
    asked = request.filters.get(facet, ()) + request.excludes.get(facet, ())
    special = {keyed.keys[i] for i in keyed.ids_of({facet_key(v) for v in asked})}
    return special <= {bucket["key"] for bucket in result["buckets"]}


def _aggregations(
    dv: DocValues, facets: list[FacetName], top: int | None, count: bool
) -> dict[str, Any]:
    """The aggregations counting ``facets``: at most ``top`` values of a keyed facet (all
    when None), the most frequent first; with ``count``, the documents counted too (for
    the undated ones, when no other count of the same documents is known)."""
    aggs: dict[str, Any] = {}
    for facet in facets:
        if facet in s.FACET_FIELDS:
            # each segment counts every key of the generation, so every count returned is
            # exact (an error bound of 0); only the number of values returned is cut
            keys = max(1, len(dv.keyed[facet].keys))
            size = keys if top is None else min(top, keys)
            field = s.FACET_FIELDS[facet]
            aggs[facet] = {"terms": {"field": field, "size": size, "segment_size": keys}}
        elif facet == "year":
            years = len(dv.dates.years) + 1  # every year returned: the counts are exact
            aggs[facet] = {"terms": {"field": s.YEAR, "size": years, "segment_size": years}}
        else:
            aggs[facet] = {"histogram": {"field": s.DATE, "interval": 100, "min_doc_count": 1}}
    if count and "year" in facets:  # the undated ones are the rest
        aggs[_COUNT] = {"value_count": {"field": s.KEY}}
    return aggs


def _values(
    dv: DocValues,
    request: SearchRequest,
    facets: list[FacetName],
    found: dict[str, Any],
    total: int | None,
) -> dict[FacetName, tuple[FacetValue, ...]]:
    values: dict[FacetName, tuple[FacetValue, ...]] = {}
    for facet in facets:
        buckets = found[facet]["buckets"]
        if facet in s.FACET_FIELDS:
            found_ids = map(dv.keyed[facet].index.__getitem__, map(_KEY_OF, buckets))
            ids = np.fromiter(found_ids, np.intp, len(buckets))
            counts = np.fromiter(map(_COUNT_OF, buckets), np.int64, len(buckets))
            values[facet] = counted_values(dv, facet, ids, counts, request)
        elif facet == "year":
            counted = int(found[_COUNT]["value"]) if total is None else total
            values[facet] = year_values(dv, _year_slots(dv, buckets, counted), request)
        else:
            values[facet] = month_values(dv, _month_slots(dv, buckets), request)
    return values


def _year_slots(dv: DocValues, buckets: list[dict[str, Any]], total: int) -> CountArray:
    """Counts by ``dv.dates.year_slot``: each year, then the undated ones."""
    years = dv.dates.years
    slots = np.zeros(len(years) + 2, dtype=np.int64)
    found = np.asarray([int(b["key"]) for b in buckets], dtype=np.int64)
    counts = np.asarray([b["doc_count"] for b in buckets], dtype=np.int64)
    slots[np.searchsorted(years, found)] = counts
    slots[len(years)] = total - int(counts.sum())
    return slots


def _month_slots(dv: DocValues, buckets: list[dict[str, Any]]) -> CountArray:
    months = dv.dates.months
    slots = np.zeros(len(months) + 1, dtype=np.int64)
    found = np.asarray([int(b["key"]) // 100 for b in buckets], dtype=np.int64)
    slots[np.searchsorted(months, found)] = [b["doc_count"] for b in buckets]
    return slots


def _key(day: Any) -> int:
    return int(day.year * 10000 + day.month * 100 + day.day)
