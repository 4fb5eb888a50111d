"""``python -m bench [--quick] [--only indexing,latency,http,relevance]``."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import indexing, latency, load, relevance
from bench.common import IN_CI, QUERIES, RESULTS, CorpusMissing, log, machine_facts, read_queries
from bench.report import render

PARTS = ("indexing", "latency", "http", "relevance")
QUICK_QUERIES = 25


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer queries, 5 s of load")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts: {','.join(PARTS)}"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for latest.json/.md")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(args.parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    return args


class Runner:
    """Runs the chosen parts in a temporary folder; the sisihagen index is built once and shared."""

    def __init__(self, work: Path, quick: bool) -> None:
        self.work, self.quick = work, quick
        self.index_dir: Path | None = None
        queries = read_queries(QUERIES / "sisihagen.txt")
        self.queries = queries[:QUICK_QUERIES] if quick else queries

    def sisihagen_index(self) -> Path:
        if self.index_dir is None:
            self.index_dir, _ = indexing.build_sisihagen(self.work)
        return self.index_dir

    def part(self, name: str) -> dict[str, Any]:
        if name == "indexing":
            self.index_dir, figures = indexing.run(self.work)
            return figures
        if name == "latency":
            rounds = 1 if self.quick else 3
            return latency.run(self.sisihagen_index(), self.queries, rounds=rounds)
        if name == "http":
            seconds = 5.0 if self.quick else 20.0
            return load.run(self.sisihagen_index(), self.queries, self.work, seconds=seconds)
        return relevance.run(self.work, quick=self.quick)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine_facts(), "quick": args.quick, "skipped": {}}
    status = 0
    with tempfile.TemporaryDirectory(prefix="archive-search-bench-") as tmp:
        runner = Runner(Path(tmp), args.quick)
        for name in (p for p in PARTS if p in args.parts):
            try:
                results[name] = runner.part(name)
            except CorpusMissing as exc:
                log(f"{name}: skipped, {exc}")
                results["skipped"][name] = f"{exc}" + (" (a failure under CI)" if IN_CI else "")
                status = 1 if IN_CI else status
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = render(results)
    (args.output / "latest.md").write_text(text, encoding="utf-8")
    print(text)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
