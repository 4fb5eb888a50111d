"""Freshness: from a file written into the archive to the first HTTP search that returns it.

``python -m bench.freshness [--corpus sisihagen | --corpus real | --generated N] [--rounds 10]
[--engine whoosh ...] [--keep DIR]``

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
the watcher's own time to publish each batch (from its log). Rounds are a few
seconds apart, so each is one batch of its own.
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

from bench.abuse import start_server, stop_server
from bench.archive import REAL, assemble
from bench.common import corpus, log, percentile
from bench.generate import generate
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


def prepare(engine: str, source: Source, work: Path) -> tuple[Path, Path]:
    """The archive (a copy of ``source``, ``source`` articles generated, or the corpora
    named) and its index, made in ``work`` unless there from an earlier run."""
    archive, index = work / f"{engine}-archive", work / f"{engine}-index"
    if not archive.exists():
        if isinstance(source, int):
            generate(archive, source)
        elif isinstance(source, tuple):
            assemble(work, archive.name, source)
        else:
            shutil.copytree(source, archive)
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
    return {
        "rounds": rounds,
        "articles": _articles(index),
        "median_ms": round(percentile(seconds, 50) * 1000),
        "p90_ms": round(percentile(seconds, 90) * 1000),
        "min_ms": round(min(seconds) * 1000),
        "max_ms": round(max(seconds) * 1000),
        "each_ms": [round(s * 1000) for s in seconds],
        "publish_ms": publish_ms((work / f"{engine}-watch.log").read_text())[-rounds:],
    }


def _articles(index: Path) -> int:
    meta = IndexStore(index).current().meta
    return int(meta.get("articles", 0))


def publish_ms(watch_log: str) -> list[int]:
    """The watcher's own time to publish each batch, from its log lines."""
    times = re.findall(r"published generation \S+ in ([0-9.]+) s", watch_log)
    return [round(float(t) * 1000) for t in times]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", default="sisihagen", help="a corpus, or 'real': the three real corpora"
    )
    parser.add_argument("--generated", type=int, help="a generated archive of N articles")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--engine", action="append", choices=("whoosh", "tantivy"))
    parser.add_argument("--keep", type=Path, help="make (or reuse) archives and indexes here")
    args = parser.parse_args(argv)
    source: Source = args.generated or (REAL if args.corpus == "real" else corpus(args.corpus))
    name = f"generated-{args.generated}" if args.generated else args.corpus
    results: dict[str, Any] = {"corpus": name, "load_average": os.getloadavg()[0]}
    with contextlib.ExitStack() as stack:
        work = args.keep or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="freshness-"))
        )
        work.mkdir(parents=True, exist_ok=True)
        for engine in args.engine or ["whoosh", "tantivy"]:
            results[engine] = measure_engine(engine, source, args.rounds, work)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
