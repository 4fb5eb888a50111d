"""The fast Whoosh path gives exactly what plain Whoosh usage gives, on the real archive.

The engine counts facets and applies filters with NumPy arrays and scores with posting
arrays (``arrayscore``). Here the same requests are answered the slow, obvious
way — every match's stored record read and counted in Python, filters as Whoosh
queries — and totals, facet counts and the ranked ids must be identical.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as wq

from search.docvalues import facet_key
from search.engine_base import ANY_WORDS_NOTICE
from search.facets import MAX_FACET_VALUES
from search.query import ParsedQuery, parse_query
from search.service import SearchService
from search.types import SearchRequest
from search.whoosh_engine.querybuild import build_query
from search.whoosh_engine.searchers import open_searcher

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

QUERIES = [
    "krieg", "russia", "peace", "nato china", '"kalten krieg"', "putin OR merkel",
    "war -russia", "wahl*", "économie", "война", "karabakh", "usa", "medien presse",
]  # fmt: skip
FILTERS: list[dict[str, tuple[str, ...]]] = [
    {},
    {"lang": ("de",)},
    {"tag": ("Staat", "Gesellschaft")},
    {"year": ("2020", "2019"), "lang": ("de", "en")},
    {"tag": ("state",), "year": ("2020",), "month": ("2020-10", "2020-11")},
]


def _facet_values(record: dict[str, Any]) -> dict[str, set[str]]:
    date = record["date"]
    return {
        "tag": {facet_key(t) for t in record["tags"]},  # one tag across case and slug forms
        "publication": {record["publication"].casefold()} if record["publication"] else set(),
        "lang": {record["lang"]},
        "year": {date[:4]} if date else {"undated"},
        "month": {date[:7]} if date else set(),
    }


def _passes(values: dict[str, set[str]], filters: dict[str, tuple[str, ...]], skip: str) -> bool:
    return all(
        values[f] & {facet_key(v) if f == "tag" else v.casefold() for v in chosen}
        for f, chosen in filters.items()
        if f != skip
    )


def _filter_query(filters: dict[str, tuple[str, ...]]) -> wq.Query | None:
    """The filters as plain Whoosh queries (what one would write without our arrays)."""
    parts: list[wq.Query] = []
    for facet, values in filters.items():
        if facet == "tag":
            parts.append(wq.Or([wq.Term("tags", v.casefold()) for v in values]))
        elif facet == "lang":
            parts.append(wq.Or([wq.Term("lang", v) for v in values]))
        elif facet == "year":
            parts.append(wq.Or([wq.NumericRange("date", int(v) * 10000, int(v) * 10000 + 1231)
                                for v in values]))  # fmt: skip
        elif facet == "month":
            keys = [int(v.replace("-", "")) * 100 for v in values]
            parts.append(wq.Or([wq.NumericRange("date", k, k + 31) for k in keys]))
    return wq.And(parts) if parts else None


def _reference(
    searcher: Any,
    records: dict[int, dict[str, Any]],
    parsed: ParsedQuery,
    filters: dict[str, tuple[str, ...]],
) -> tuple[int, dict[str, Counter[str]], list[str]]:
    langs = sorted({r["lang"] for r in records.values()})
    query = build_query(parsed, langs, searcher.reader())
    matched = [records[d] for d in searcher.docs_for_query(query)]
    values = [_facet_values(r) for r in matched]
    total = sum(1 for v in values if _passes(v, filters, skip=""))
    counts: dict[str, Counter[str]] = {}
    for facet in ("tag", "publication", "lang", "year"):
        counts[facet] = Counter(
            value for v in values if _passes(v, filters, skip=facet) for value in v[facet]
        )
    # every match scored (limit=None): Whoosh's top-10 collector (block skipping, matchers
    # replaced by score bounds) missed better-scored articles on these indexes
    top = searcher.search(query, limit=None, filter=_filter_query(filters))[:10]
    return total, counts, [hit["id"] for hit in top]


def _counts(values: Iterable[Any]) -> Counter[str]:
    return Counter({v.value: v.count for v in values if v.count})


def test_fast_path_matches_plain_whoosh(sisihagen_index: Path) -> None:
    service = SearchService(sisihagen_index)
    engine: Any = service.engine()
    # the test reaches inside on purpose: it checks the engine against plain Whoosh usage
    searcher = open_searcher(engine._searchers._ix)  # the engine's BM25
    records = {docnum: fields["record"] for docnum, fields in searcher.reader().iter_docs()}
    compared = 0
    for q in QUERIES:
        for filters in FILTERS:
            request = SearchRequest(q=q, filters=filters, snippets=False)  # type: ignore[arg-type]
            result = service.search(request)
            if ANY_WORDS_NOTICE in result.notices:  # widened only when all-words found nothing
                assert _reference(searcher, records, parse_query(q), filters)[0] == 0
            parsed = parse_query(q, "any" if ANY_WORDS_NOTICE in result.notices else "all")
            total, counts, top = _reference(searcher, records, parsed, filters)
            assert result.total == total, (q, filters)
            for facet, expected in counts.items():
                got = _counts(result.facets[facet])  # type: ignore[index]
                assert {v: expected[v] for v in got} == got, (q, filters, facet)
                # only the most frequent values are listed: none left out is more frequent
                assert len(got) >= min(len(expected), MAX_FACET_VALUES), (q, filters, facet)
                left_out = [n for v, n in expected.items() if v not in got]
                assert max(left_out, default=0) <= min(got.values(), default=0)
            assert [hit.id for hit in result.hits] == top, (q, filters)
            compared += 1
    assert compared == len(QUERIES) * len(FILTERS)
    searcher.close()
