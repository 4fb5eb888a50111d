"""Reindexing while a real gunicorn answers a steady stream of searches.

Every response must be a 200 and consistent with exactly one generation: the
``total`` for ``q=MARKER`` must equal the number of marked articles in the
archive state that generation was built from (recorded from the indexer's
``--json`` summary). A response mixing two generations, a failed request or
a 5xx during a swap fails the test.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.conftest import MARKER, Server, marked, run_index, write_state

ARTICLES = 200
CLIENTS = 3
PAUSE = 0.01
"""Seconds between a client's requests: a steady stream that leaves the indexer CPU time."""


@dataclass
class Seen:
    replies: list[tuple[int, str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(server: Server, stop: threading.Event, seen: Seen, limit: int) -> None:
    for sent in range(limit):
        if stop.is_set():
            return
        per_page = 1 + sent % 10
        try:
            reply = server.get(f"/api/v1/search?q={MARKER}&per_page={per_page}&facets=0")
            body: dict[str, Any] = reply.json() if reply.status == 200 else {}
            with seen.lock:
                seen.replies.append(
                    (reply.status, body.get("generation", ""), int(body.get("total", -1)))
                )
                if reply.status != 200:
                    seen.failures.append(f"{reply.status}: {reply.body[:200]!r}")
                elif len(body["hits"]) != min(per_page, body["total"]):
                    seen.failures.append(f"{len(body['hits'])} hits for total {body['total']}")
        except Exception as exc:
            with seen.lock:
                seen.failures.append(f"{type(exc).__name__}: {exc}")
        time.sleep(PAUSE)


def _reindex_under_load(tmp_path: Path, serve: Any, rounds: int) -> None:
    archive = write_state(tmp_path / "archive", 0, ARTICLES)
    index = tmp_path / "ix"
    first = run_index(archive, index)
    assert first.code == 0, first.stderr
    states = {first.report["generation"]: 0}
    server = serve(index, workers=2)
    stop, seen = threading.Event(), Seen()
    threads = [
        threading.Thread(target=_client, args=(server, stop, seen, 100_000), daemon=True)
        for _ in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        for state in range(1, rounds + 1):
            write_state(archive, state, ARTICLES)
            extra = ("--rebuild",) if state % 3 == 0 else ()
            run = run_index(archive, index, *extra)
            assert run.code == 0, run.stderr
            assert run.report["mode"] == ("rebuild" if extra else "update")
            states[run.report["generation"]] = state
            time.sleep(0.3)  # let the clients see this generation before the next one
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not seen.failures, seen.failures[:10]
    wrong = [
        (status, gen, total)
        for status, gen, total in seen.replies
        if gen not in states or total != marked(states[gen], ARTICLES)
    ]
    assert not wrong, wrong[:10]
    served = {gen for _, gen, _ in seen.replies}
    assert len(served) >= rounds // 2 + 1, f"only {sorted(served)} of {sorted(states)} were seen"
    print(
        f"\n{rounds} reindexes under load: {len(seen.replies)} requests, all 200 and consistent; "
        f"{len(served)} generations served"
    )


def test_reindex_under_load(tmp_path: Path, serve: Any) -> None:
    _reindex_under_load(tmp_path, serve, rounds=4)


@pytest.mark.slow
def test_reindex_under_load_many_rounds(tmp_path: Path, serve: Any) -> None:
    _reindex_under_load(tmp_path, serve, rounds=20)
