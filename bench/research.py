"""What the research tools cost on an index, per engine: a search with its timeline beside
the same search without, a trend of three series, and a concordance page.

Each is timed in-process through ``SearchService`` (as a web worker runs it), after
one warm-up call, over a few queries of the real archive's languages; the report
says whether the slowest stays within the search time cap. ``python -m
bench.research INDEX [INDEX…]`` runs it alone on indexes built already.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import log, summary_ms
from search import limits
from search.kwic import KwicOptions
from search.request import build_request
from search.service import SearchService

QUERIES = ("krieg", "war", '"human rights"', "russ*", "oil OR gas", "karabakh")
TRENDS = (("war", "peace", "krieg"), ("oil", "gas", "russia"), ('"human rights"', "nato", "putin"))
REPEATS = 5


def _timed(call: Callable[[], object], repeats: int) -> list[float]:
    call()  # warm-up: caches of the generation, analysers
    spent = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return spent


def measure(index: Path, repeats: int = REPEATS) -> dict[str, Any]:
    service = SearchService(index)
    try:
        engine = service.engine()
        plain: list[float] = []
        timeline: list[float] = []
        kwic: list[float] = []
        trend: list[float] = []
        for q in QUERIES:
            base = build_request({"q": [q], "facets": ["0"], "snippets": ["0"]})
            with_histogram = dataclasses.replace(base, histogram="auto")
            request = build_request({"q": [q]})
            plain += _timed(functools.partial(service.search, base), repeats)
            timeline += _timed(functools.partial(service.search, with_histogram), repeats)
            kwic += _timed(functools.partial(engine.concordance, request, KwicOptions()), repeats)
        everything = build_request({})
        for series in TRENDS:
            trend += _timed(functools.partial(engine.trends, series, everything, "auto"), repeats)
        info = service.info()
        results = {
            "articles": info.articles,
            "search": summary_ms(plain),
            "search_histogram": summary_ms(timeline),
            "trend_3_series": summary_ms(trend),
            "kwic_page": summary_ms(kwic),
        }
        slowest = max(max(timeline), max(trend), max(kwic))
        results["slowest_ms"] = round(slowest * 1000, 1)
        results["within_cap"] = slowest < limits.SEARCH_TIME_LIMIT
        return results
    finally:
        service.close()


def run(indexes: dict[str, Path], quick: bool = False) -> dict[str, Any]:
    out = {}
    for engine, index in indexes.items():
        log(f"research: timing histogram, trends and concordance on {engine}")
        out[engine] = measure(index, repeats=2 if quick else REPEATS)
    return {"engines": out, "cap_ms": limits.SEARCH_TIME_LIMIT * 1000}


def report(r: dict[str, Any]) -> list[str]:
    from bench.report import table

    rows = []
    for engine, m in r["engines"].items():
        rows.append(
            [
                engine,
                m["articles"],
                m["search"]["median_ms"],
                m["search_histogram"]["median_ms"],
                m["trend_3_series"]["median_ms"],
                m["trend_3_series"]["p95_ms"],
                m["kwic_page"]["median_ms"],
                m["kwic_page"]["p95_ms"],
                "yes" if m["within_cap"] else f"no ({m['slowest_ms']} ms)",
            ]
        )
    header = [
        "engine", "articles", "search ms", "+ timeline ms", "trend of 3 ms", "p95",
        "concordance ms", "p95", f"within {r['cap_ms']:g} ms cap",
    ]  # fmt: skip
    intro = (
        "## Research tools\n\nMedians over six queries (five runs each, after a warm-up) "
        "in one process: a search without facets and snippets, the same with its timeline, "
        "a trend of three series over the whole archive, and a concordance (every line up to "
        "the 2,000 cap, sorted)."
    )
    return [intro, "", *table(header, rows)]


def main(argv: list[str]) -> int:
    results = run({Path(p).name: Path(p) for p in argv})
    print("\n".join(report(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
