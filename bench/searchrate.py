"""Search speed of several versions of the code, measured in one interleaved run.

``python -m bench.searchrate --rev f4bd631 --rev main [--rev .]`` extracts each revision
(``git archive``; ``.`` is this working tree as it is) into a folder, builds the
``compare`` part's archive (the three real corpora side by side, ``bench.archive``)
with each revision's own code, then times the ``compare`` part's query lines
(``bench/queries/mixed.txt``) in the modes top-10, facets and snippets: one child
process per revision, engine and round, running that revision's ``SearchService``
with this virtualenv's interpreter, after a warm-up pass. The revisions alternate
inside every round (the first one turns), so the machine's load weighs on all alike.
It prints, per engine and mode, the median over the rounds of each revision's median
wall and CPU (this thread's) milliseconds per search, and the ratio to the first
revision. Indexes are kept in ``--work`` (named by commit) and reused by a later run;
the working tree's (``.``) is rebuilt unless ``--reuse``; ``--index ENGINE:REV=DIR`` names
one built before (by a revision with the same index format).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import archive
from bench.buildrate import extract
from bench.common import QUERIES, ROOT, log, read_query_lines

MODES = ("top10", "facets", "snippets")

CHILD = """
import gc, json, statistics, sys, time
from dataclasses import replace
from pathlib import Path
from search.errors import SearchError
from search.request import build_request
from search.service import SearchService
index, warmup, passes = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
requests = [build_request(p) for p in json.load(sys.stdin)]
service = SearchService(index)
modes = {"top10": (False, False), "facets": (True, False), "snippets": (True, True)}
errors = 0
def one(request, mode):
    global errors
    facets, snippets = modes[mode]
    try:  # a search over its time limit on a starved core is counted, not timed
        return service.search(replace(request, facets=facets, snippets=snippets)).total
    except SearchError:
        errors += 1
        return None
end = time.perf_counter() + warmup
while time.perf_counter() < end:
    for r in requests:
        one(r, "snippets")
out = {}
for mode in modes:
    wall, cpu, totals = [], [], []
    for _ in range(passes):
        for r in requests:
            started, used = time.perf_counter(), time.thread_time()
            total = one(r, mode)
            if total is not None:
                totals.append(total)
                wall.append(time.perf_counter() - started)
                cpu.append(time.thread_time() - used)
    out[mode] = {
        "wall_ms": statistics.median(wall) * 1000,
        "cpu_ms": statistics.median(cpu) * 1000,
        "hits_total": sum(totals),
        "errors": errors,
    }
    errors = 0
print(json.dumps(out))
"""

BUILD = """
import sys
from pathlib import Path
from indexer.build import build_index
build_index(Path(sys.argv[1]), Path(sys.argv[2]), rebuild=True, engine=sys.argv[3])
"""


def commit_of(rev: str) -> str:
    if rev == ".":
        return "worktree"
    out = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short=10", rev],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def child(tree: Path, code: str, args: list[str], stdin: str | None = None) -> str:
    """Run ``code`` with the sources of ``tree`` first on the path; its standard output."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tree,
        env=env,
        input=stdin,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def index_for(tree: Path, commit: str, engine: str, source: Path, work: Path, reuse: bool) -> Path:
    target = work / f"index-{engine}-{commit}"
    if target.exists() and (reuse or commit != "worktree"):
        return target
    shutil.rmtree(target, ignore_errors=True)
    log(f"searchrate: building {engine} with {commit}")
    child(tree, BUILD, [str(source), str(target), engine])
    return target


def table(
    figures: dict[tuple[str, str, str], list[dict[str, float]]],
    engines: list[str],
    revs: list[str],
) -> list[str]:
    """Markdown rows: engine, mode, then each revision's wall and CPU medians (ratio)."""
    head = " | ".join(f"{rev} wall | {rev} CPU" for rev in revs)
    rows = [f"| engine | mode | {head} |", "|---|---|" + "---|---|" * len(revs)]
    for engine in engines:
        for mode in MODES:
            first: dict[str, float] = {}
            cells = []
            for rev in revs:
                runs = figures[(engine, mode, rev)]
                for kind in ("wall_ms", "cpu_ms"):
                    median = statistics.median(r[kind] for r in runs)
                    first.setdefault(kind, median)
                    cells.append(f"{median:.2f} ({median / first[kind]:.2f}x)")
            rows.append(f"| {engine} | {mode} | " + " | ".join(cells) + " |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rev", action="append", required=True, help="a git revision, or .")
    parser.add_argument("--engines", default="tantivy,whoosh")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passes", type=int, default=1, help="passes over the queries per mode")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of warm-up per child")
    parser.add_argument("--work", type=Path, default=Path("/tmp/searchrate"))
    parser.add_argument("--reuse", action="store_true", help="keep the working tree's index")
    parser.add_argument(
        "--index",
        action="append",
        default=[],
        help="ENGINE:REV=DIR: an index built earlier by REV's index format (a Whoosh build "
        "of the real corpora takes half an hour on a loaded machine)",
    )
    args = parser.parse_args(argv)
    engines: list[str] = args.engines.split(",")
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    source = archive.assemble(work, "real", archive.REAL)
    lines = json.dumps([line.params() for line in read_query_lines(QUERIES / "mixed.txt")])
    commits = {rev: commit_of(rev) for rev in args.rev}
    trees: dict[str, Path] = {}
    for rev, commit in commits.items():
        tree = work / f"tree-{commit}"
        if rev != "." and not tree.exists():
            shutil.move(extract(rev, work), tree)
        trees[rev] = ROOT if rev == "." else tree
    given = {tuple(k.split(":", 1)): Path(v) for k, _, v in (i.partition("=") for i in args.index)}
    indexes = {
        (engine, rev): given.get((engine, rev))
        or index_for(trees[rev], commits[rev], engine, source, work, args.reuse)
        for engine in engines
        for rev in args.rev
    }
    figures: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    for round_ in range(args.rounds):
        for engine in engines:
            turn = round_ % len(args.rev)
            for rev in args.rev[turn:] + args.rev[:turn]:
                index = str(indexes[(engine, rev)])
                options = [index, str(args.warmup), str(args.passes)]
                found: dict[str, Any] = json.loads(child(trees[rev], CHILD, options, lines))
                for mode in MODES:
                    figures.setdefault((engine, mode, rev), []).append(found[mode])
                cells = ", ".join(
                    f"{m} {found[m]['wall_ms']:.2f}/{found[m]['cpu_ms']:.2f}" for m in MODES
                )
                print(f"round {round_ + 1} {engine} {rev}: wall/CPU ms {cells}", flush=True)
    print(f"\nmedian ms per search over {args.rounds} rounds (ratio to {args.rev[0]}):")
    print("\n".join(table(figures, engines, args.rev)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
