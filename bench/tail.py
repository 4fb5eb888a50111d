"""The tail of faceted searches with snippets, as the code ran before its tail work and now.

``python -m bench.tail ENGINE=INDEX_DIR ...`` prints the figures as JSON; the
``scaled`` and ``million`` parts run it on their indexes. In one process, over the
committed query lines in the ``snippets`` mode (facets counted, ten snippets):

- *before*: the garbage collector as Python leaves it (the engine's long-lived
  objects walked by every full pass) and every body scanned whole for snippets;
- *after*: the heap settled as ``SearchService`` now does when it opens a
  generation (``search.service.settle_heap``) and bodies scanned up to
  ``search.engine_base.SNIPPET_SCAN_CHARS``.

Each pass reports wall time and this thread's CPU time per search (median, p99),
and the collector's full passes with the longest one. On a shared machine the
wall-time tail is mostly waiting for a core; CPU time is what a search costs.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any

from bench.common import QUERIES, QueryLine, log, read_query_lines
from bench.compare import WARMUP_BUDGET_S, Ours, time_mode
from search import engine_base
from search.service import settle_heap

BUDGET_S = 60.0


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
