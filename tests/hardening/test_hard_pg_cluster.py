"""The postgres engine on a real primary and two streaming replicas (loopback), through the
CLI and a real gunicorn under a steady search load:

- a replica killed with ``kill -9`` and restarted: no request fails;
- a rebuild and an update published: no request fails, every answer is exactly the old or
  the new generation's (its ``total`` for ``q=MARKER`` is that state's count);
- the primary killed and a replica promoted: searches go on, and the next ``index`` run,
  given the same list of servers, writes to the new primary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest

from archive_search.pgcluster import Cluster, Node
from tests.conftest import new_pg_cluster
from tests.hardening.conftest import MARKER, Server, marked, run_index, write_state
from web.openapi import openapi_document

ARTICLES = 120
CLIENTS = 3


@dataclass
class Load:
    """Clients searching ``q=MARKER`` back to back; every reply kept, every failure too."""

    server: Server
    replies: list[tuple[str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> None:
        while not self.stop.is_set():
            try:
                reply = self.server.get(f"/api/v1/search?q={MARKER}&per_page=3&facets=0")
                body: dict[str, Any] = reply.json() if reply.status == 200 else {}
                with self.lock:
                    if reply.status != 200:
                        self.failures.append(f"{reply.status}: {reply.body[:300]!r}")
                    else:
                        self.replies.append((body["generation"], int(body["total"])))
            except Exception as exc:  # any failure is what the test counts
                with self.lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.005)

    def __enter__(self) -> Load:
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def count(self) -> int:
        with self.lock:
            return len(self.replies)

    def last(self, n: int) -> list[tuple[str, int]]:
        with self.lock:
            return self.replies[-n:]


def env_of(cluster: Cluster) -> dict[str, str]:
    return {
        "ARCHIVE_SEARCH_DATABASE_URL": ",".join(cluster.urls),
        "ARCHIVE_SEARCH_PUBLISH_WAIT": "5",
        "ARCHIVE_SEARCH_REPLICA_MAX_LAG": "2",
        # The tests count failed searches while servers die, not slow ones: on the shared
        # machine (nice 15 beside a full-priority bench, load 30+) a search of one word took
        # over the default 2 s now and then and its 503 failed the run (3 of 4 tests in two
        # runs, every failure a search_timeout). A search held by a dead server still fails.
        "ARCHIVE_SEARCH_TIME_LIMIT": "10",
    }


def index(cluster: Cluster, archive: Path, ix: Path, *extra: str) -> str:
    """Run ``archive-search index --engine postgres`` with every server named; the generation."""
    run = run_index(archive, ix, "--engine", "postgres", *extra, env=env_of(cluster))
    assert run.code == 0, run.stderr[-2000:]
    return str(run.report["generation"])


def transactions(node: Node) -> int:
    with psycopg.connect(node.url, autocommit=True) as conn:
        row = conn.execute("SELECT sum(xact_commit) FROM pg_stat_database").fetchone()
    assert row is not None
    return int(row[0])


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def health(server: Server, node: Node) -> tuple[str, bool | None]:
    """/healthz's status and whether it says ``node`` answers (checked against OpenAPI)."""
    body = server.get("/healthz").json()
    jsonschema.validate(body, openapi_document()["components"]["schemas"]["Health"])
    up = [s["up"] for s in body.get("servers", []) if s["host"] == f"127.0.0.1:{node.port}"]
    return body["status"], up[0] if up else None


def check(load: Load, states: dict[str, int]) -> None:
    assert load.failures == [], load.failures[:5]
    wrong = [(g, t) for g, t in load.replies if g not in states or t != marked(states[g], ARTICLES)]
    assert wrong == [], wrong[:5]


@pytest.fixture
def served(
    pg_cluster: Cluster, tmp_path: Path, serve: Any
) -> Iterator[tuple[Cluster, Path, Path, Server]]:
    archive, ix = write_state(tmp_path / "archive", 0, ARTICLES), tmp_path / "ix"
    index(pg_cluster, archive, ix, "--rebuild")
    yield pg_cluster, archive, ix, serve(ix, workers=2, env=env_of(pg_cluster))


@pytest.mark.slow
def test_a_replica_killed_and_restarted_under_load_fails_no_search(
    served: tuple[Cluster, Path, Path, Server],
) -> None:
    cluster, _, _, server = served
    victim = cluster.replicas[0]
    with Load(server) as load:
        wait_for(lambda: load.count() > 50, 30, "searches answered")
        cluster.kill(victim)
        after_kill = load.count()
        wait_for(lambda: load.count() > after_kill + 100, 30, "searches go on")
        # /healthz stays ok and says which server is down (as the answering worker sees it)
        wait_for(lambda: health(server, victim) == ("ok", False), 10, "/healthz shows it down")
        cluster.start(victim)
        started = transactions(victim)
        # the routers' next checks find it (every second, down hosts every 3 s); a fixed 6 s
        # gave it 60 transactions at load 20 (checks included), one short of the bar
        wait_for(lambda: transactions(victim) - started > 60, 30, "the restarted replica "
                 "gets searches")  # fmt: skip
        wait_for(lambda: health(server, victim) == ("ok", True), 10, "/healthz shows it back")
    assert {t for _, t in load.replies} == {marked(0, ARTICLES)}
    check(load, {load.replies[0][0]: 0})


def test_a_rebuild_and_an_update_published_under_load_serve_old_or_new(
    served: tuple[Cluster, Path, Path, Server],
) -> None:
    cluster, archive, ix, server = served
    with Load(server) as load:
        wait_for(lambda: load.count() > 30, 30, "searches answered")
        states = {load.last(1)[0][0]: 0}
        for state, extra in ((1, ("--rebuild",)), (2, ())):
            write_state(archive, state, ARTICLES)
            states[index(cluster, archive, ix, *extra)] = state
            newest = load.count()
            # the publish waited for the replicas: every worker soon serves the new one
            wait_for(lambda n=newest: load.count() > n + 30, 30, "searches after the publish")
            wait_for(lambda s=state: all(states.get(g) == s for g, _ in load.last(10)), 15,
                     f"state {state} served everywhere")  # fmt: skip
    check(load, states)
    assert set(states.values()) == {states.get(g) for g, _ in load.replies}


@pytest.mark.slow
def test_after_the_primary_dies_and_a_replica_is_promoted_the_next_index_succeeds(
    tmp_path: Path, serve: Any
) -> None:
    with new_pg_cluster() as cluster:
        archive, ix = write_state(tmp_path / "archive", 0, ARTICLES), tmp_path / "ix"
        states = {index(cluster, archive, ix, "--rebuild"): 0}
        server = serve(ix, workers=2, env=env_of(cluster))
        heir = cluster.replicas[0]
        with Load(server) as load:
            wait_for(lambda: load.count() > 30, 30, "searches answered")
            cluster.kill(cluster.primary)
            killed = load.count()
            wait_for(lambda: load.count() > killed + 100, 30, "searches go on without a primary")
            cluster.promote(heir)
            write_state(archive, 1, ARTICLES)
            states[index(cluster, archive, ix, "--rebuild")] = 1
            # the other replica still follows the dead primary: it falls behind the new one
            # and is avoided once past the lag limit, so every search soon sees state 1
            wait_for(lambda: all(states.get(g) == 1 for g, _ in load.last(20)), 30,
                     "the new primary's generation served")  # fmt: skip
        check(load, states)
        assert cluster.role(heir) == "primary"


@pytest.mark.slow
def test_a_publish_while_a_replica_lags_within_the_limit_fails_no_search(
    pg_cluster: Cluster, tmp_path: Path, serve: Any
) -> None:
    """A replica behind but within the lag limit has not yet got the new generation's tables
    when a worker, told of the publication by the other replica, sends it a search."""
    archive, ix = write_state(tmp_path / "archive", 0, ARTICLES), tmp_path / "ix"
    states = {index(pg_cluster, archive, ix, "--rebuild"): 0}
    server = serve(
        ix, workers=2, env={**env_of(pg_cluster), "ARCHIVE_SEARCH_REPLICA_MAX_LAG": "600"}
    )
    late = pg_cluster.replicas[1]
    with Load(server) as load:
        wait_for(lambda: load.count() > 30, 30, "searches answered")
        with psycopg.connect(late.url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            try:
                write_state(archive, 1, ARTICLES)
                states[index(pg_cluster, archive, ix, "--rebuild")] = 1
                before = load.count()
                wait_for(lambda: load.count() > before + 100, 30, "searches after the publish")
            finally:
                conn.execute("SELECT pg_wal_replay_resume()")
        wait_for(lambda: all(states.get(g) == 1 for g, _ in load.last(20)), 30, "state 1 served")
    check(load, states)
