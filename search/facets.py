"""Facets and filters over per-document arrays: disjunctive counts with vectorised NumPy.

Engine-neutral: an engine supplies ``DocValues`` (one slot per document
number) and a boolean mask of the documents its query matched. Within one
facet, selected values combine with OR; facets combine with AND; each facet's
counts are computed with every filter applied except its own (disjunctive
faceting, as Elasticsearch's ``post_filter`` does), so a user can widen a
selection by the counts shown beside it.

Grouped by translations (``request.group``), tags are linked through the groups
(a tag of one member is a tag of every member: ``search.grouping.linked``) and
every facet counts groups, not articles: a value's count is the number of groups
selecting it would keep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from search.docvalues import (
    BoolArray,
    CountArray,
    DocValues,
    IndexArray,
    IntArray,
    _Keyed,
    facet_key,
)
from search.grouping import distinct_counts, linked
from search.types import FACET_NAMES, UNDATED, FacetName, FacetValue, SearchRequest

MAX_FACET_VALUES = 100
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def _ids(keyed: _Keyed, values: tuple[str, ...]) -> IntArray:
    found = [keyed.index[k] for k in map(facet_key, values) if k in keyed.index]
    return np.asarray(found, dtype=np.int32)


def value_mask(dv: DocValues, facet: FacetName, values: tuple[str, ...]) -> BoolArray:
    """Documents having any of ``values`` in ``facet``."""
    if facet == "tag":
        mask = np.zeros(dv.size, dtype=np.bool_)
        mask[dv.tag_doc[np.isin(dv.tag_id, _ids(dv.keyed["tag"], values))]] = True
        return mask
    if facet == "author":
        mask = np.zeros(dv.size, dtype=np.bool_)
        mask[dv.author_doc[np.isin(dv.author_id, _ids(dv.keyed["author"], values))]] = True
        return mask
    if facet == "publication":
        return np.isin(dv.publication, _ids(dv.keyed["publication"], values))
    if facet == "lang":
        return np.isin(dv.lang, _ids(dv.keyed["lang"], values))
    if facet == "year":
        years = [int(v) for v in values if v.isdigit()]
        mask = np.isin(dv.date // 10000, np.asarray(years, dtype=np.int32))
        return mask | (dv.date == 0) if UNDATED in values else mask
    months = [int(v.replace("-", "")) for v in values if v.replace("-", "").isdigit()]
    return np.isin(dv.date // 100, np.asarray(months, dtype=np.int32))


def base_mask(dv: DocValues, request: SearchRequest) -> BoolArray:
    """Live documents inside the request's date range (a range leaves undated ones out)."""
    mask = dv.live.copy()
    if request.date_from is not None:
        mask &= dv.date >= _key(request.date_from)
    if request.date_to is not None:
        mask &= (dv.date <= _key(request.date_to)) & (dv.date > 0)
    return mask


def facet_masks(dv: DocValues, request: SearchRequest) -> dict[FacetName, BoolArray]:
    """One mask per facet that has selections or exclusions."""
    masks: dict[FacetName, BoolArray] = {}
    for facet in FACET_NAMES:
        selected = request.filters.get(facet, ())
        excluded = request.excludes.get(facet, ())
        if not selected and not excluded:
            continue
        link = facet == "tag" and request.group == "translations"
        mask = (
            _filter_mask(dv, facet, selected, link)
            if selected
            else np.ones(dv.size, dtype=np.bool_)
        )
        if excluded:
            mask &= ~_filter_mask(dv, facet, excluded, link)
        masks[facet] = mask
    return masks


def _filter_mask(dv: DocValues, facet: FacetName, values: tuple[str, ...], link: bool) -> BoolArray:
    """``value_mask``, through the translation groups when ``link``."""
    mask = value_mask(dv, facet, values)
    return linked(dv, mask) if link else mask


def combine(matched: BoolArray, masks: dict[FacetName, BoolArray], skip: str = "") -> BoolArray:
    result = matched.copy()
    for facet, mask in masks.items():
        if facet != skip:
            result &= mask
    return result


def count_facets(
    dv: DocValues, matched: BoolArray, masks: dict[FacetName, BoolArray], request: SearchRequest
) -> dict[FacetName, tuple[FacetValue, ...]]:
    """Counts for every facet, each with all filters but its own applied."""
    counted: dict[FacetName, tuple[FacetValue, ...]] = {}
    groups = _grouped(dv, request)
    for facet in FACET_NAMES:
        docs = combine(matched, masks, skip=facet)
        if facet == "year":
            counted[facet] = year_values(dv, _year_slots(dv, docs, groups), request)
        elif facet == "month":
            slots = _month_slots(dv, docs, request, groups)
            counted[facet] = month_values(dv, slots, request)
        else:
            counts = _keyed_counts(dv, facet, docs, groups)
            counted[facet] = keyed_values(dv, facet, counts, request)
    return counted


def count_facets_of(
    dv: DocValues, docs: IndexArray, masks: dict[FacetName, BoolArray], request: SearchRequest
) -> dict[FacetName, tuple[FacetValue, ...]]:
    """``count_facets`` of the documents ``docs`` (distinct document numbers): the same
    values, counted from those documents' own slots, so the cost grows with their number,
    not the archive's (a mask over a million articles costs milliseconds per facet)."""
    if _grouped(dv, request) is not None:  # groups are linked through non-matching members
        matched = np.zeros(dv.size, dtype=np.bool_)
        matched[docs] = True
        return count_facets(dv, matched, masks, request)
    counted: dict[FacetName, tuple[FacetValue, ...]] = {}
    for facet in FACET_NAMES:
        chosen = docs
        for other, mask in masks.items():
            if other != facet:
                chosen = chosen[mask[chosen]]
        if facet == "year":
            slots = np.bincount(dv.dates.year_slot[chosen], minlength=len(dv.dates.years) + 2)
            counted[facet] = year_values(dv, slots, request)
        elif facet == "month":
            months = None
            if months_offered(request):
                found = dv.dates.month_slot[chosen]
                months = np.bincount(found, minlength=len(dv.dates.months) + 1)
            counted[facet] = month_values(dv, months, request)
        elif not dv.keyed[facet].keys:  # no value to count or to flag (no author at all)
            counted[facet] = ()
        else:
            counted[facet] = keyed_values(dv, facet, _keyed_counts_of(dv, facet, chosen), request)
    return counted


def _keyed_counts_of(dv: DocValues, facet: FacetName, docs: IndexArray) -> CountArray:
    """How many of ``docs`` hold each key of ``facet``."""
    if facet == "tag":
        return np.bincount(dv.tags_by_doc.of(docs), minlength=len(dv.tags))
    if facet == "author":
        return np.bincount(dv.authors_by_doc.of(docs), minlength=len(dv.authors))
    if facet == "publication":
        pubs = dv.publication[docs]
        return np.bincount(pubs[pubs >= 0], minlength=len(dv.publications))
    return np.bincount(dv.lang[docs], minlength=len(dv.langs))


def months_offered(request: SearchRequest) -> set[int]:
    """Months are offered inside the chosen year(s) only: a timeline of one year at a time."""
    years = {int(y) for y in request.filters.get("year", ()) if y.isdigit()}
    years |= {int(m[:4]) for m in request.filters.get("month", ()) if m[:4].isdigit()}
    return years


def _grouped(dv: DocValues, request: SearchRequest) -> IntArray | None:
    """Each document's group when counting groups, None when counting articles."""
    return dv.groups if request.group == "translations" else None


FEW_DOCS = 8
"""Counting documents' tags or authors reads their own pairs (``DocValues.tags_by_doc``)
when the pairs outnumber the counted documents this many times; else a mask entry per
pair of the archive, which costs less per pair."""


def _keyed_counts(
    dv: DocValues, facet: FacetName, docs: BoolArray, groups: IntArray | None
) -> CountArray:
    if facet in ("tag", "author") and groups is None:
        pairs = dv.tag_doc if facet == "tag" else dv.author_doc
        counted = np.count_nonzero(docs)
        if counted * FEW_DOCS < len(pairs):
            by_doc = dv.tags_by_doc if facet == "tag" else dv.authors_by_doc
            n = len(dv.tags) if facet == "tag" else len(dv.authors)
            return np.bincount(by_doc.of(np.flatnonzero(docs)), minlength=n)
    if facet == "tag":
        # grouped, a group has the tags of all its members (the ones that did not match too)
        holders = docs if groups is None else linked(dv, docs)
        chosen = holders[dv.tag_doc]
        return _counts(dv.tag_id[chosen], lambda: dv.tag_doc[chosen], groups, len(dv.tags))
    if facet == "author":
        chosen = docs[dv.author_doc]
        owners = dv.author_doc
        return _counts(dv.author_id[chosen], lambda: owners[chosen], groups, len(dv.authors))
    if facet == "publication":
        pubs = dv.publication[docs]
        found = pubs >= 0
        return _counts(
            pubs[found], lambda: np.flatnonzero(docs)[found], groups, len(dv.publications)
        )
    return _counts(dv.lang[docs], lambda: np.flatnonzero(docs), groups, len(dv.langs))


def _counts(
    values: IntArray | IndexArray,
    owners: Callable[[], IntArray | IndexArray],
    groups: IntArray | None,
    n: int,
) -> CountArray:
    """How many documents (``groups`` None) or distinct groups hold each of ``n`` values;
    ``values[i]`` is a value of document ``owners()[i]``."""
    if groups is None:
        return np.bincount(values, minlength=n)
    return distinct_counts(values, groups[owners()], n)


def keyed_values(
    dv: DocValues, facet: FacetName, counts: CountArray, request: SearchRequest
) -> tuple[FacetValue, ...]:
    """Values with a count (or selected, or excluded), by count then case-folded label;
    ``counts`` has one count per key of ``facet`` (however an engine counted them)."""
    ids = np.flatnonzero(counts)
    return counted_values(dv, facet, ids, counts[ids], request)


def counted_values(
    dv: DocValues,
    facet: FacetName,
    ids: IndexArray,
    counts: CountArray,
    request: SearchRequest,
) -> tuple[FacetValue, ...]:
    """``keyed_values`` from the keys with a count only: ``counts[i]`` (> 0) is the count of
    key ``ids[i]`` (distinct ids), every other key counts 0. An engine that hands back
    one count per value found (Tantivy's buckets) needs no array over every key.

    Only the values shown are sorted and built; the label order is ranked once per
    ``DocValues``. The rank breaks label ties by key order, as the stable sort of every
    key by ``(-count, label.casefold())`` this replaces did.
    """
    keyed = dv.keyed[facet]
    selected = {facet_key(v) for v in request.filters.get(facet, ())}
    excluded = {facet_key(v) for v in request.excludes.get(facet, ())}
    special = keyed.ids_of(selected | excluded)
    # one key per value, in display order: by count, then by label rank (unique)
    width = len(keyed.keys)
    order = keyed.rank[ids] - counts * width
    at = _smallest(order, MAX_FACET_VALUES)
    shown: list[int] = ids[at].tolist()
    found: list[int] = counts[at].tolist()
    rest = special.difference(shown)
    if rest:  # selected or excluded values past the cut, or without a count
        among = np.isin(ids, np.asarray(sorted(rest), dtype=np.intp))
        count_of = dict(zip(ids[among].tolist(), counts[among].tolist(), strict=True))
        extra = sorted(rest, key=lambda i: int(keyed.rank[i]) - count_of.get(i, 0) * width)
        shown += extra
        found += [count_of.get(i, 0) for i in extra]
    if not selected and not excluded:  # the usual case: no flag to look up per value
        keys, labels = keyed.keys, keyed.labels
        return tuple(
            map(FacetValue, map(keys.__getitem__, shown), map(labels.__getitem__, shown), found)
        )
    return tuple(
        FacetValue(
            keyed.keys[i],
            keyed.labels[i],
            count,
            keyed.folded[i] in selected,
            keyed.folded[i] in excluded,
        )
        for i, count in zip(shown, found, strict=True)
    )


def _smallest(keys: CountArray, limit: int) -> IndexArray:
    """Positions of the ``limit`` smallest (distinct) ``keys``, in key order: only those
    are sorted."""
    if len(keys) > limit:
        part = np.argpartition(keys, limit - 1)[:limit]
        return part[np.argsort(keys[part])]
    return np.argsort(keys)


def year_values(dv: DocValues, slots: CountArray, request: SearchRequest) -> tuple[FacetValue, ...]:
    """Years present, newest first, then the undated ones; ``slots`` counts each slot of
    ``dv.dates.year_slot`` (one per year, then undated, then negative dates)."""
    return _date_values("year", _year_pairs(dv, slots.tolist()), request)


def month_values(
    dv: DocValues, slots: CountArray | None, request: SearchRequest
) -> tuple[FacetValue, ...]:
    """Months of the chosen year(s); ``slots`` counts each slot of ``dv.dates.month_slot``
    (None when no year is chosen: then no month is offered)."""
    if slots is None:
        return ()
    return _date_values("month", _month_pairs(dv, slots.tolist(), request), request)


def _year_slots(dv: DocValues, docs: BoolArray, groups: IntArray | None) -> CountArray:
    slots = dv.dates.year_slot[docs]
    return _counts(slots, lambda: np.flatnonzero(docs), groups, len(dv.dates.years) + 2)


def _month_slots(
    dv: DocValues, docs: BoolArray, request: SearchRequest, groups: IntArray | None
) -> CountArray | None:
    if not months_offered(request):
        return None
    slots = dv.dates.month_slot[docs]
    return _counts(slots, lambda: np.flatnonzero(docs), groups, len(dv.dates.months) + 1)


def _date_values(
    facet: FacetName, pairs: list[tuple[str, str, int]], request: SearchRequest
) -> tuple[FacetValue, ...]:
    selected = {v.casefold() for v in request.filters.get(facet, ())}
    excluded = {v.casefold() for v in request.excludes.get(facet, ())}
    values = [
        FacetValue(key, label, count, key.casefold() in selected, key.casefold() in excluded)
        for key, label, count in pairs
    ]
    head = values[:MAX_FACET_VALUES]
    head += [v for v in values[MAX_FACET_VALUES:] if v.selected or v.excluded]
    return tuple(head)


def _year_pairs(dv: DocValues, counts: list[int]) -> list[tuple[str, str, int]]:
    """Years present among the counted documents, newest first, then the undated ones."""
    dates = dv.dates
    # four digits, as requests take them (``year=0001``) and month values write them
    pairs = [
        (f"{year:04d}", f"{year:04d}", count)
        for year, count in zip(dates.years, counts, strict=False)
        if count
    ]
    pairs.reverse()
    undated = counts[len(dates.years)]
    return [*pairs, (UNDATED, "Undated", undated)] if undated else pairs


def _month_pairs(
    dv: DocValues, counts: list[int], request: SearchRequest
) -> list[tuple[str, str, int]]:
    years = months_offered(request)
    return [
        (f"{m // 100:04d}-{m % 100:02d}", f"{_MONTHS[m % 100 - 1]} {m // 100}", count)
        for m, count in zip(dv.dates.months, counts, strict=False)
        if count and m // 100 in years and 1 <= m % 100 <= 12
    ]


def _key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day
