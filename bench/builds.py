"""Index builds, each in its own child process so its peak memory can be measured.

``python -m bench.builds ENGINE SOURCE INDEX_DIR`` builds one index and
prints its figures as JSON; :func:`build_in_child` runs that and adds the
child's peak resident memory, then (same child, after the peak is read) the
engine-only rate: the same articles parsed first, untimed, and only the
engine's writing timed. The child reports its peak itself: ``VmHWM`` of
``/proc/self/status`` (its own high-water mark since ``exec``), or the
``ru_maxrss`` of its own children (Whoosh's indexing processes) when larger.
Not the parent's ``getrusage(RUSAGE_CHILDREN)``: Python starts children with
``vfork``, so their ``ru_maxrss`` starts at the parent's own peak, and it
keeps the largest child so far. Every engine's time includes discovering and
parsing the files; the engine-only figure leaves parsing out for every engine.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.archive import load_records
from bench.common import MB, ROOT, dir_size
from bench.peers import build_peer
from indexer.build import build_index
from indexer.parse_pool import worker_count
from search.engines import open_writer
from search.records import Article
from search.store import IndexStore

OURS = ("whoosh", "tantivy")
PEERS = ("raw-tantivy", "fts5")
ENGINES = (*OURS, *PEERS)


def build(engine: str, source: Path, index_dir: Path) -> dict[str, Any]:
    """One full build in this process: articles, files, bytes read, seconds."""
    started = time.perf_counter()
    if engine in OURS:
        report = build_index(source, index_dir, rebuild=True, engine=engine)
        articles, files, size = report.articles, report.files, report.bytes_read
        problems = len(report.problems)
    else:
        records, files, size = load_records(source)
        build_peer(engine, records, index_dir)
        articles, problems = len(records), 0
    return {
        "articles": articles,
        "files": files,
        "bytes_read": size,
        "problems": problems,
        "seconds": round(time.perf_counter() - started, 2),
    }


def build_from_records(
    engine: str, records: list[Article], index_dir: Path, size: int = 0
) -> float:
    """Seconds to write already parsed ``records`` (from files of ``size`` bytes) into a new
    index: the engine's own cost, with the processes a full build may use."""
    started = time.perf_counter()
    if engine in OURS:
        index_dir.mkdir(parents=True)
        writer = open_writer(
            engine, index_dir, expected=len(records), expected_bytes=size, processes=worker_count()
        )
        writer.add(records)
        writer.commit()
    else:
        build_peer(engine, records, index_dir)
    return time.perf_counter() - started


def engine_only(engine: str, source: Path, index_dir: Path) -> dict[str, Any]:
    records, _files, size = load_records(source)
    seconds = max(build_from_records(engine, records, index_dir, size), 1e-9)
    shutil.rmtree(index_dir, ignore_errors=True)
    return {
        "engine_seconds": round(seconds, 2),
        "engine_articles_per_s": round(len(records) / seconds, 1),
    }


def index_size(engine: str, index_dir: Path) -> int:
    """Bytes on disk of the served index (our engines keep generations; count the current one)."""
    if engine in OURS:
        return dir_size(IndexStore(index_dir).current().path)
    return dir_size(index_dir)


def build_in_child(engine: str, source: Path, index_dir: Path) -> dict[str, Any]:
    """Build in a child process; its figures plus throughput, index size and peak RSS."""
    command = [sys.executable, "-m", "bench.builds", engine, str(source), str(index_dir)]
    proc = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"building {engine} failed with status {proc.returncode}")
    figures: dict[str, Any] = json.loads(proc.stdout)
    seconds = max(figures["seconds"], 1e-9)
    figures.update(
        articles_per_s=round(figures["articles"] / seconds, 1),
        mb_per_s=round(figures["bytes_read"] / MB / seconds, 3),
        source_mb=round(figures["bytes_read"] / MB, 1),
        index_mb=round(index_size(engine, index_dir) / MB, 1),
    )
    return figures


def peak_rss_kb() -> int:
    """This process's peak RSS since exec, or its largest child's (kilobytes, Linux)."""
    own = 0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                own = int(line.split()[1])
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main(argv: list[str]) -> int:
    engine, source, index_dir = argv
    figures = build(engine, Path(source), Path(index_dir))
    figures["peak_rss_mb"] = round(peak_rss_kb() / 1024, 1)
    figures.update(engine_only(engine, Path(source), Path(index_dir + "-from-records")))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
