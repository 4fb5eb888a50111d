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
"""

from __future__ import annotations

import argparse
import json
import os
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


def build_rate(tree: Path, source: Path, engine: str, work: Path, *options: str) -> float:
    """Articles per second of one full build by the code in ``tree``, in a child process."""
    target = work / "index"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(target), engine, *options],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shutil.rmtree(target, ignore_errors=True)
    figures = json.loads(out.strip().splitlines()[-1])
    return float(figures["articles"]) / float(figures["seconds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpora", nargs="*", default=["sisihagen", "bbc", "20news"])
    parser.add_argument("--rev", action="append", required=True, help="a git revision, or .")
    parser.add_argument("--engines", default="tantivy,whoosh")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory(prefix="buildrate-") as tmp:
        work = Path(tmp)
        sources = {
            rev: extract(rev, work) for rev in dict.fromkeys(r.split(":")[0] for r in args.rev)
        }
        trees = {rev: sources[rev.split(":")[0]] for rev in args.rev}
        rates: dict[tuple[str, str, str], list[float]] = {}
        for round_ in range(args.rounds):
            for name in args.corpora:
                for engine in engines:
                    # the order of the versions turns each round, so none is always first
                    revs = args.rev[round_ % len(args.rev) :] + args.rev[: round_ % len(args.rev)]
                    for rev in revs:
                        options = rev.split(":")[1:]
                        rate = build_rate(trees[rev], corpus(name), engine, work, *options)
                        rates.setdefault((name, engine, rev), []).append(rate)
                        print(f"round {round_ + 1} {name} {engine} {rev}: {rate:.0f}/s", flush=True)
        print("\nmedian articles/s (ratio to the first revision):")
        for name in args.corpora:
            for engine in engines:
                first = statistics.median(rates[(name, engine, args.rev[0])])
                cells = []
                for rev in args.rev:
                    median = statistics.median(rates[(name, engine, rev)])
                    cells.append(f"{rev} {median:.0f} ({median / first:.2f}x)")
                print(f"{name} {engine}: " + ", ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
