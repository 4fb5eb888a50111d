"""Facets and filters over per-document arrays: disjunctive counts with vectorised NumPy.

Engine-neutral: an engine supplies ``DocValues`` (one slot per document
number) and a boolean mask of the documents its query matched. Within one
facet, selected values combine with OR; facets combine with AND; each facet's
counts are computed with every filter applied except its own (disjunctive
faceting, as Elasticsearch's ``post_filter`` does), so a user can widen a
selection by the counts shown beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from search.languages import display_name
from search.types import FACET_NAMES, UNDATED, FacetName, FacetValue, SearchRequest

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
MAX_FACET_VALUES = 100
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


@dataclass(frozen=True)
class DocValues:
    live: BoolArray
    """False for deleted document numbers."""
    date: IntArray
    """``yyyymmdd``; 0 when undated."""
    lang: IntArray
    publication: IntArray
    """Index into ``publications``; -1 when none."""
    tag_doc: IntArray
    tag_id: IntArray
    """One (document, tag) pair per distinct tag of each document."""
    langs: tuple[str, ...]
    publications: tuple[str, ...]
    publication_labels: tuple[str, ...]
    tags: tuple[str, ...]
    tag_labels: tuple[str, ...]

    @property
    def size(self) -> int:
        return int(self.live.shape[0])


def _ids(keys: tuple[str, ...], values: tuple[str, ...]) -> IntArray:
    index = {key: i for i, key in enumerate(keys)}
    found = [index[v.casefold()] for v in values if v.casefold() in index]
    return np.asarray(found, dtype=np.int32)


def value_mask(dv: DocValues, facet: FacetName, values: tuple[str, ...]) -> BoolArray:
    """Documents having any of ``values`` in ``facet``."""
    if facet == "tag":
        mask = np.zeros(dv.size, dtype=np.bool_)
        mask[dv.tag_doc[np.isin(dv.tag_id, _ids(dv.tags, values))]] = True
        return mask
    if facet == "publication":
        return np.isin(dv.publication, _ids(dv.publications, values))
    if facet == "lang":
        return np.isin(dv.lang, _ids(dv.langs, values))
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
        mask = value_mask(dv, facet, selected) if selected else np.ones(dv.size, dtype=np.bool_)
        if excluded:
            mask &= ~value_mask(dv, facet, excluded)
        masks[facet] = mask
    return masks


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
    for facet in FACET_NAMES:
        docs = combine(matched, masks, skip=facet)
        counted[facet] = _values(dv, facet, docs, request)
    return counted


def _values(
    dv: DocValues, facet: FacetName, docs: BoolArray, request: SearchRequest
) -> tuple[FacetValue, ...]:
    selected = {v.casefold() for v in request.filters.get(facet, ())}
    excluded = {v.casefold() for v in request.excludes.get(facet, ())}
    pairs = _counts(dv, facet, docs, request)
    if facet in ("tag", "publication", "lang"):
        pairs.sort(key=lambda p: (-p[2], p[1].casefold()))
    values = [
        FacetValue(key, label, count, key.casefold() in selected, key.casefold() in excluded)
        for key, label, count in pairs
        if count > 0 or key.casefold() in selected or key.casefold() in excluded
    ]
    head = values[:MAX_FACET_VALUES]
    head += [v for v in values[MAX_FACET_VALUES:] if v.selected or v.excluded]
    return tuple(head)


def _counts(
    dv: DocValues, facet: FacetName, docs: BoolArray, request: SearchRequest
) -> list[tuple[str, str, int]]:
    if facet == "tag":
        counts = np.bincount(dv.tag_id[docs[dv.tag_doc]], minlength=len(dv.tags))
        return [(k, dv.tag_labels[i], int(counts[i])) for i, k in enumerate(dv.tags)]
    if facet == "publication":
        pubs = dv.publication[docs]
        counts = np.bincount(pubs[pubs >= 0], minlength=len(dv.publications))
        return [
            (k, dv.publication_labels[i], int(counts[i])) for i, k in enumerate(dv.publications)
        ]
    if facet == "lang":
        counts = np.bincount(dv.lang[docs], minlength=len(dv.langs))
        return [(k, display_name(k), int(counts[i])) for i, k in enumerate(dv.langs)]
    dates = dv.date[docs]
    if facet == "year":
        years, counts = np.unique(dates[dates > 0] // 10000, return_counts=True)
        pairs = [(str(y), str(y), int(c)) for y, c in zip(years, counts, strict=True)]
        pairs.reverse()
        undated = int(np.count_nonzero(dates == 0))
        return [*pairs, (UNDATED, "Undated", undated)] if undated else pairs
    return _month_counts(dates, request)


def _month_counts(dates: IntArray, request: SearchRequest) -> list[tuple[str, str, int]]:
    """Months are offered inside the chosen year(s) only: a timeline of one year at a time."""
    years = {int(y) for y in request.filters.get("year", ()) if y.isdigit()}
    years |= {int(m[:4]) for m in request.filters.get("month", ()) if m[:4].isdigit()}
    if not years:
        return []
    months, counts = np.unique(dates[dates > 0] // 100, return_counts=True)
    return [
        (f"{m // 100:04d}-{m % 100:02d}", f"{_MONTHS[m % 100 - 1]} {m // 100}", int(c))
        for m, c in zip(months, counts, strict=True)
        if m // 100 in years and 1 <= m % 100 <= 12
    ]


def _key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day
