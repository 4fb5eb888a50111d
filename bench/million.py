"""A million generated articles on the Tantivy engine, beside raw Tantivy (part ``million``).

``python -m bench --only million [--million N] [--million-dir DIR]``. The archive
is made by ``bench.generate`` (the scaled part's generator: same seed, same
distribution), then both engines are built at once, each in a child process
(build rate, index size, peak memory of its process tree; raw Tantivy's articles
parsed by the same worker pool as ours), without the engine-only second pass (it
would parse a million files again), queried in-process in the three modes of
``bench.compare`` (median and p99 of top-10, facets, snippets), and our index is
served by gunicorn and loaded through ``wrk`` (``bench.load``).

Before anything is written the disk and memory are checked: when they cannot
hold N articles, the largest size they hold is run instead and the reason is
recorded. With ``--million-dir`` the archive, the indexes and each build's
figures are kept there, and a later run reuses them (the generator's output
depends only on N and the seed), so the query and HTTP figures can be taken
again without an hour of building.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import compare, generate, load
from bench.builds import OURS, build_in_child
from bench.common import MB, QueryLine, log
from search.errors import SearchError
from search.registry import check_meta
from search.store import IndexStore

ARTICLES = 1_000_000
ENGINES = ("tantivy", "raw-tantivy")
DISK_PER_ARTICLE = 14_000
"""Bytes of disk per article: the files (~3 KB of text, in 4 KB blocks and folders), our index
(~4.5 KB) and raw Tantivy's (~3.2 KB), measured at 100,000 articles, with room to spare."""
MEMORY_PER_ARTICLE = 2_500
"""Bytes of memory per article of the largest process (our build, ~1.2 GB at 100,000 with the
parser's workers; the searcher's tables after it), with room to spare."""
RESERVE = 2 * 1024**3
"""Disk and memory left to the others sharing the machine."""
BUDGET_S = 30.0
HTTP_SECONDS = 20.0
HTTP_WARMUP_S = 20.0
"""Each gunicorn worker opens the index on its first search: long at a million articles."""


def available_memory() -> int:
    with open("/proc/meminfo", encoding="ascii") as info:
        for line in info:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def fitting(wanted: int, folder: Path, done: bool) -> tuple[int, str]:
    """The articles this machine holds (``wanted`` or fewer) and, when fewer, why."""
    folder.mkdir(parents=True, exist_ok=True)
    disk = shutil.disk_usage(folder).free - RESERVE
    memory = available_memory() - RESERVE
    holds = min(disk // DISK_PER_ARTICLE, memory // MEMORY_PER_ARTICLE)
    if done or holds >= wanted:
        return wanted, ""
    reason = (
        f"{wanted:,} articles need ~{wanted * DISK_PER_ARTICLE / 1024**3:.0f} GB of disk and "
        f"~{wanted * MEMORY_PER_ARTICLE / 1024**3:.1f} GB of memory; {folder} has "
        f"{disk / 1024**3:.1f} GB free and {memory / 1024**3:.1f} GB of memory is available "
        f"(each less {RESERVE / 1024**3:.0f} GB left to the others)"
    )
    return max(0, int(holds) // 1000 * 1000), reason


def readable(engine: str, index_dir: Path) -> bool:
    """Whether the kept index is one this code reads: our engine's generation is of the
    current format (a raw Tantivy index has no format of ours)."""
    if engine not in OURS:
        return index_dir.is_dir()
    try:
        check_meta(IndexStore(index_dir).current())
    except SearchError as exc:
        log(f"million: the kept {engine} index is not read by this code ({exc}); rebuilding")
        return False
    return True


def cached_build(engine: str, source: Path, index_dir: Path) -> dict[str, Any]:
    """The build's figures, from an earlier run in the same folder when there was one and
    its index is still readable (an index of an older format is built again)."""
    saved = index_dir.with_name(f"build-{engine}.json")
    if saved.is_file() and readable(engine, index_dir):
        log(f"million: {engine} built by an earlier run, figures from {saved}")
        figures: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
        figures["reused"] = True
        return figures
    shutil.rmtree(index_dir, ignore_errors=True)
    log(f"million: building {engine} on {source}")
    figures = build_in_child(engine, source, index_dir, second_pass=False)
    saved.write_text(json.dumps(figures), encoding="utf-8")
    return figures


def run(work: Path, lines: list[QueryLine], articles: int = ARTICLES) -> dict[str, Any]:
    source = work / f"archive-{articles}"
    done = (source / "generated.json").is_file()
    count, reason = fitting(articles, work, done)
    if count == 0:
        return {"articles": 0, "not_run": reason}
    if count != articles:
        log(f"million: {reason}; running {count:,} articles instead")
        source = work / f"archive-{count}"
        done = (source / "generated.json").is_file()
    if done:
        made = json.loads((source / "generated.json").read_text(encoding="utf-8"))
    else:
        shutil.rmtree(source, ignore_errors=True)
        log(f"million: generating {count:,} articles into {source}")
        made = generate.generate(source, count)
        (source / "generated.json").write_text(json.dumps(made), encoding="utf-8")
    indexes = {engine: work / f"index-{count}-{engine}" for engine in ENGINES}
    # side by side: on a shared machine each build's share of the cores is what it is either
    # way, and one after the other would take twice as long
    with ThreadPoolExecutor(len(ENGINES)) as pool:
        built = pool.map(cached_build, ENGINES, [source] * len(ENGINES), indexes.values())
        builds = dict(zip(ENGINES, built, strict=True))
    results: dict[str, Any] = {}
    for engine, index_dir in indexes.items():
        log(f"million: {engine}: {builds[engine]['articles_per_s']} articles/s; timing queries")
        results[engine] = {
            "index_dir": str(index_dir),
            "build": builds[engine],
            "latency": compare.latency(engine, index_dir, lines, BUDGET_S),
        }
    log("million: HTTP through gunicorn")
    http = load.run(
        work / f"index-{count}-tantivy", lines, work, seconds=HTTP_SECONDS, warmup=HTTP_WARMUP_S
    )
    return {
        "archive": source.name,
        "articles": count,
        "wanted": articles,
        "reason": reason,
        "generated": made,
        "source_mb_on_disk": round(_du(source) / MB, 1),
        "engines": results,
        "ratios": compare.ratios(results),
        "queries": len(lines),
        "http": http,
    }


def _du(path: Path) -> int:
    """Bytes the files take on disk (whole blocks), as ``du`` counts them."""
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())
