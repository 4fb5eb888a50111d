"""Slow and costly clients against real gunicorn, started with ``archive-search serve``'s
command line (``bench.abuse`` starts it through ``archive_search.cli.gunicorn_command``).

Issue 12, finding 2: connections that send a header line every 5 s and never finish
held both sync workers; ``/healthz`` timed out for the whole minute. Finding 3: four
threads sending costly queries from one address, under the request limit, took the
normal queries' p99 from 24 ms to 3,272 ms, and a fuzzy query ran 3.0 s past a 2 s cap.

The figures the issue asks for (p99 ≤ 1 s with 200 slow connections; normal p99 within
3x with the costly mix; nothing past the cap by more than 10%) are measured by
``python -m bench.abuse`` and recorded in docs/reliability.md. The bounds asserted here
are looser, so that a shared, loaded machine does not fail them, yet the old server
fails them by far (timeouts of 30 s; 136x; 3 s and more).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import abuse
from search import limits

pytestmark = pytest.mark.slow


def _print(name: str, figures: dict[str, Any]) -> None:
    print(f"\n{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def test_200_slow_connections_do_not_stop_the_service(
    small_index: tuple[Path, Path], tmp_path: Path
) -> None:
    result = abuse.measure(small_index[1], phases=("slow",), slow=200, seconds=12, tmp=tmp_path)
    slow = result["slow"]
    _print("healthz", slow["healthz"])
    _print("search", slow["normal"])
    assert slow["connections"] == 200
    for kind in ("healthz", "normal"):
        figures = slow[kind]
        assert figures["count"] >= 10, figures  # answered all along, not once at the end
        assert figures["statuses"] == {"200": figures["count"]}, figures
        assert figures["p99_ms"] < 2_000, figures


@pytest.fixture(scope="module")
def bbc_index(bbc: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("bbc-index") / "ix"
    from indexer.build import build_index

    report = build_index(bbc, index)
    assert report.generation and not report.errors
    return index


@pytest.mark.corpus
def test_costly_clients_do_not_starve_normal_queries(bbc_index: Path, tmp_path: Path) -> None:
    costly = abuse.measure(bbc_index, phases=("costly",), seconds=15, tmp=tmp_path)["costly"]
    for name in ("normal_alone", "normal_with_costly", "costly"):
        _print(name, costly[name])
    print(f"longest: {costly['longest_request_ms']} ms ({costly['longest_request']})")
    alone, mixed = costly["normal_alone"], costly["normal_with_costly"]
    assert mixed["statuses"] == {"200": mixed["count"]}, mixed  # never refused nor timed out
    assert mixed["p99_ms"] <= 10 * max(alone["p99_ms"], 20.0), (alone, mixed)
    # the costly client was slowed down by its own limits, not the others
    assert set(costly["costly"]["statuses"]) & {"429", "503"}, costly["costly"]
    assert costly["longest_request_ms"] < 1.5 * limits.SEARCH_TIME_LIMIT * 1000, costly
