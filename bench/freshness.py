"""Freshness: from a file written into the archive to the first HTTP search that returns it.

``python -m bench --only freshness [--scaled N] [--kept-dir DIR]`` (the part: the three
real corpora and N generated articles, both engines and raw Tantivy), or
``python -m bench.freshness [--corpus real | --corpus sisihagen] [--generated N]
[--rounds 10] [--engine whoosh ...] [--no-raw] [--keep DIR]`` (sizes given one by one).

The archives and indexes are those ``bench.kept`` keeps (made unless an earlier run
with the same folder made them); each engine works on a hard-linked copy of its index,
so the kept one stays as built. For each size and engine,
``archive-search index ARCHIVE --watch`` and gunicorn
(``archive_search.cli.gunicorn_command``, one worker) run as real processes. Each
round writes one new article holding a word found nowhere else (under ``fresh/``,
removed afterwards), and asks ``/api/v1/search`` for that word on a fresh connection
every ``POLL_SECONDS`` until it is found; the figure is the time from the write's
return to that answer, beside the watcher's own time to publish each batch and the
median of each step of it (from its log: ``indexer.build.BuildReport.phases``).
Rounds are a few seconds apart, so each is one batch of its own.

Beside the engines, the floor: raw Tantivy (``bench.peers``, its index of the same
archive) in this process, each round parsing the new file, adding it, committing
without waiting for merges, reloading the reader and searching until it is found; no
HTTP, no generation, no facet arrays.
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

from bench import kept as kept_files
from bench.abuse import start_server, stop_server
from bench.common import log, percentile
from bench.peers import HEAP_BYTES, THREADS, tantivy_document
from bench.report import table
from indexer.config import load_config
from indexer.parse import parse_bytes
from search.store import IndexStore

POLL_SECONDS = 0.01
ROUND_GAP_SECONDS = 3.0
TIMEOUT_SECONDS = 120.0
ENGINES = ("whoosh", "tantivy")
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


def measure_engine(
    engine: str, archive: Path, index: Path, rounds: int, work: Path
) -> dict[str, Any]:
    """Rounds of one new article written into ``archive`` (under ``fresh/``), published by a
    watcher into ``index`` and searched for through gunicorn; logs in ``work``."""
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


def measure_raw(archive: Path, index_dir: Path, rounds: int) -> dict[str, Any]:
    """The floor: raw Tantivy's own add, commit (no wait for merges), reload and search."""
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


def run(
    kept: Path,
    sizes: list[kept_files.Size],
    rounds: int,
    engines: tuple[str, ...] = ENGINES,
    raw: bool = True,
) -> dict[str, Any]:
    """Each size's rounds on each engine and on raw Tantivy, on hard-linked copies of the
    indexes kept in ``kept`` (``bench.kept``: made there unless an earlier run made them)."""
    results: dict[str, Any] = {"rounds": rounds, "load_average_start": os.getloadavg()[0]}
    by_size: dict[str, Any] = {}
    for size in sizes:
        archive = kept_files.archive(kept, size)
        found: dict[str, Any] = {}
        by_size[str(size)] = found
        work = kept / f"work-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            for engine in (*engines, *((kept_files.RAW,) if raw else ())):
                copy = kept_files.linked_copy(
                    kept_files.index(kept, size, engine), work / f"index-{engine}"
                )
                log(f"freshness: {size} articles, {engine}")
                if engine == kept_files.RAW:
                    found["raw_tantivy"] = measure_raw(archive, copy, rounds)
                else:
                    found[engine] = measure_engine(engine, archive, copy, rounds, work)
                shutil.rmtree(archive / "fresh", ignore_errors=True)
        finally:
            shutil.rmtree(archive / "fresh", ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)
        found["load_average_end"] = os.getloadavg()[0]
    results["sizes"] = by_size
    return results


def report(r: dict[str, Any]) -> list[str]:
    """The freshness table: write → searchable per size and engine, raw Tantivy beside."""
    lines = [
        "## Freshness: file write → first HTTP search that returns it (`--only freshness`)",
        "",
        f"`archive-search index PATH --watch` beside gunicorn (one worker), {r['rounds']} "
        "rounds of one new article each (after a warm-up round); raw Tantivy: add, commit, "
        "reload and search in one process (no HTTP, no generation). Median and max in ms; "
        "the watcher's own publish time and its largest steps beside.",
        "",
    ]
    rows = []
    for size, found in r["sizes"].items():
        for engine, name in (("whoosh", "ours, Whoosh"), ("tantivy", "ours, Tantivy"),
                             ("raw_tantivy", "raw Tantivy")):  # fmt: skip
            f = found.get(engine)
            if f is None:
                continue
            steps = f.get("steps_median_ms", {})
            top = sorted(steps.items(), key=lambda item: -item[1])[:3]
            publish = f.get("publish_ms") or []
            rows.append([
                size, f.get("articles"), name, f["median_ms"], f["max_ms"], f["p90_ms"],
                round(percentile(publish, 50)) if publish else None,
                ", ".join(f"{step} {ms}" for step, ms in top) or None,
            ])  # fmt: skip
    head = ["archive", "articles", "engine", "median ms", "max ms", "p90 ms",
            "publish median ms", "largest steps (median ms)"]  # fmt: skip
    return lines + table(head, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", help="a corpus, or 'real': the real corpora")
    parser.add_argument(
        "--generated", type=int, action="append", help="a generated archive of N articles"
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--engine", action="append", choices=ENGINES)
    parser.add_argument("--no-raw", action="store_true", help="leave raw Tantivy's floor out")
    parser.add_argument("--keep", type=Path, help="make (or reuse) archives and indexes here")
    args = parser.parse_args(argv)
    sizes: list[kept_files.Size] = [*(args.corpus or []), *(args.generated or [])]
    with contextlib.ExitStack() as stack:
        kept: Path = args.keep or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="freshness-"))
        )
        engines = tuple(args.engine or ENGINES)
        results = run(kept, sizes or ["sisihagen"], args.rounds, engines, not args.no_raw)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
