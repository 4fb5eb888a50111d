"""Query latency in-process through ``SearchService``, over the fixed sisihagen query set.

Modes: ``plain`` (no facets, no snippets), ``faceted``, ``faceted+snippets``
(what the search page asks for) and ``filtered`` (faceted+snippets with a tag
and a year selected). One untimed pass warms the caches; each mode then runs
the query set ``rounds`` times or until its time budget is spent.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.common import log, summary_ms
from search.errors import SearchError
from search.service import SearchService
from search.types import FacetName, SearchRequest

MODE_BUDGET_S = 45.0
"""Upper bound on the time one mode may take, whatever the machine's load."""


def pick_filters(service: SearchService) -> dict[FacetName, tuple[str, ...]]:
    """Each language's most frequent tag (tags are translated) and the most frequent year.

    Selecting one tag per language keeps every query's language in the
    filtered set, so the mode measures filtering, not mostly empty results.
    """
    facets = service.facet_values()
    tags: list[str] = []
    for lang in sorted(v.value for v in facets["lang"]):
        only = SearchRequest(filters={"lang": (lang,)}, per_page=1, snippets=False)
        values = service.search(only).facets.get("tag", ())
        if values:
            tags.append(max(values, key=lambda v: (v.count, v.value)).value)
    years = [v for v in facets["year"] if v.value.isdigit()]
    year = max(years, key=lambda v: (v.count, v.value)).value
    return {"tag": tuple(tags), "year": (year,)}


def modes(service: SearchService) -> dict[str, SearchRequest]:
    return {
        "plain": SearchRequest(facets=False, snippets=False),
        "faceted": SearchRequest(facets=True, snippets=False),
        "faceted+snippets": SearchRequest(facets=True, snippets=True),
        "filtered": SearchRequest(facets=True, snippets=True, filters=pick_filters(service)),
    }


def time_mode(
    service: SearchService, base: SearchRequest, queries: list[str], rounds: int
) -> dict[str, Any]:
    durations: list[float] = []
    errors: dict[str, int] = {}
    hits: list[int] = []
    deadline = time.perf_counter() + MODE_BUDGET_S
    for _ in range(rounds):
        for q in queries:
            if time.perf_counter() > deadline:
                break
            request = replace(base, q=q)
            started = time.perf_counter()
            try:
                result = service.search(request)
            except SearchError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            durations.append(time.perf_counter() - started)
            hits.append(result.total)
    return {**summary_ms(durations), "errors": errors, "zero_hit_queries": hits.count(0)}


def run(index_dir: Path, queries: list[str], *, rounds: int) -> dict[str, Any]:
    service = SearchService(index_dir)
    try:
        chosen = modes(service)
        log(f"latency: warm-up over {len(queries)} queries")
        time_mode(service, chosen["faceted+snippets"], queries, 1)
        results: dict[str, Any] = {
            "queries": len(queries),
            "rounds": rounds,
            "filters": {k: list(v) for k, v in chosen["filtered"].filters.items()},
        }
        for name, base in chosen.items():
            log(f"latency: mode {name}")
            results[name] = time_mode(service, base, queries, rounds)
        return results
    finally:
        service.close()
