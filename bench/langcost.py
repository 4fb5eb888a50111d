"""The cost of language detection: each corpus parsed, or built, with and without it.

``python -m bench.langcost [corpus …]`` parses every file of each corpus
(serially, in this process) with detection and with detection turned off,
alternately three times each, and prints the median files per second of both
and their ratio. ``--build`` does the same with whole index builds
(``build_index``, parser workers and all, each engine of ``--engines``): the
rate ``make bench`` measures. Both settings run in the same run, alternately,
so the machine's load weighs on both alike.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import corpus
from indexer.build import build_index
from indexer.config import ArchiveConfig
from indexer.parse import parse_bytes

ROUNDS = 3


def files(name: str) -> list[tuple[str, bytes]]:
    root = corpus(name)
    return [
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]


def parse_rate(data: list[tuple[str, bytes]], config: ArchiveConfig) -> float:
    """Files parsed per second."""
    start = time.perf_counter()
    for relpath, raw in data:
        parse_bytes(relpath, raw, config)
    return len(data) / (time.perf_counter() - start)


def build_rate(source: Path, engine: str, config: ArchiveConfig, work: Path) -> float:
    """Articles indexed per second by a full build."""
    target = work / engine
    start = time.perf_counter()
    report = build_index(source, target, rebuild=True, config=config, engine=engine)
    rate = report.articles / (time.perf_counter() - start)
    shutil.rmtree(target, ignore_errors=True)
    return rate


def compare(label: str, measure: Callable[[ArchiveConfig], float]) -> tuple[float, float]:
    """Median rates with and without detection (alternating), printed with their ratio."""
    on, off = ArchiveConfig(default_lang="en"), ArchiveConfig(default_lang="en", detect_lang=False)
    with_detection, without = [], []
    for _ in range(ROUNDS):
        with_detection.append(measure(on))
        without.append(measure(off))
    a, b = statistics.median(with_detection), statistics.median(without)
    print(f"{label}: {a:.0f}/s with detection, {b:.0f}/s without ({a / b:.2f}x)", flush=True)
    return a, b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpora", nargs="*", default=["sisihagen", "bbc", "20news"])
    parser.add_argument("--build", action="store_true", help="time whole builds, not parsing")
    parser.add_argument("--engines", default="tantivy,whoosh")
    args = parser.parse_args(argv)
    for name in args.corpora:
        if not args.build:
            data = files(name)
            compare(f"{name}, parsing {len(data)} files", lambda c: parse_rate(data, c))  # noqa: B023
            continue
        for engine in args.engines.split(","):
            with tempfile.TemporaryDirectory(prefix="langcost-") as work:
                compare(
                    f"{name}, {engine} build",
                    lambda c: build_rate(corpus(name), engine, c, Path(work)),  # noqa: B023
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
