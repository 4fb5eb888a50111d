"""Translation groups: one hit per group of translations (``group=translations``).

Engine-neutral, over ``DocValues.groups`` (documents sharing a translation key
share a group; an article without translations is a group of its own), so every
engine that ranks through ``search.engine_base`` groups the same way:

- **order**: a group stands where its best member stands in the article order
  (relevance or date), so paging over groups is paging over that order with the
  later members of a group left out; page 2 continues page 1 and no group is shown
  twice;
- **member shown**: among the group's members that match the request, the first
  in the reader's preferred languages (``lang_pref``, pages: ``Accept-Language``),
  else the best-ranked one (the language the query matched best);
- **also in**: the group's other live members, whether they matched or not;
- **counts**: ``total`` and facet counts count distinct groups, exactly (a NumPy
  pass over the matches); tags are linked through the groups (``linked``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from search.docvalues import BoolArray, CountArray, DocValues, IndexArray, IntArray
from search.types import SearchRequest, Sort, Translation

Ranked = list[tuple[int, float | None]]
"""(dense document number, score or None) in display order."""


def linked(dv: DocValues, mask: BoolArray) -> BoolArray:
    """Every live document of a group that has a document in ``mask``: what a tag of
    one translation selects when tags are linked through their groups."""
    groups = dv.groups
    has = np.zeros(int(groups.max()) + 1 if groups.size else 0, dtype=np.bool_)
    has[groups[mask]] = True
    result: BoolArray = has[groups] & dv.live
    return result


def count_groups(dv: DocValues, mask: BoolArray) -> int:
    """How many distinct groups the documents of ``mask`` belong to."""
    groups = dv.groups[mask]
    if not groups.size:
        return 0
    return int(np.count_nonzero(np.bincount(groups)))


def distinct_counts(values: IntArray | IndexArray, groups: IntArray, n: int) -> CountArray:
    """For each of ``n`` values, how many distinct groups hold it; ``values[i]`` is held
    by group ``groups[i]``."""
    if not values.size:
        return np.zeros(n, dtype=np.int64)
    pairs = np.sort(groups.astype(np.int64) * n + values.astype(np.int64))
    # sorted, each distinct pair is where it differs from the one before (ten times faster
    # than np.unique's hashing on a few thousand pairs)
    first = np.empty(pairs.shape[0], dtype=np.bool_)
    first[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    return np.bincount(pairs[first] % n, minlength=n)


def first_of_each(
    dv: DocValues, docs: Sequence[int] | IndexArray, limit: int | None = None
) -> list[int]:
    """Positions in ``docs`` (an article order) of the first document of each group, in
    that order; only the first ``limit`` groups' when given (a page needs no more)."""
    seen: set[int] = set()
    first: list[int] = []
    order = np.asarray(docs, dtype=np.intp)
    # a loop that stops at the page's last group, read in slices: cheaper than a pass
    # over every match when a page is all that is asked
    for start in range(0, order.shape[0], _SLICE):
        for offset, group in enumerate(dv.groups[order[start : start + _SLICE]].tolist()):
            if group not in seen:
                seen.add(group)
                first.append(start + offset)
                if len(first) == limit:
                    return first
    return first


_SLICE = 1024


def shown_member(dv: DocValues, first: int, allowed: BoolArray, lang_pref: Sequence[str]) -> int:
    """The member a group shows: the matching member in the first of the reader's
    languages that has one, else ``first`` (its best-ranked member)."""
    if not lang_pref:
        return first
    members = np.flatnonzero((dv.groups == dv.groups[first]) & allowed)
    if members.size < 2:
        return first
    langs = [dv.langs[i] for i in dv.lang[members].tolist()]
    for wanted in lang_pref:
        for member, lang in zip(members.tolist(), langs, strict=True):
            if lang == wanted:
                return int(member) if lang != dv.langs[dv.lang[first]] else first
    return first


def members_of(dv: DocValues, docnums: Sequence[int]) -> dict[int, list[int]]:
    """The live members of the groups of ``docnums``, by group, in document order."""
    groups = dv.groups
    wanted = groups[np.asarray(docnums, dtype=np.intp)]
    found: dict[int, list[int]] = {int(g): [] for g in wanted.tolist()}
    chosen = np.zeros(int(groups.max()) + 1 if groups.size else 0, dtype=np.bool_)
    chosen[wanted] = True  # a lookup table: a third of np.isin's time here
    for doc in np.flatnonzero(chosen[groups] & dv.live).tolist():
        found[int(groups[doc])].append(int(doc))
    return found


def grouped_page(
    dv: DocValues, allowed: BoolArray, request: SearchRequest, top: Callable[[int], Ranked] | None
) -> tuple[int, int, Ranked]:
    """One page of translation groups: how many groups and articles ``allowed`` (the
    selection) holds, and the page, each group in the article order (relevance when
    ``top`` ranks the selection: ``top(n)`` its ``n`` best, else ``request.sort``'s date
    order) with its later members left out, shown by its preferred member."""
    articles = int(np.count_nonzero(allowed))
    total = count_groups(dv, allowed)
    start = (request.page - 1) * request.per_page
    end = min(start + request.per_page, total)
    if top is not None:
        firsts = firsts_by_rank(dv, top, articles, end)[start:end]
    else:
        firsts = firsts_by_date(dv, allowed, request.sort, end)[start:end]
    page = [(shown_member(dv, doc, allowed, request.lang_pref), score) for doc, score in firsts]
    return total, articles, page


def firsts_by_rank(dv: DocValues, top: Callable[[int], Ranked], articles: int, end: int) -> Ranked:
    """The best-ranked member of each of the first ``end`` groups, in group order;
    ``top(n)`` is the engine's ``n`` best matches (ties in a stable order) of the
    ``articles`` selected."""
    if end <= 0:
        return []
    limit = max(2 * end, 20)
    while True:
        # a group takes as many places as it has matching members: ask for more until
        # enough groups are in, or every match is
        found = top(min(limit, articles))
        firsts = first_of_each(dv, [doc for doc, _ in found], end)
        if len(firsts) >= end or len(found) >= articles:
            return [found[i] for i in firsts]
        limit *= 4


def by_date(dv: DocValues, allowed: BoolArray, sort: Sort) -> IndexArray:
    """The documents of ``allowed`` newest first (``oldest``: oldest first), undated ones
    last in both orders, ties in document order."""
    docs = np.flatnonzero(allowed)
    dates = dv.date[docs].astype(np.int64)
    keys = np.where(dates == 0, 99_999_999, dates) if sort == "oldest" else -dates
    result: IndexArray = docs[np.argsort(keys, kind="stable")]
    return result


def firsts_by_date(dv: DocValues, allowed: BoolArray, sort: Sort, end: int) -> Ranked:
    """The first member (by date) of each of the first ``end`` groups, in group order."""
    ordered = by_date(dv, allowed, sort)
    return [(int(ordered[i]), None) for i in first_of_each(dv, ordered, end)]


Member = tuple[str, str, str]
"""What "also in" shows of a member: its id, language and title."""


class MemberCache:
    """Members' (id, language, title), kept for the generation's life: a generation never
    changes, popular groups come back page after page, and reading a stored record is
    most of what "also in" costs (Whoosh reads the whole record, body included)."""

    LIMIT = 100_000
    """Members kept at most (about 200 bytes each); later ones are read every time."""

    def __init__(self) -> None:
        self._kept: dict[int, Member] = {}

    def reader(self, read: Callable[[int], dict[str, Any]]) -> Callable[[int], Member]:
        """``read`` (a hit record by document number) behind the cache."""

        def member(docnum: int) -> Member:
            found = self._kept.get(docnum)
            if found is None:
                fields = read(docnum)
                found = (fields["id"], fields["lang"], fields["title"])
                if len(self._kept) < self.LIMIT:
                    self._kept[docnum] = found  # one dict store: safe across threads
            return found

        return member


def also_in(
    dv: DocValues,
    docnums: Sequence[int],
    allowed: BoolArray,
    read: Callable[[int], Member],
) -> list[tuple[Translation, ...]]:
    """For each document, the other live members of its group by language, read with
    ``read``, ``matched`` when ``allowed``."""
    members = members_of(dv, docnums)
    found = []
    for doc in docnums:
        others = [
            Translation(*read(other), matched=bool(allowed[other]))
            for other in members[int(dv.groups[doc])]
            if other != doc
        ]
        found.append(tuple(sorted(others, key=lambda t: (t.lang, t.id))))
    return found
