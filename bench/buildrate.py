"""Indexing rates of several versions of the code, measured in one interleaved run.

``python -m bench.buildrate --rev f4bd631 --rev main --rev . [corpus …]`` extracts each
revision (``git archive``; ``.`` is this working tree as it is; ``REV:nodetect`` builds
with ``detect_lang = false``, to tell detection's share) into a temporary folder
and times full builds of each corpus with each engine, one child process per build run
from that folder with this virtualenv's interpreter (every revision's dependencies must
be installed in it). The versions alternate inside every round, ``--rounds`` rounds, so
the machine's load weighs on all alike; it prints the median articles per second of
each and each version's ratio to the first. The rate is ``make bench``'s: articles of
a ``build_index(rebuild=True)`` over its seconds, parser workers and all.

On a shared machine the wall-clock rate follows the load more than the code, so each
build's CPU seconds are counted too (user + system of the child, its parser workers and
Tantivy's threads: on Linux this process becomes a subreaper, so the forkserver and its
workers, orphaned when the child exits, are reaped here and counted by
``getrusage(RUSAGE_CHILDREN)``), and the articles per CPU second compared the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, corpus

CHILD = """
import json, sys, time
from pathlib import Path
from indexer.build import build_index
options = {}
if sys.argv[4:] == ["nodetect"]:
    from indexer.config import ArchiveConfig
    options["config"] = ArchiveConfig(detect_lang=False)
started = time.perf_counter()
report = build_index(
    Path(sys.argv[1]), Path(sys.argv[2]), rebuild=True, engine=sys.argv[3], **options
)
print(json.dumps({"articles": report.articles, "seconds": time.perf_counter() - started}))
"""


def extract(rev: str, work: Path) -> Path:
    """The source tree of ``rev`` (``.``: this working tree, used in place)."""
    if rev == ".":
        return ROOT
    target = work / rev.replace("/", "_")
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Make this process the reaper of its orphaned descendants (Linux; else nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _reap() -> None:
    """Wait for every descendant left (the forkserver and its workers, once orphaned)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def build_rate(
    tree: Path, source: Path, engine: str, work: Path, *options: str
) -> tuple[float, float]:
    """Articles per second and per CPU second of one full build by the code in ``tree``,
    in a child process."""
    target = work / "index"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    _reap()
    cpu = _children_cpu()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(target), engine, *options],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    _reap()
    cpu = _children_cpu() - cpu
    shutil.rmtree(target, ignore_errors=True)
    figures = json.loads(out.strip().splitlines()[-1])
    articles = float(figures["articles"])
    return articles / float(figures["seconds"]), articles / cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpora", nargs="*", default=["sisihagen", "bbc", "20news"])
    parser.add_argument("--rev", action="append", required=True, help="a git revision, or .")
    parser.add_argument("--engines", default="tantivy,whoosh")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    engines = args.engines.split(",")
    adopt_orphans()
    with tempfile.TemporaryDirectory(prefix="buildrate-") as tmp:
        work = Path(tmp)
        sources = {
            rev: extract(rev, work) for rev in dict.fromkeys(r.split(":")[0] for r in args.rev)
        }
        trees = {rev: sources[rev.split(":")[0]] for rev in args.rev}
        rates: dict[tuple[str, str, str], list[float]] = {}
        cpu_rates: dict[tuple[str, str, str], list[float]] = {}
        for round_ in range(args.rounds):
            for name in args.corpora:
                for engine in engines:
                    # the order of the versions turns each round, so none is always first
                    revs = args.rev[round_ % len(args.rev) :] + args.rev[: round_ % len(args.rev)]
                    for rev in revs:
                        options = rev.split(":")[1:]
                        rate, per_cpu = build_rate(trees[rev], corpus(name), engine, work, *options)
                        rates.setdefault((name, engine, rev), []).append(rate)
                        cpu_rates.setdefault((name, engine, rev), []).append(per_cpu)
                        print(
                            f"round {round_ + 1} {name} {engine} {rev}: {rate:.0f}/s, "
                            f"{per_cpu:.0f}/CPU s (load {os.getloadavg()[0]:.1f})",
                            flush=True,
                        )
        for title, table in (("articles/s", rates), ("articles/CPU s", cpu_rates)):
            print(f"\nmedian {title} (ratio to the first revision):")
            for name in args.corpora:
                for engine in engines:
                    print(f"{name} {engine}: " + _cells(table, name, engine, args.rev), flush=True)
    return 0


def _cells(
    table: dict[tuple[str, str, str], list[float]], name: str, engine: str, revs: list[str]
) -> str:
    first = statistics.median(table[(name, engine, revs[0])])
    cells = []
    for rev in revs:
        median = statistics.median(table[(name, engine, rev)])
        cells.append(f"{rev} {median:.0f} ({median / first:.2f}x)")
    return ", ".join(cells)


if __name__ == "__main__":
    sys.exit(main())
