"""``python -m bench [--quick | --full] [--only PARTS]``, PARTS from compare, http, load,
relevance, research, knownitem, suggest, pgcluster, grouping, scaled, million, freshness, tail.

Default (``make bench``, ~15 minutes): the four engines side by side on the
three real corpora (sisihagen, bbc, 20news: 24,543 articles), HTTP through
gunicorn and the hardening load test on those indexes, and relevance at the
current title weight. ``--full`` (``make bench-full``) adds the generated 100,000-article
archive and the title-weight sweep. ``--quick`` runs everything small on a
tiny generated archive (a smoke test, under three minutes). ``--only million``
(``make bench-million``) builds a generated million-article archive on the Tantivy
engine and raw Tantivy (``bench.million``: an hour or more on two cores).
``--only freshness,tail`` times file write → searchable through a watcher and HTTP on the
real corpora and on ``--scaled`` generated articles (``bench.freshness``), and the tail of
faceted searches with snippets at ``--scaled`` (``bench.tail``), both engines beside raw
Tantivy; ``--kept-dir DIR`` keeps their archives and indexes for a later run (``bench.kept``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import (
    archive,
    compare,
    freshness,
    generate,
    grouping,
    knownitem,
    load,
    million,
    pgcluster,
    postgres,
    relevance,
    research,
    suggest,
    tail,
)
from bench.builds import ENGINES
from bench.common import (
    IN_CI,
    QUERIES,
    RESULTS,
    CorpusMissing,
    QueryLine,
    log,
    machine_facts,
    read_query_lines,
)
from bench.report import render

PARTS = ("compare", "http", "load", "relevance", "research", "knownitem", "suggest", "pgcluster",
         "grouping", "scaled", "million", "freshness", "tail")  # fmt: skip
DEFAULT_PARTS = ("compare", "http", "load", "relevance", "research", "knownitem", "suggest",
                 "pgcluster", "grouping")  # fmt: skip
FULL_PARTS = (*DEFAULT_PARTS, "scaled")
"""The million is asked for by name (``make bench-million``): it takes an hour or more."""
QUICK_MILLION = 2_000
FAST = ("tantivy", "raw-tantivy", "fts5")
POSTGRES_PARTS = frozenset(
    {"compare", "http", "load", "relevance", "research", "suggest", "scaled"}
)
"""Parts that build the postgres engine beside the others, in ``bench.postgres``'s database
(``knownitem`` starts its own; ``pgcluster`` its cluster)."""
WHOOSH_SCALED_MAX = 200_000
"""Larger generated archives are built with the fast engines only."""
SCALED = 100_000
QUICK_ARTICLES = 300
QUICK_QUERIES = 25
FRESHNESS_ROUNDS = 10
QUICK_ROUNDS = 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="a tiny generated archive, seconds")
    mode.add_argument("--full", action="store_true", help="also the 100,000-article archive")
    parser.add_argument("--only", default="", help=f"comma-separated parts: {','.join(PARTS)}")
    parser.add_argument("--scaled", type=int, default=SCALED, help="articles of the scaled run")
    parser.add_argument(
        "--million", type=int, default=million.ARTICLES, help="articles of the million part"
    )
    parser.add_argument(
        "--million-dir",
        type=Path,
        default=None,
        help="keep the million part's archive and indexes here (reused by a later run)",
    )
    parser.add_argument(
        "--kept-dir",
        type=Path,
        default=None,
        help="keep the freshness and tail parts' archives and indexes here (reused later)",
    )
    parser.add_argument(
        "--engines",
        default="",
        help="comma-separated engines of compare, scaled, knownitem, relevance and tail (default "
        f"all; knownitem leaves Whoosh out under --quick): {','.join(ENGINES)}",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for latest.json/.md")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other parts of the previous latest.json (re-run some parts only)",
    )
    args = parser.parse_args(argv)
    chosen = args.only or ",".join(FULL_PARTS if args.full else DEFAULT_PARTS)
    args.parts = [p.strip() for p in chosen.split(",") if p.strip()]
    unknown = sorted(set(args.parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.engines_given = bool(args.engines)
    args.engines = args.engines or list(ENGINES)
    if bad := sorted(set(args.engines) - set(ENGINES)):
        parser.error(f"unknown engine(s) {', '.join(bad)}; choose from {', '.join(ENGINES)}")
    return args


class Runner:
    """Runs the chosen parts in one temporary folder; archives and indexes are made once."""

    def __init__(self, work: Path, args: argparse.Namespace) -> None:
        self.work, self.quick, self.full, self.scaled = work, args.quick, args.full, args.scaled
        self.million = QUICK_MILLION if args.quick else args.million
        self.million_dir: Path = args.million_dir or work / "million"
        self.kept_dir: Path = args.kept_dir or work / "kept"
        lines = read_query_lines(QUERIES / "mixed.txt")
        self.lines: list[QueryLine] = lines[:QUICK_QUERIES] if self.quick else lines
        self.compared: dict[str, Any] = {}
        pg = postgres.available()
        self.engines = tuple(e for e in ENGINES if e in args.engines and (pg or e != "postgres"))
        self.asked: tuple[str, ...] | None = self.engines if args.engines_given else None
        """The engines ``--engines`` names, for the parts whose own default differs."""

    def archive(self) -> Path:
        """The archive every engine is built on: the real corpora, or a tiny generated one."""
        if self.quick:
            target = self.work / "tiny"
            if not target.exists():
                generate.generate(target, QUICK_ARTICLES)
            return target
        return archive.assemble(self.work, "real", archive.REAL)

    def compare_runs(self) -> dict[str, Any]:
        budget = 5.0 if self.quick else 25.0
        self.compared["main"] = compare.run(
            self.archive(), self.work, self.engines, self.lines, budget=budget
        )
        return self.compared

    def index_of(self, engine: str) -> Path:
        if "main" not in self.compared:
            self.compare_runs()
        return Path(self.compared["main"]["engines"][engine]["index_dir"])

    def part(self, name: str) -> dict[str, Any]:
        if name == "compare":
            return self.compare_runs()
        if name == "http":
            seconds = 4.0 if self.quick else 20.0
            return {
                e: load.run(self.index_of(e), self.lines, self.work, seconds=seconds)
                for e in ("whoosh", "tantivy")
            }
        if name == "load":
            return self.load()
        if name == "scaled":
            return self.scaled_run()
        if name == "million":
            return million.run(self.million_dir, self.lines, self.million)
        if name == "freshness":
            sizes: list[int | str] = [QUICK_ARTICLES] if self.quick else ["real", self.scaled]
            rounds = QUICK_ROUNDS if self.quick else FRESHNESS_ROUNDS
            return freshness.run(self.kept_dir, sizes, rounds)
        if name == "tail":
            size = QUICK_ARTICLES if self.quick else self.scaled
            return tail.run_part(self.kept_dir, size, self.lines, self.asked)
        if name == "suggest":
            engines = ("whoosh", "tantivy")
            return suggest.run({e: self.index_of(e) for e in engines}, self.lines)
        if name == "pgcluster":
            pgcluster.check_available()
            seconds = 4.0 if self.quick else 20.0
            return pgcluster.run(self.archive(), self.lines, self.work, seconds=seconds)
        if name == "knownitem":
            return knownitem.run(self.work, quick=self.quick, engines=self.asked)
        if name == "grouping":
            return grouping.run(self.work, self.lines, quick=self.quick)
        if name == "research":
            engines = ("whoosh", "tantivy")
            return research.run({e: self.index_of(e) for e in engines}, quick=self.quick)
        return relevance.run(self.work, quick=not self.full, engines=self.engines)

    def load(self) -> dict[str, Any]:
        """The hardening load test: on the default engine (Whoosh); ``--full`` adds Tantivy."""
        step, phase, budget = (2.0, 4.0, 10.0) if self.quick else (6.0, 20.0, 75.0)
        engines = ("whoosh", "tantivy") if self.full else ("whoosh",)
        return {
            e: load.hardening(
                self.index_of(e), self.lines, self.work, step_s=step, phase_s=phase, budget_s=budget
            )
            for e in engines
        }

    def scaled_run(self) -> dict[str, Any]:
        target = self.work / f"scaled-{self.scaled}"
        log(f"scaled: generating {self.scaled} articles")
        made = generate.generate(target, self.scaled)
        with_whoosh = self.scaled <= WHOOSH_SCALED_MAX
        wanted = ("whoosh", *FAST, "postgres") if with_whoosh else FAST
        engines = tuple(e for e in self.engines if e in wanted)
        results = compare.run(target, self.work, engines, self.lines, budget=30.0)
        results["generated"] = made
        if not with_whoosh:
            results["whoosh_skipped"] = (
                "Whoosh and PostgreSQL build a few hundred articles/s here: "
                f"{self.scaled:,} articles twice (end to end and engine only) would take hours"
            )
        return results


def merged(previous: Path, results: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """The previous run's results with ``parts`` replaced; each part remembers its run's facts."""
    old: dict[str, Any] = {}
    if previous.is_file():
        old = json.loads(previous.read_text(encoding="utf-8"))
    runs = dict(old.get("runs", {}))
    for name in PARTS:
        if name in old and name not in runs:
            runs[name] = old["machine"]
    out = {**old, **{k: v for k, v in results.items() if k not in PARTS}}
    for name in parts:
        if name in results:
            out[name] = results[name]
            runs[name] = results["machine"]
    out["runs"] = {name: runs[name] for name in PARTS if name in out and name in runs}
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine_facts(),
        "quick": args.quick,
        "full": args.full,
        "skipped": {},
    }
    status = 0
    text = ""
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="archive-search-bench-"))
        if postgres.available() and set(args.parts) & POSTGRES_PARTS:
            stack.enter_context(postgres.bench_database())
        runner = Runner(Path(tmp), args)
        for name in (p for p in PARTS if p in args.parts):
            try:
                results[name] = runner.part(name)
            except CorpusMissing as exc:
                log(f"{name}: skipped, {exc}")
                results["skipped"][name] = f"{exc}" + (" (a failure under CI)" if IN_CI else "")
                status = 1 if IN_CI else status
            except Exception as exc:  # one broken part must not lose the others' figures
                log(f"{name}: failed, {type(exc).__name__}: {exc}")
                results["skipped"][name] = f"failed: {type(exc).__name__}: {exc}"
                status = 1
            text = write(args, results, started)
    print(text)
    return status


def write(args: argparse.Namespace, results: dict[str, Any], started: float) -> str:
    """Record the parts run so far (after each part, so a later failure loses nothing)."""
    results = dict(results, machine=dict(results["machine"]))
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    if args.merge:
        results = merged(args.output / "latest.json", results, args.parts)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = render(results)
    (args.output / "latest.md").write_text(text, encoding="utf-8")
    if not args.quick and args.output == RESULTS:
        (RESULTS.parent / "RESULTS.md").write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    raise SystemExit(main())
