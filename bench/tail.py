"""The tail of faceted searches with snippets, as the code ran before its tail work and now.

``python -m bench --only tail [--scaled N] [--kept-dir DIR] [--engines E]`` (the part: our
two engines, or those named, and raw Tantivy on N generated articles, indexes kept by
``bench.kept``), or
``python -m bench.tail ENGINE=INDEX_DIR ...`` (figures as JSON). In one process, over
the committed query lines in the ``snippets`` mode (facets counted, ten snippets):

- *before*: the garbage collector as Python leaves it (the engine's long-lived
  objects walked by every full pass) and every body scanned whole for snippets;
- *after*: the heap settled as ``SearchService`` now does when it opens a
  generation (``search.service.settle_heap``) and bodies scanned up to
  ``search.engine_base.SNIPPET_SCAN_CHARS``.

Each pass reports wall time and this thread's CPU time per search (median, p99),
and the collector's full passes with the longest one. On a shared machine the
wall-time tail is mostly waiting for a core; CPU time is what a search costs. Raw
Tantivy (``bench.peers``) does the same work in the same mode, after the same warm-up.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any

from bench import kept as kept_files
from bench.common import QUERIES, QueryLine, log, read_query_lines
from bench.compare import WARMUP_BUDGET_S, Ours, time_mode
from bench.peers import RawTantivy
from bench.report import table
from search import engine_base
from search.service import settle_heap

BUDGET_S = 60.0
ENGINES = ("whoosh", "tantivy")


def run(engine: str, index_dir: Path, lines: list[QueryLine]) -> dict[str, Any]:
    ours = Ours(index_dir)
    scan = engine_base.SNIPPET_SCAN_CHARS
    try:
        ours.service.engine()
        log(f"tail {engine}: before (collector as Python leaves it, bodies scanned whole)")
        gc.unfreeze()
        engine_base.SNIPPET_SCAN_CHARS = None
        time_mode(ours, "snippets", lines, WARMUP_BUDGET_S)
        before = time_mode(ours, "snippets", lines, BUDGET_S)
        log(f"tail {engine}: after (heap settled, bodies scanned to {scan:,} characters)")
        engine_base.SNIPPET_SCAN_CHARS = scan
        settle_heap()
        after = time_mode(ours, "snippets", lines, BUDGET_S)
    finally:
        engine_base.SNIPPET_SCAN_CHARS = scan
        ours.close()
    return {"before": before, "after": after, "scan_chars": scan}


def raw(index_dir: Path, lines: list[QueryLine]) -> dict[str, Any]:
    peer = RawTantivy(index_dir)
    try:
        log("tail raw tantivy")
        time_mode(peer, "snippets", lines, WARMUP_BUDGET_S)
        return time_mode(peer, "snippets", lines, BUDGET_S)
    finally:
        peer.close()


def run_part(
    kept: Path, size: kept_files.Size, lines: list[QueryLine], engines: tuple[str, ...] | None
) -> dict[str, Any]:
    """The ``tail`` part: our engines (both, or those of ``engines``), before and after,
    and raw Tantivy on ``size``."""
    found: dict[str, Any] = {"articles": size, "queries": len(lines)}
    for engine in ENGINES:
        if engines is None or engine in engines:
            found[engine] = run(engine, kept_files.index(kept, size, engine), lines)
    found["raw_tantivy"] = raw(kept_files.index(kept, size, kept_files.RAW), lines)
    return found


def report(r: dict[str, Any]) -> list[str]:
    lines = [
        f"## Tail: faceted searches with snippets at {r['articles']:,} articles, in process "
        "(`--only tail`)",
        "",
        f"{r['queries']} queries (`bench/queries/mixed.txt`), facets counted and ten snippets; "
        "wall time and this thread's CPU time per search in ms. *Before*: the collector as "
        "Python leaves it and bodies scanned whole; *after*: as the service runs now.",
        "",
    ]
    passes = [(f"{name}, {when}", r[key][when])
              for key, name in (("whoosh", "ours, Whoosh"), ("tantivy", "ours, Tantivy"))
              if key in r for when in ("before", "after")]  # fmt: skip
    passes.append(("raw Tantivy", r["raw_tantivy"]))
    fields = ("median_ms", "p99_ms", "cpu_median_ms", "cpu_p99_ms", "gc_full_passes",
              "gc_full_ms_max", "n")  # fmt: skip
    rows = [[label, *(f[field] for field in fields)] for label, f in passes]
    head = ["engine", "p50 ms", "p99 ms", "CPU p50 ms", "CPU p99 ms", "full GC passes",
            "longest GC ms", "searches"]  # fmt: skip
    return lines + table(head, rows)


def main(argv: list[str]) -> int:
    lines = read_query_lines(QUERIES / "mixed.txt")
    found = {}
    for item in argv:
        engine, _, index = item.partition("=")
        found[engine] = run(engine, Path(index), lines)
    print(json.dumps(found, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
