"""Index builds, each in its own child process so its peak memory can be measured.

``python -m bench.builds ENGINE SOURCE INDEX_DIR`` builds one index and
prints its figures as JSON; :func:`build_in_child` runs that and adds the
child's peak resident memory, then (same child, after the peak is read) the
engine-only rate: the same articles parsed first, untimed, and only the
engine's writing timed. The child reports the peak itself (``TreeMemory``):
the largest sum of the resident memory of itself and every process below it
(parser workers, the second Whoosh writer), sampled during the build. Not the
parent's ``getrusage(RUSAGE_CHILDREN)``: Python starts children with
``vfork``, so their ``ru_maxrss`` starts at the parent's own peak, it keeps the
largest child only, and processes started from a forkserver are not counted.
Every engine's time includes discovering and parsing the files; the
engine-only figure leaves parsing out for every engine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from archive_search.settings import split_urls
from bench.archive import Read, iter_records, load_records
from bench.common import MB, ROOT, dir_size, log
from bench.peers import build_peer
from indexer.build import build_index
from indexer.parse_pool import worker_count
from search.article import Article
from search.registry import open_writer
from search.store import IndexStore

OURS = ("whoosh", "tantivy", "postgres")
"""Our engines; the postgres engine needs ``ARCHIVE_SEARCH_DATABASE_URL`` (``bench.postgres``)."""
PEERS = ("raw-tantivy", "fts5")
ENGINES = (*OURS, *PEERS)


def _database(engine: str) -> None:
    """The database named in the environment (``bench.postgres``), for the postgres engine."""
    if engine == "postgres":
        from search.postgres_engine import database

        database.use(split_urls(os.environ.get("ARCHIVE_SEARCH_DATABASE_URL", "")))


def build(engine: str, source: Path, index_dir: Path, *, pool: bool = False) -> dict[str, Any]:
    """One full build in this process: articles, files, bytes read, seconds. A peer parses
    in this process, or with ``pool`` in the parser's worker processes, as ours do."""
    _database(engine)
    started = time.perf_counter()
    if engine in OURS:
        progress = Progress(f"build {engine}")
        report = build_index(source, index_dir, rebuild=True, engine=engine, progress=progress)
        articles, files, size = report.articles, report.files, report.bytes_read
        problems = len(report.problems)
    else:
        read = Read()
        workers = worker_count() if pool else 1
        build_peer(engine, iter_records(source, read, workers), index_dir)
        articles, files, size, problems = read.articles, read.files, read.bytes, 0
    return {
        "articles": articles,
        "files": files,
        "bytes_read": size,
        "problems": problems,
        "seconds": round(time.perf_counter() - started, 2),
    }


class Progress:
    """A log line every ``every`` seconds: a million-article build takes the better part of
    an hour, and the bench's output is rarely a terminal."""

    def __init__(self, what: str, every: float = 30.0) -> None:
        self.what, self.every = what, every
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every or done == total:
            self.last = now
            log(f"{self.what}: {done:,} of {total:,} articles")


def build_from_records(
    engine: str, records: list[Article], index_dir: Path, size: int = 0
) -> float:
    """Seconds to write already parsed ``records`` (from files of ``size`` bytes) into a new
    index: the engine's own cost, with the processes a full build may use."""
    _database(engine)
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
    if engine == "postgres":
        from search.postgres_engine.schema import generation_bytes

        _database(engine)
        return generation_bytes(IndexStore(index_dir).current().name)
    if engine in OURS:
        return dir_size(IndexStore(index_dir).current().path)
    return dir_size(index_dir)


def build_in_child(
    engine: str, source: Path, index_dir: Path, *, second_pass: bool = True
) -> dict[str, Any]:
    """Build in a child process; its figures plus throughput, index size and peak RSS
    (and, with ``second_pass``, the engine-only rate)."""
    command = [sys.executable, "-m", "bench.builds", engine, str(source), str(index_dir)]
    command += [] if second_pass else ["--build-only"]
    proc = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"building {engine} failed with status {proc.returncode}")
    return derived(engine, index_dir, json.loads(proc.stdout))


def derived(engine: str, index_dir: Path, figures: dict[str, Any]) -> dict[str, Any]:
    """The child's figures with throughput, source and index size added."""
    seconds = max(figures["seconds"], 1e-9)
    figures.update(
        articles_per_s=round(figures["articles"] / seconds, 1),
        mb_per_s=round(figures["bytes_read"] / MB / seconds, 3),
        source_mb=round(figures["bytes_read"] / MB, 1),
        index_mb=round(index_size(engine, index_dir) / MB, 1),
    )
    return figures


def _status_kb(pid: str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):  # the process ended meanwhile
        pass
    return 0


def _descendants(root: int) -> list[str]:
    """The processes below ``root`` (the parser's workers, the forkserver and its children)."""
    parents: dict[str, str] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                    parents[entry.name] = stat.read().rsplit(")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
    found: list[str] = []
    frontier = {str(root)}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found += frontier
    return found


class TreeMemory:
    """The peak of the summed resident memory of this process and every process below it,
    sampled ten times a second (Linux). A process's own peak (``VmHWM``) misses the
    others, and ``RUSAGE_CHILDREN`` misses processes run from a forkserver, which
    are not waited for by this process, and keeps only the largest one anyway."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, _status_kb("self", "VmHWM:"))

    def _sample(self) -> None:
        own = os.getpid()
        while not self._stop.wait(0.1):
            pids = [str(own), *_descendants(own)]
            self.peak_kb = max(self.peak_kb, sum(_status_kb(pid, "VmRSS:") for pid in pids))


def main(argv: list[str]) -> int:
    """``ENGINE SOURCE INDEX_DIR [--build-only]``: without the engine-only rate, which
    parses the whole archive a second time (too long for a million articles), and with
    a peer's articles parsed by the worker pool, as ours are."""
    engine, source, index_dir, *rest = argv
    with TreeMemory() as memory:
        figures = build(engine, Path(source), Path(index_dir), pool="--build-only" in rest)
    figures["peak_rss_mb"] = round(memory.peak_kb / 1024, 1)
    if "--build-only" not in rest:
        figures.update(engine_only(engine, Path(source), Path(index_dir + "-from-records")))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
