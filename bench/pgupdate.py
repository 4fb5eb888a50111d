"""Incremental updates of the PostgreSQL engine: what one and a hundred changed articles cost.

``python -m bench.pgupdate [--corpus sisihagen] [--changes 1,100] [--before DIR]``

The corpus is copied to a temporary folder and built once with ``--engine postgres``;
then, for each count, that many articles get one new sentence (a word found nowhere
else) and ``build_index`` updates the index; the time of the update and whether the new
word is found right after it are reported. ``--before DIR`` runs the same measurement
first with the code of another checkout (``git worktree add DIR <commit>``) in a
child process, against the same server, so a change is measured before and after in
one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import corpus, log
from bench.postgres import ENV, bench_database

CHANGES = (1, 100)


def _changed(source: Path, count: int, round_no: int) -> str:
    """Append a sentence with a word of its own to the first ``count`` Markdown files."""
    word = f"zqxupdate{round_no}"
    files = sorted(source.rglob("*.md"))[:count]
    for path in files:
        with path.open("a", encoding="utf-8") as out:
            out.write(f"\n\nA sentence added later, {word}.\n")
    return word


def measure(folder: Path, changes: tuple[int, ...], work: Path) -> dict[str, Any]:
    """Build the corpus at ``folder`` on postgres in the named database, then time each
    update."""
    from indexer.build import build_index
    from search.service import SearchService
    from search.types import SearchRequest

    source = work / "source"
    shutil.copytree(folder, source)
    index = work / "index"
    started = time.perf_counter()
    built = build_index(source, index, rebuild=True, engine="postgres")
    results: dict[str, Any] = {
        "articles": built.indexed,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    log(f"pgupdate: {folder.name} built in {results['build_seconds']} s")
    for number, count in enumerate(changes):
        word = _changed(source, count, number)
        started = time.perf_counter()
        report = build_index(source, index)
        seconds = time.perf_counter() - started
        service = SearchService(index)
        try:
            found = service.search(SearchRequest(q=word, per_page=100, facets=False)).total
        finally:
            service.close()
        results[f"update_{count}"] = {
            "seconds": round(seconds, 2),
            "updated": report.updated,
            "found": found,
        }
        log(f"pgupdate: {count} changed articles: {seconds:.2f} s, new word in {found}")
    return results


def _other_database(url: str, name: str) -> str:
    """A fresh database ``name`` on the server of ``url`` (the other code's tables apart)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(url, dbname=name)


def run(name: str, changes: tuple[int, ...], before: Path | None) -> dict[str, Any]:
    with bench_database() as url:
        out: dict[str, Any] = {}
        if before is not None:
            log(f"pgupdate: the code of {before} first")
            args = ["--corpus", str(corpus(name)), "--changes", ",".join(map(str, changes))]
            env = {**os.environ, "PYTHONPATH": str(before), ENV: _other_database(url, "before")}
            child = subprocess.run(
                [sys.executable, "-m", "bench.pgupdate", *args, "--json"],
                cwd=before,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            out["before"] = json.loads(child.stdout.strip().splitlines()[-1])
        with tempfile.TemporaryDirectory(prefix="pgupdate-", dir="/tmp") as tmp:
            found = measure(corpus(name), changes, Path(tmp))
            out["after" if before is not None else "now"] = found
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pgupdate", description=__doc__)
    parser.add_argument("--corpus", default="sisihagen", help="a corpus name, or a folder")
    parser.add_argument("--changes", default=",".join(map(str, CHANGES)))
    parser.add_argument("--before", type=Path, default=None, help="another checkout, run first")
    parser.add_argument("--json", action="store_true", help="one line of JSON (for --before)")
    args = parser.parse_args(argv)
    changes = tuple(int(c) for c in args.changes.split(","))
    if args.json:  # the child of --before: the server and database are the parent's
        with bench_database(), tempfile.TemporaryDirectory(prefix="pgupdate-", dir="/tmp") as tmp:
            print(json.dumps(measure(Path(args.corpus), changes, Path(tmp))))
        return 0
    print(json.dumps(run(args.corpus, changes, args.before), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
