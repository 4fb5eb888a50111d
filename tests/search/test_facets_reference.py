"""The vectorised facet counting against a plain-loop reference, on generated ``DocValues``.

The reference is the specification written the slow, obvious way: every key counted,
keyed facets sorted by (-count, case-folded label) with ties in key order, values
without a count dropped unless selected or excluded, and at most ``MAX_FACET_VALUES``
shown besides the selected and excluded ones.
"""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from search.docvalues import BoolArray, DocValues, DocValuesBuilder, facet_key
from search.facets import MAX_FACET_VALUES, count_facets, count_facets_of, facet_masks
from search.languages import display_name
from search.types import FACET_NAMES, UNDATED, FacetName, FacetValue, SearchRequest

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip
Counted = dict[FacetName, tuple[FacetValue, ...]]
Entry = tuple[str, str, int]


def _docs(matched: BoolArray, masks: dict[FacetName, BoolArray], skip: str) -> list[bool]:
    return [
        bool(matched[d]) and all(bool(m[d]) for f, m in masks.items() if f != skip)
        for d in range(len(matched))
    ]


def _keyed(dv: DocValues, facet: FacetName, docs: list[bool]) -> list[Entry]:
    if facet == "tag":
        counts = [0] * len(dv.tags)
        for d, t in zip(dv.tag_doc.tolist(), dv.tag_id.tolist(), strict=True):
            counts[t] += docs[d]
        entries = list(zip(dv.tags, dv.tag_labels, counts, strict=True))
    elif facet == "author":
        counts = [0] * len(dv.authors)
        for d, a in zip(dv.author_doc.tolist(), dv.author_id.tolist(), strict=True):
            counts[a] += docs[d]
        entries = list(zip(dv.authors, dv.author_labels, counts, strict=True))
    elif facet == "publication":
        counts = [0] * len(dv.publications)
        for d, p in enumerate(dv.publication.tolist()):
            if docs[d] and p >= 0:
                counts[p] += 1
        entries = list(zip(dv.publications, dv.publication_labels, counts, strict=True))
    else:
        counts = [0] * len(dv.langs)
        for d, lang in enumerate(dv.lang.tolist()):
            if docs[d]:
                counts[lang] += 1
        entries = [(k, display_name(k), counts[i]) for i, k in enumerate(dv.langs)]
    return sorted(entries, key=lambda e: (-e[2], e[1].casefold()))


def _dated(
    dv: DocValues, facet: FacetName, docs: list[bool], request: SearchRequest
) -> list[Entry]:
    dates = [date for d, date in enumerate(dv.date.tolist()) if docs[d]]
    if facet == "year":
        years: dict[int, int] = {}
        for date in dates:
            if date > 0:
                years[date // 10000] = years.get(date // 10000, 0) + 1
        entries = [(str(y), str(y), years[y]) for y in sorted(years, reverse=True)]
        undated = dates.count(0)
        return [*entries, (UNDATED, "Undated", undated)] if undated else entries
    chosen = {int(y) for y in request.filters.get("year", ()) if y.isdigit()}
    chosen |= {int(m[:4]) for m in request.filters.get("month", ()) if m[:4].isdigit()}
    months: dict[int, int] = {}
    for date in dates:
        if date > 0:
            months[date // 100] = months.get(date // 100, 0) + 1
    return [
        (f"{m // 100:04d}-{m % 100:02d}", f"{_MONTH_NAMES[m % 100 - 1]} {m // 100}", months[m])
        for m in sorted(months)
        if chosen and m // 100 in chosen and 1 <= m % 100 <= 12
    ]


def reference(
    dv: DocValues, matched: BoolArray, masks: dict[FacetName, BoolArray], request: SearchRequest
) -> Counted:
    counted: Counted = {}
    for facet in FACET_NAMES:
        docs = _docs(matched, masks, facet)
        if facet in ("year", "month"):
            entries = _dated(dv, facet, docs, request)
        else:
            entries = _keyed(dv, facet, docs)
        # keyed facets match requests by facet_key (case, slug or word form), dates by case
        fold = str.casefold if facet in ("year", "month") else facet_key
        selected = {fold(v) for v in request.filters.get(facet, ())}
        excluded = {fold(v) for v in request.excludes.get(facet, ())}
        values = []
        for key, label, count in entries:
            is_selected, is_excluded = fold(key) in selected, fold(key) in excluded
            if count > 0 or is_selected or is_excluded:
                values.append(FacetValue(key, label, count, is_selected, is_excluded))
        shown = values[:MAX_FACET_VALUES]
        shown += [v for v in values[MAX_FACET_VALUES:] if v.selected or v.excluded]
        counted[facet] = tuple(shown)
    return counted


# -- generated archives ------------------------------------------------------------------

_LABEL_LETTERS = "aAbBsSßẞıİ"  # few letters: many labels equal once case-folded (ties)


def _archive(rng: random.Random, docs: int, tags: int, pubs: int) -> DocValues:
    """A builder-made archive: keys case-folded, labels the commonest spelling."""
    tag_names = ["".join(rng.choices(_LABEL_LETTERS, k=rng.randint(1, 3))) + str(i % 7)
                 for i in range(tags)]  # fmt: skip
    pub_names = [rng.choice(["Le Monde", "le monde", "BBC", "bbc News", "Zeit"]) + str(i % 2)
                 for i in range(pubs)]  # fmt: skip
    dates = [None, "2019-12-31", "2020-01-01", "2020-02-29", "2020-12-05", "2021-06-15",
             "2024-01-09", "1999-07-04"]  # fmt: skip
    builder = DocValuesBuilder(docs)
    for d in range(docs):
        if rng.random() < 0.1:
            continue  # a dead slot
        record = {
            "date": rng.choice(dates),
            "lang": rng.choice(["en", "de", "fr", "xx", "EN"]),
            "publication": rng.choice(pub_names) if pub_names and rng.random() < 0.8 else None,
            "tags": rng.sample(tag_names, k=min(len(tag_names), rng.randint(0, 12))),
            "authors": rng.sample(pub_names, k=min(len(pub_names), rng.randint(0, 3))),
        }
        builder.add(d, record)
    return builder.build()


def _raw_archive(rng: random.Random, docs: int, tags: int, pubs: int) -> DocValues:
    """``DocValues`` as an engine may pass them: distinct keys whose labels tie once
    case-folded, which only the key order can then sort."""
    pairs = [(d, t) for d in range(docs) for t in range(tags) if rng.random() < 0.15]
    dates = [0, 20190101, 20200101, 20200229, 20201205, 20210615, 20201300, 19990704]
    return DocValues(
        live=np.asarray([rng.random() < 0.9 for _ in range(docs)], dtype=np.bool_),
        date=np.asarray([rng.choice(dates) for _ in range(docs)], dtype=np.int32),
        lang=np.asarray([rng.randrange(3) for _ in range(docs)], dtype=np.int32),
        publication=np.asarray([rng.randrange(-1, pubs) for _ in range(docs)], dtype=np.int32),
        tag_doc=np.asarray([d for d, _ in pairs], dtype=np.int32),
        tag_id=np.asarray([t for _, t in pairs], dtype=np.int32),
        langs=("en", "de", "xx"),
        publications=tuple(f"p{i}" for i in range(pubs)),
        publication_labels=tuple(rng.choice(["Zeit", "zeit", "BBC"]) for _ in range(pubs)),
        tags=tuple(f"t{i}" for i in range(tags)),
        tag_labels=tuple(rng.choice(["a", "A", "b", "ß", "SS", "ss", "c"]) for _ in range(tags)),
    )


def _request(rng: random.Random, dv: DocValues) -> SearchRequest:
    """Some selections and exclusions, in any case, some naming nothing."""
    pools: dict[FacetName, list[str]] = {
        "tag": [*dv.tags, *(t.upper() for t in dv.tags), "no-such-tag"],
        "publication": [*dv.publications, "No Such Paper"],
        "author": [*dv.authors, *(a.replace(" ", "-") for a in dv.authors), "Nobody"],
        "lang": [*dv.langs, "EN", "zz"],
        "year": ["2020", "2021", "1999", "2030", UNDATED],
        "month": ["2020-01", "2020-02", "2021-06", "2020-13", "2025-01"],
    }
    filters: dict[FacetName, tuple[str, ...]] = {}
    excludes: dict[FacetName, tuple[str, ...]] = {}
    for facet, pool in pools.items():
        if rng.random() < 0.35:
            filters[facet] = tuple(rng.sample(pool, k=min(len(pool), rng.randint(1, 3))))
        if rng.random() < 0.25:
            excludes[facet] = tuple(rng.sample(pool, k=min(len(pool), rng.randint(1, 2))))
    return SearchRequest(filters=filters, excludes=excludes)


def _check(dv: DocValues, rng: random.Random) -> Counted:
    request = _request(rng, dv)
    share = rng.choice((0.05, 0.8))  # few matches, or most articles
    matched = dv.live & np.asarray([rng.random() < share for _ in range(dv.size)], dtype=np.bool_)
    masks = facet_masks(dv, request)
    got = count_facets(dv, matched, masks, request)
    assert got == reference(dv, matched, masks, request)
    # the same counts from the matches' document numbers, as an engine holding them counts
    assert count_facets_of(dv, np.flatnonzero(matched), masks, request) == got
    return got


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 40), st.integers(0, 140), st.integers(0, 6))
def test_counts_match_the_reference(seed: int, docs: int, tags: int, pubs: int) -> None:
    _check(_archive(random.Random(seed), docs, tags, pubs), random.Random(seed + 1))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 40), st.integers(0, 140), st.integers(0, 6))
def test_counts_match_the_reference_with_label_ties(
    seed: int, docs: int, tags: int, pubs: int
) -> None:
    _check(_raw_archive(random.Random(seed), docs, tags, pubs), random.Random(seed + 1))


def test_more_values_than_shown_keep_selected_and_excluded_ones() -> None:
    """Large archives: the head is cut at MAX_FACET_VALUES, the selections stay."""
    beyond = 0
    for seed in range(12):
        rng = random.Random(seed)
        dv = _archive(rng, 400, 400, 5) if seed % 2 else _raw_archive(rng, 300, 300, 5)
        got = _check(dv, rng)
        beyond += len(got["tag"]) > MAX_FACET_VALUES
        # every archive also without filters, as the facet overview counts it
        everything = count_facets(dv, dv.live, {}, SearchRequest())
        assert everything == reference(dv, dv.live, {}, SearchRequest())
        assert len(everything["tag"]) == MAX_FACET_VALUES
    assert beyond > 0  # some request did select or exclude values past the cut


def test_ties_follow_key_order_and_casefolded_labels() -> None:
    dv = DocValues(
        live=np.ones(3, dtype=np.bool_),
        date=np.zeros(3, dtype=np.int32),
        lang=np.zeros(3, dtype=np.int32),
        publication=np.full(3, -1, dtype=np.int32),
        tag_doc=np.asarray([0, 0, 0, 0, 0, 1, 1, 2], dtype=np.int32),
        tag_id=np.asarray([0, 1, 2, 3, 4, 1, 4, 5], dtype=np.int32),
        langs=("en",),
        publications=(),
        publication_labels=(),
        tags=("k0", "k1", "k2", "k3", "k4", "k5"),
        tag_labels=("b", "SS", "B", "ß", "a", "c"),  # "ß" folds to "ss": after "c"
    )
    tags = count_facets(dv, dv.live, {}, SearchRequest())["tag"]
    assert [(v.value, v.count) for v in tags] == [
        ("k4", 2), ("k1", 2), ("k0", 1), ("k2", 1), ("k5", 1), ("k3", 1),
    ]  # fmt: skip


def test_each_facet_counts_with_the_other_filters() -> None:
    builder = DocValuesBuilder(3)
    builder.add(0, {"date": "2020-03-01", "lang": "en", "publication": "P", "tags": ["x"]})
    builder.add(1, {"date": None, "lang": "de", "publication": None, "tags": ["y"]})
    builder.add(2, {"date": "2021-05-01", "lang": "en", "publication": None, "tags": ["x", "z"]})
    dv = builder.build()
    request = SearchRequest(filters={"tag": ("X",), "year": ("2020",)}, excludes={"lang": ("de",)})
    masks = facet_masks(dv, request)
    got = count_facets(dv, dv.live, masks, request)
    assert got["tag"] == (FacetValue("x", "x", 1, selected=True),)
    assert got["publication"] == (FacetValue("p", "P", 1),)
    assert got["lang"] == (
        FacetValue("en", display_name("en"), 1),
        FacetValue("de", display_name("de"), 0, excluded=True),
    )
    assert got["year"] == (FacetValue("2021", "2021", 1), FacetValue("2020", "2020", 1, True))
    assert got["month"] == (FacetValue("2020-03", "March 2020", 1),)
    assert got == reference(dv, dv.live, masks, request)


def test_empty_archive() -> None:
    dv = DocValuesBuilder(0).build()
    request = SearchRequest(filters={"tag": ("a",), "year": ("2020",)})
    got = count_facets(dv, dv.live, facet_masks(dv, request), request)
    assert got == dict.fromkeys(FACET_NAMES, ())
