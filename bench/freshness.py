"""Freshness: from a file written into the archive to the first HTTP search that returns it.

``python -m bench.freshness [--corpus sisihagen | --corpus real] [--generated N] [--rounds 10]
[--engine whoosh ...] [--no-raw] [--keep DIR]``; ``--corpus`` and ``--generated`` may be
given several times (``--corpus real --generated 100000``: both sizes in one run).

For each engine: the corpus is copied to a temporary folder (the shared corpus is
never written), or an archive of N articles is generated there (``bench.generate``,
the scaled archive of the other bench parts), and indexed. With ``--keep DIR`` the
archive and indexes are made in DIR and kept, and a later run with the same DIR
reuses them (a 100,000-article Whoosh build takes many minutes). Then
``archive-search index COPY --watch`` and gunicorn
(``archive_search.cli.gunicorn_command``, one worker) run as real processes. Each
round writes one new article holding a word found nowhere else, and asks
``/api/v1/search`` for that word on a fresh connection every ``POLL_SECONDS`` until
it is found; the figure is the time from the write's return to that answer, beside
the watcher's own time to publish each batch and the median of each step of it
(from its log: ``indexer.build.BuildReport.phases``). Rounds are a few seconds apart,
so each is one batch of its own.

Beside the engines, the floor: raw Tantivy (``bench.peers``, its index of the same
archive built in ``DIR``) in this process, each round parsing the new file, adding it,
committing without waiting for merges, reloading the reader and searching until it
is found; no HTTP, no generation, no facet arrays.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tantivy

from bench.abuse import start_server, stop_server
from bench.archive import REAL, Read, assemble, iter_records
from bench.common import corpus, log, percentile
from bench.generate import generate
from bench.peers import HEAP_BYTES, THREADS, build_tantivy, tantivy_document
from indexer.config import load_config
from indexer.parse import parse_bytes
from search.store import IndexStore

POLL_SECONDS = 0.01
ROUND_GAP_SECONDS = 3.0
TIMEOUT_SECONDS = 120.0
ARTICLE = "---\ntitle: Fresh dispatch {n}\ndate: 2026-12-07\nlang: en\n---\n\n{word} arrived.\n"


def found(port: int, word: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/api/v1/search?q={word}&correct=0")
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status == 200 and int(json.loads(body).get("total", 0)) > 0


Source = Path | int | tuple[str, ...]
"""A corpus to copy, a number of articles to generate, or corpora to put together."""


def prepare_archive(source: Source, work: Path, name: str) -> Path:
    """The archive ``work/<name>-archive``: a copy of ``source``, ``source`` articles
    generated, or the corpora named; made unless there from an earlier run."""
    archive = work / f"{name}-archive"
    if not archive.exists():
        if isinstance(source, int):
            generate(archive, source)
        elif isinstance(source, tuple):
            assemble(work, archive.name, source)
        else:
            shutil.copytree(source, archive)
    return archive


def prepare(engine: str, source: Source, work: Path) -> tuple[Path, Path]:
    """The archive and its index, made in ``work`` unless there from an earlier run."""
    archive, index = prepare_archive(source, work, engine), work / f"{engine}-index"
    if not (index / "CURRENT").exists():
        cli = str(Path(sys.executable).parent / "archive-search")
        started = time.perf_counter()
        subprocess.run(
            [cli, "index", str(archive), "--index", str(index), "--engine", engine, "--quiet"],
            check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        log(f"{engine}: built in {time.perf_counter() - started:.1f} s")
    return archive, index


def measure_engine(engine: str, source: Source, rounds: int, work: Path) -> dict[str, Any]:
    archive, index = prepare(engine, source, work)
    cli = str(Path(sys.executable).parent / "archive-search")
    watch_log = (work / f"{engine}-watch.log").open("wb")
    watcher = subprocess.Popen(
        [cli, "index", str(archive), "--index", str(index), "--watch", "--quiet"],
        stdout=watch_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server, port = start_server(index, 1, [], {})
    seconds: list[float] = []
    try:
        while b"watching" not in (work / f"{engine}-watch.log").read_bytes():
            time.sleep(0.1)
        # A warm-up round, not counted: the watcher's first batch looks at the whole archive
        # (tens of seconds at 100,000 files on a loaded machine) and the server opens the
        # index for the first time.
        for n in range(-1, rounds):
            word = f"freshword{engine}{n}x{os.getpid()}"
            path = archive / "fresh" / str(os.getpid()) / f"dispatch-{n}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(ARTICLE.format(n=n, word=word), encoding="utf-8")
            written = time.perf_counter()
            while not found(port, word):
                if time.perf_counter() - written > TIMEOUT_SECONDS:
                    raise RuntimeError(f"{engine}: {word} not searchable after {TIMEOUT_SECONDS} s")
                time.sleep(POLL_SECONDS)
            took = time.perf_counter() - written
            log(f"{engine}: round {n + 1}/{rounds}: {took * 1000:.0f} ms")
            if n >= 0:
                seconds.append(took)
            time.sleep(ROUND_GAP_SECONDS)
    finally:
        stop_server(server)
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(timeout=120)
        watch_log.close()
    text = (work / f"{engine}-watch.log").read_text()
    return {
        "articles": _articles(index),
        **figures(seconds),
        "publish_ms": publish_ms(text)[-rounds:],
        "steps_median_ms": step_medians(text, rounds),
    }


def figures(seconds: list[float]) -> dict[str, Any]:
    return {
        "rounds": len(seconds),
        "median_ms": round(percentile(seconds, 50) * 1000),
        "p90_ms": round(percentile(seconds, 90) * 1000),
        "min_ms": round(min(seconds) * 1000),
        "max_ms": round(max(seconds) * 1000),
        "each_ms": [round(s * 1000) for s in seconds],
    }


def _articles(index: Path) -> int:
    meta = IndexStore(index).current().meta
    return int(meta.get("articles", 0))


def publish_ms(watch_log: str) -> list[int]:
    """The watcher's own time to publish each batch, from its log lines."""
    times = re.findall(r"published generation \S+ in ([0-9.]+) s", watch_log)
    return [round(float(t) * 1000) for t in times]


def step_medians(watch_log: str, rounds: int) -> dict[str, int]:
    """The median of each step of the last ``rounds`` batches (``[ms: scan 3, copy 20, …]``)."""
    steps: dict[str, list[float]] = {}
    for line in re.findall(r"\[ms: ([^\]]*)\]", watch_log)[-rounds:]:
        for part in line.split(", "):
            name, _, value = part.rpartition(" ")
            steps.setdefault(name, []).append(float(value))
    return {name: round(percentile(values, 50)) for name, values in steps.items()}


def measure_raw(source: Source, rounds: int, work: Path) -> dict[str, Any]:
    """The floor: raw Tantivy's own add, commit (no wait for merges), reload and search."""
    archive = prepare_archive(source, work, "raw")
    index_dir = work / "raw-tantivy-index"
    if not (index_dir / "meta.json").exists():
        started = time.perf_counter()
        build_tantivy(iter_records(archive, Read(), workers=2), index_dir)
        log(f"raw tantivy: built in {time.perf_counter() - started:.1f} s")
    index = tantivy.Index.open(str(index_dir))
    writer = index.writer(HEAP_BYTES, THREADS)
    config = load_config(archive)
    query_parser = index.parse_query
    seconds = []
    try:
        for n in range(-1, rounds):
            word = f"freshwordraw{n}x{os.getpid()}"
            rel = f"fresh/{os.getpid()}/dispatch-{n}.md"
            path = archive / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(ARTICLE.format(n=n, word=word), encoding="utf-8")
            written = time.perf_counter()
            article = parse_bytes(rel, path.read_bytes(), config).article
            assert article is not None
            writer.add_document(tantivy_document(article))
            writer.commit()
            index.reload()
            query = query_parser(word, ["title", "body"])
            while not index.searcher().search(query, 10).hits:
                time.sleep(POLL_SECONDS / 10)
                index.reload()
            if n >= 0:
                seconds.append(time.perf_counter() - written)
            time.sleep(ROUND_GAP_SECONDS)
    finally:
        writer.wait_merging_threads()
    return {"articles": index.searcher().num_docs, **figures(seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", action="append", help="a corpus, or 'real': the three real corpora"
    )
    parser.add_argument(
        "--generated", type=int, action="append", help="a generated archive of N articles"
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--engine", action="append", choices=("whoosh", "tantivy"))
    parser.add_argument("--no-raw", action="store_true", help="leave raw Tantivy's floor out")
    parser.add_argument("--keep", type=Path, help="make (or reuse) archives and indexes here")
    args = parser.parse_args(argv)
    sources: dict[str, Source] = {
        name: REAL if name == "real" else corpus(name) for name in args.corpus or []
    }
    sources |= {f"generated-{n}": n for n in args.generated or []}
    results: dict[str, Any] = {"load_average_start": os.getloadavg()[0]}
    with contextlib.ExitStack() as stack:
        top: Path = args.keep or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="freshness-"))
        )
        for name, source in (sources or {"sisihagen": corpus("sisihagen")}).items():
            work = top / name if len(sources) > 1 else top
            work.mkdir(parents=True, exist_ok=True)
            found: dict[str, Any] = {}
            results[name] = found
            for engine in args.engine or ["whoosh", "tantivy"]:
                found[engine] = measure_engine(engine, source, args.rounds, work)
            if not args.no_raw:
                found["raw_tantivy"] = measure_raw(source, args.rounds, work)
            found["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
