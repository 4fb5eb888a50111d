"""Our two engines and the two peers side by side: same articles, same queries, same run.

For one archive: each engine's full build in a child process (throughput,
size on disk, peak memory), then in-process latency of each mode over the
same query lines, then the incremental update of 1 and of 100 changed
articles for our engines. Ratios to raw Tantivy are the headline: absolute
times drift on a shared machine, ratios measured in the same run much less.
"""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.builds import OURS, build_in_child
from bench.common import QueryLine, log, summary_ms
from bench.peers import MODES, Peer, open_peer
from indexer.build import build_index
from indexer.config import load_config
from indexer.discover import discover
from search.errors import SearchError
from search.request import build_request
from search.service import SearchService
from search.types import SearchRequest

BASELINE = "raw-tantivy"
WARMUP_BUDGET_S = 15.0
UPDATE_SIZES = (1, 100)


class Ours:
    """``SearchService`` behind the peers' interface: facets and snippets switched per mode."""

    def __init__(self, index_dir: Path) -> None:
        self.service = SearchService(index_dir)
        self.requests: dict[QueryLine, SearchRequest] = {}

    def search(self, line: QueryLine, mode: str) -> int:
        if line not in self.requests:
            self.requests[line] = build_request(line.params())
        request = replace(self.requests[line], facets=mode != "top10", snippets=mode == "snippets")
        return self.service.search(request).total

    def close(self) -> None:
        self.service.close()


def open_engine(engine: str, index_dir: Path) -> Peer:
    return Ours(index_dir) if engine in OURS else open_peer(engine, index_dir)


def time_mode(peer: Peer, mode: str, lines: list[QueryLine], budget: float) -> dict[str, Any]:
    """One pass over the query lines (or as many as ``budget`` seconds allow): wall time,
    and CPU time of this thread (what a query costs, without the waits for a core that
    make most of the tail on a shared machine), and the collector's pauses inside it."""
    durations: list[float] = []
    cpu: list[float] = []
    totals: list[int] = []
    errors = 0
    deadline = time.perf_counter() + budget
    with GcPauses() as pauses:
        for line in lines:
            if time.perf_counter() > deadline:
                break
            started, used = time.perf_counter(), time.thread_time()
            try:
                totals.append(peer.search(line, mode))
            except (SearchError, ValueError):
                errors += 1
                continue
            durations.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - used)
    cpu_ms = summary_ms(cpu)
    return {
        **summary_ms(durations),
        "cpu_median_ms": cpu_ms["median_ms"],
        "cpu_p99_ms": cpu_ms["p99_ms"],
        **pauses.figures(),
        "errors": errors,
        "zero_hit_queries": totals.count(0),
        "hits_total": sum(totals),
    }


class GcPauses:
    """The garbage collector's full (oldest generation) passes while the block runs."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def figures(self) -> dict[str, float | int]:
        return {
            "gc_full_passes": len(self.pauses),
            "gc_full_ms_max": round(max(self.pauses, default=0.0) * 1000, 2),
        }


def latency(engine: str, index_dir: Path, lines: list[QueryLine], budget: float) -> dict[str, Any]:
    peer = open_engine(engine, index_dir)
    try:
        time_mode(peer, "snippets", lines, WARMUP_BUDGET_S)  # caches, lazy loads, page cache
        return {mode: time_mode(peer, mode, lines, budget) for mode in MODES}
    finally:
        peer.close()


def touch(paths: list[Path], round_no: int) -> None:
    """Change each article's body, as an author correcting a sentence would."""
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        path.write_text(text + f"\nA sentence added by update benchmark {round_no}.\n", "utf-8")


def pick_articles(source: Path, count: int, offset: int) -> list[Path]:
    """``count`` files spread evenly over the archive (deterministic)."""
    found = sorted(discover(source, load_config(source)).candidates, key=lambda c: c.relpath)
    step = max(1, len(found) // count)
    return [found[(offset + i * step) % len(found)].path for i in range(count)]


def updates(source: Path, index_dir: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for round_no, size in enumerate(UPDATE_SIZES, 1):
        touch(pick_articles(source, size, round_no), round_no)
        report = build_index(source, index_dir)
        figures[f"changed_{size}"] = {
            "seconds": report.seconds,
            "updated": report.updated,
            "files": report.files,
        }
    return figures


def ratios(results: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Each engine's build time per article and mode medians over raw Tantivy's (> 1 is slower)."""
    base = results.get(BASELINE)
    out: dict[str, dict[str, float | None]] = {}
    if not base:
        return out
    for engine, r in results.items():
        b, rb = base["build"], r["build"]
        row: dict[str, float | None] = {
            "index": _ratio(b["articles_per_s"], rb["articles_per_s"]),
            "engine_index": _ratio(
                b.get("engine_articles_per_s", 0.0), rb.get("engine_articles_per_s", 0.0)
            ),
        }
        for mode in MODES:
            row[mode] = _ratio(r["latency"][mode]["median_ms"], base["latency"][mode]["median_ms"])
        out[engine] = row
    return out


def _ratio(value: float, base: float) -> float | None:
    return round(value / base, 2) if base and value == value and base == base else None


def run(
    source: Path,
    work: Path,
    engines: tuple[str, ...],
    lines: list[QueryLine],
    *,
    budget: float,
    with_updates: bool = True,
) -> dict[str, Any]:
    """Build, time and (our engines) update each engine on ``source``; indexes under ``work``."""
    results: dict[str, Any] = {}
    for engine in engines:
        index_dir = work / f"index-{source.name}-{engine}"
        log(f"compare {source.name}: building {engine}")
        build = build_in_child(engine, source, index_dir)
        log(f"compare {source.name}: {engine} built in {build['seconds']} s; timing queries")
        results[engine] = {
            "index_dir": str(index_dir),
            "build": build,
            "latency": latency(engine, index_dir, lines, budget),
        }
        # Right after this engine's build, so the next engine's build already holds the changes.
        if with_updates and engine in OURS:
            log(f"compare {source.name}: incremental updates with {engine}")
            results[engine]["updates"] = updates(source, index_dir)
    return {
        "archive": source.name,
        "engines": results,
        "ratios": ratios(results),
        "queries": len(lines),
    }
