"""What grouping by translations costs: searches with ``group=none`` and
``group=translations`` on sisihagen (four languages, 871 translation groups), both engines.

Each query of the set is run in four shapes, each once without and once with grouping,
the two interleaved so that the machine's load falls on both alike:

- ``page``: what the search page asks (10 hits, snippets, facets, the timeline);
- ``lean``: an API client's cheapest search (10 hits, no snippets, no facets), where
  without grouping an engine ranks straight from its index (``_top_direct``);
- ``deep``: page 5 of ``lean``, where grouping has to rank more members;
- ``browse``: no query, newest first, with facets (the archive's front page).

Timed in-process through ``SearchService.search`` (no HTTP), after one warm-up round.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from bench.common import QueryLine, corpus, log, summary_ms
from bench.report import table
from indexer.build import build_index
from search.errors import SearchTimeout
from search.request import build_request
from search.service import SearchService
from search.types import Grouping, SearchRequest, SearchResult

ENGINES = ("whoosh", "tantivy")
SHAPES: dict[str, dict[str, Any]] = {
    "page": {"histogram": "auto"},
    "lean": {"snippets": False, "facets": False},
    "deep": {"snippets": False, "facets": False, "page": 5},
    "browse": {"sort": "newest"},
}
QUICK_QUERIES = 20


def _requests(lines: list[QueryLine], shape: str) -> list[SearchRequest]:
    options = SHAPES[shape]
    if shape == "browse":
        return [SearchRequest(**options)] * 20
    return [dataclasses.replace(build_request(line.params()), **options) for line in lines]


def measure(index: Path, lines: list[QueryLine]) -> dict[str, Any]:
    service = SearchService(index)
    try:
        out: dict[str, Any] = {"translation_groups": service.info().translation_groups}
        for shape in SHAPES:
            requests = _requests(lines, shape)
            timings: dict[str, list[float]] = {"none": [], "translations": []}
            groups, articles, timeouts = [], [], 0
            for request in requests[:5]:  # warm-up: caches, first reads of the files
                _search(service, request)
            for n, request in enumerate(requests):
                # alternate which goes first, so neither always meets a warmer cache
                order: tuple[Grouping, ...] = (
                    ("none", "translations") if n % 2 else ("translations", "none")
                )
                took: dict[str, tuple[float, SearchResult | None]] = {}
                for group in order:
                    started = time.perf_counter()
                    result = _search(service, dataclasses.replace(request, group=group))
                    took[group] = (time.perf_counter() - started, result)
                answer = took["translations"][1]
                if answer is None or took["none"][1] is None:
                    timeouts += 1  # over the 2 s cap (a loaded machine): the pair is left out
                    continue
                for name, (seconds, _) in took.items():
                    timings[name].append(seconds)
                groups.append(answer.total)
                articles.append(answer.articles or 0)
            plain, grouped = summary_ms(timings["none"]), summary_ms(timings["translations"])
            out[shape] = {
                "none": plain,
                "translations": grouped,
                "ratio": round(grouped["median_ms"] / max(plain["median_ms"], 1e-6), 2),
                "groups": sum(groups),
                "articles": sum(articles),
                "timeouts": timeouts,
            }
        return out
    finally:
        service.close()


def _search(service: SearchService, request: SearchRequest) -> SearchResult | None:
    try:
        return service.search(request)
    except SearchTimeout:
        return None


def run(work: Path, lines: list[QueryLine], *, quick: bool = False) -> dict[str, Any]:
    source = corpus("sisihagen")
    chosen = lines[:QUICK_QUERIES] if quick else lines
    out: dict[str, Any] = {"queries": len(chosen)}
    for engine in ENGINES:
        index = work / f"grouping-{engine}"
        if not index.exists():
            log(f"grouping: indexing sisihagen with {engine}")
            build_index(source, index, engine=engine)
        log(f"grouping: {engine}, {len(chosen)} queries × {len(SHAPES)} shapes")
        out[engine] = measure(index, chosen)
    return out


def report(r: dict[str, Any]) -> list[str]:
    rows = []
    for engine in ENGINES:
        if engine not in r:
            continue
        for shape in SHAPES:
            x = r[engine][shape]
            share = x["groups"] / x["articles"] if x["articles"] else None
            rows.append(
                [
                    engine,
                    shape,
                    x["none"]["median_ms"],
                    x["translations"]["median_ms"],
                    x["ratio"],
                    x["none"]["p95_ms"],
                    x["translations"]["p95_ms"],
                    round(share, 2) if share is not None else None,
                    x.get("timeouts", 0),
                ]
            )
    header = ["engine", "search", "none p50 ms", "grouped p50 ms", "ratio", "none p95 ms",
              "grouped p95 ms", "groups/articles", "pairs over 2 s"]  # fmt: skip
    intro = (
        f"## Translations grouped (sisihagen, {r.get('queries', 0)} queries; "
        "group=none against group=translations, in-process)"
    )
    return [intro, "", *table(header, rows)]
