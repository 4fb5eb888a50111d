"""What every benchmark part shares: paths, machine facts, percentiles, corpus lookup."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search import limits

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
QUERIES = Path(__file__).resolve().parent / "queries"
RESULTS = Path(__file__).resolve().parent / "results"
IN_CI = os.environ.get("CI", "").lower() == "true"
RANKING_TIME_LIMIT = 60.0
"""Seconds a search of the ranking parts (relevance, knownitem) may take."""


class CorpusMissing(Exception):
    """A corpus a part needs is absent: that part is skipped (or the run fails under CI)."""


def corpus(name: str) -> Path:
    path = CORPORA / name
    if not path.is_dir():
        raise CorpusMissing(f"corpus {path} is absent")
    return path


@contextmanager
def ranking_time_limit() -> Iterator[float]:
    """The search time cap raised to ``RANKING_TIME_LIMIT`` for the block, which gives the
    usual one. The ranking parts measure ranking: at load 20 a Whoosh search of a long CISI
    query and one known-item search ran past 2 s, and each lost its part's figures."""
    usual = limits.SEARCH_TIME_LIMIT
    limits.SEARCH_TIME_LIMIT = max(usual, RANKING_TIME_LIMIT)
    try:
        yield usual
    finally:
        limits.SEARCH_TIME_LIMIT = usual


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """Median, p95 and p99 of durations given in seconds, in milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "n": len(ms),
        "median_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
    }


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def machine_facts() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load],
        "note": "shared, noisy machine: compare medians and ratios, not single runs",
    }


def read_queries(path: Path) -> list[str]:
    """One query a line; blank lines and lines starting with ``#`` are left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


FILTER_KEYS = ("tag", "publication", "lang", "year")
"""Facets a query line may filter on: every engine compared (ours and the peers) supports them."""


@dataclass(frozen=True, slots=True)
class QueryLine:
    """One line of a query file: ``q`` then tab-separated ``facet=value`` filters."""

    q: str
    filters: tuple[tuple[str, str], ...] = ()

    def params(self) -> dict[str, list[str]]:
        """The query as raw request parameters (what the API and ``build_request`` take)."""
        params: dict[str, list[str]] = {"q": [self.q]}
        for key, value in self.filters:
            params.setdefault(key, []).append(value)
        return params


def parse_query_line(line: str) -> QueryLine:
    """``"words<TAB>tag=x<TAB>year=2020"`` → ``QueryLine``; bad filters raise ``ValueError``."""
    q, *rest = line.split("\t")
    filters: list[tuple[str, str]] = []
    for item in rest:
        key, sep, value = item.partition("=")
        if not sep or key not in FILTER_KEYS or not value:
            raise ValueError(f"bad filter {item!r} in query line {line!r}")
        filters.append((key, value))
    return QueryLine(q.strip(), tuple(filters))


def read_query_lines(path: Path) -> list[QueryLine]:
    return [parse_query_line(line) for line in read_queries(path)]


def query_terms(q: str) -> list[str]:
    """Words and quoted phrases of a plain query, in order (phrases keep their quotes)."""
    return _TERM.findall(q)


_TERM = re.compile(r'"[^"]*"|[^\s"]+')
MB = 1024 * 1024
