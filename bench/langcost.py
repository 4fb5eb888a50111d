"""The cost of language detection in parsing: each corpus parsed with and without it.

``python -m bench.langcost [corpus …]`` parses every file of each corpus
(serially, in this process) twice, with detection and with detection turned
off, alternately three times each, and prints the median articles per second
of both and their ratio. Parsing is where detection runs, and the indexing
rate of ``make bench`` is bounded by it.
"""

from __future__ import annotations

import statistics
import sys
import time
from unittest import mock

from bench.common import corpus
from indexer import langdetect, parse
from indexer.config import ArchiveConfig
from indexer.parse import parse_bytes


def files(name: str) -> list[tuple[str, bytes]]:
    root = corpus(name)
    return [
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]


def rate(data: list[tuple[str, bytes]]) -> float:
    config = ArchiveConfig()
    start = time.perf_counter()
    for relpath, raw in data:
        parse_bytes(relpath, raw, config)
    return len(data) / (time.perf_counter() - start)


def main(argv: list[str]) -> int:
    for name in argv or ["sisihagen", "bbc", "20news"]:
        data = files(name)
        langdetect.detect("warm the model up once " * 5)
        with_detection, without = [], []
        for _ in range(3):
            with_detection.append(rate(data))
            with mock.patch.object(parse, "detect", lambda _t: ("und", 0.0)):
                without.append(rate(data))
        a, b = statistics.median(with_detection), statistics.median(without)
        print(
            f"{name}: {len(data)} files, {a:.0f}/s with detection, {b:.0f}/s without ({a / b:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
