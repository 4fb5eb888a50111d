"""One worker process, many threads: the engines are searched by threaded workers
(gthread), so concurrent requests in one process must get the answers they get alone.

A Whoosh searcher reads its files by seek-then-read; shared between threads, it read
posting blocks at other threads' offsets ("Block tag error", a 500 under load).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from pathlib import Path

import orjson
import pytest

from indexer.build import build_index
from search.request import build_request
from search.service import SearchService
from tests.hardening.conftest import MARKER, write_state

THREADS = 6
ROUNDS = 40
QUERIES = [
    {"q": [MARKER]},
    {"q": ["harbour OR winter"], "facets": ["1"]},
    {"q": ['"river mountain"'], "per_page": ["5"]},
    {"q": ["ma*"], "snippets": ["1"]},
    {"q": ["forest -island"], "sort": ["newest"]},
    {"q": ["valley~1 bridge"], "page": ["2"]},
]


def _answer(service: SearchService, params: dict[str, list[str]]) -> bytes:
    result = dataclasses.asdict(service.search(build_request(params)))
    del result["took_ms"]
    return orjson.dumps(result, default=str, option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("engine", ["whoosh", "tantivy", "postgres"])
def test_threads_sharing_one_engine_get_the_answers_one_thread_gets(
    tmp_path: Path, engine: str
) -> None:
    archive = write_state(tmp_path / "archive", 0, 300)
    index = tmp_path / "ix"
    report = build_index(archive, index, engine=engine)
    assert report.generation and not report.errors
    service = SearchService(index)
    try:
        expected = [_answer(service, params) for params in QUERIES]
        failures: list[str] = []

        def run(offset: int) -> None:
            for i in range(ROUNDS):
                which = (i + offset) % len(QUERIES)
                try:
                    got = _answer(service, QUERIES[which])
                except Exception as exc:  # the failure under test is any exception
                    failures.append(f"{type(exc).__name__}: {exc}")
                    return
                if got != expected[which]:
                    failures.append(f"query {which} answered differently")
                    return

        threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)  # switch threads often, as a busy server does
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=300)
        finally:
            sys.setswitchinterval(interval)
        assert not failures, failures[:5]
    finally:
        service.close()
