"""Replica routing against a real primary and two streaming replicas on loopback: searches
spread over the replicas, a replica killed with ``kill -9`` under load fails no request, a
replica that falls behind is avoided, publishing waits for replay, and a promoted replica
takes the writes after the primary is killed."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import psycopg
import pytest

from archive_search.pgcluster import Cluster, Node
from search.postgres_engine.routing import Databases, DatabaseUnavailable
from tests.conftest import new_pg_cluster


class Load:
    """Threads running ``db.read(fn)`` back to back until stopped; counts answers per port
    and keeps every failure."""

    def __init__(self, db: Databases, fn: Callable[[psycopg.Connection], object], threads: int = 4):
        self.db, self.fn = db, fn
        self.served: Counter[int] = Counter()
        self.failures: list[BaseException] = []
        self.results: list[object] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                port, result = self.db.read(lambda c: (c.info.port, self.fn(c)))
            except Exception as exc:  # every failure is what the test counts
                with self._lock:
                    self.failures.append(exc)
                continue
            with self._lock:
                self.served[port] += 1
                self.results.append(result)
            time.sleep(0.002)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def count(self, port: int) -> int:
        with self._lock:
            return self.served[port]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def count_rows(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def db(pg_cluster: Cluster) -> Iterator[Databases]:
    with Databases(pg_cluster.urls, max_lag=1.0) as databases:
        yield databases


def make_table(db: Databases, name: str, rows: int) -> None:
    with db.primary() as conn:
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(f"CREATE TABLE {name} AS SELECT generate_series(1, {rows}) AS n")
    report = db.wait_for_replay(db.current_lsn(), timeout=10)
    assert not report.behind and not report.down, report


def test_writes_go_to_the_primary_and_reads_to_both_replicas(
    pg_cluster: Cluster, db: Databases
) -> None:
    make_table(db, "routing_spread", 3)
    with db.primary() as conn:
        assert conn.info.port == pg_cluster.primary.port
    served = Counter(db.read(lambda c: c.info.port) for _ in range(20))
    assert set(served) == {n.port for n in pg_cluster.replicas}
    assert all(db.read(lambda c: count_rows(c, "routing_spread")) == 3 for _ in range(4))


def test_one_url_with_libpq_multi_host_syntax(pg_cluster: Cluster) -> None:
    hosts = ",".join(f"127.0.0.1:{n.port}" for n in pg_cluster.nodes.values())
    url = f"postgresql://postgres@{hosts}/archive?target_session_attrs=any"
    with Databases([url]) as db:
        with db.primary() as conn:
            assert conn.info.port == pg_cluster.primary.port
        assert db.read(lambda c: c.info.port) in {n.port for n in pg_cluster.replicas}


def test_the_primary_alone_serves_reads_and_a_query_timeout_is_not_a_dead_host(
    pg_cluster: Cluster,
) -> None:
    with Databases([pg_cluster.primary.url]) as db:
        assert db.read(lambda c: c.info.port) == pg_cluster.primary.port

        def slow(conn: psycopg.Connection) -> object:
            conn.execute("SET statement_timeout = 50")
            return conn.execute("SELECT pg_sleep(2)").fetchone()

        with pytest.raises(psycopg.errors.QueryCanceled):
            db.read(slow)
        assert db.status()[0]["up"] is True
        assert db.read(lambda c: c.info.port) == pg_cluster.primary.port


@pytest.mark.slow
def test_a_replica_killed_and_restarted_under_load_fails_no_request(
    pg_cluster: Cluster, db: Databases
) -> None:
    make_table(db, "routing_kill", 1000)
    victim, other = pg_cluster.replicas
    with Load(db, lambda c: count_rows(c, "routing_kill")) as load:
        wait_until(lambda: load.count(victim.port) > 20, 10, "the victim serves")
        pg_cluster.kill(victim)
        killed_at = load.count(other.port)
        wait_until(lambda: load.count(other.port) > killed_at + 200, 20, "the other serves on")
        pg_cluster.start(victim)
        back = load.count(victim.port)
        wait_until(lambda: load.count(victim.port) > back + 20, 20, "the victim serves again")
    assert load.failures == []
    assert set(load.results) == {1000}


def pause_replay(node: Node, paused: bool) -> None:
    with psycopg.connect(node.url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def test_a_replica_that_falls_behind_is_avoided_and_publishing_says_so(
    pg_cluster: Cluster, db: Databases, caplog: pytest.LogCaptureFixture
) -> None:
    make_table(db, "routing_lag", 1)
    late, fresh = pg_cluster.replicas
    pause_replay(late, True)
    try:
        with db.primary() as conn:
            conn.execute("INSERT INTO routing_lag VALUES (2)")
        report = db.wait_for_replay(db.current_lsn(), timeout=0.5)
        assert report.behind == (f"127.0.0.1:{late.port}",)
        assert report.replayed == (f"127.0.0.1:{fresh.port}",)
        assert f"not yet replayed within 0.5 s by 127.0.0.1:{late.port}" in caplog.text
        time.sleep(db.max_lag + 2 * db.check_interval)
        served = Counter(db.read(lambda c: (c.info.port, count_rows(c, "routing_lag")))
                         for _ in range(20))  # fmt: skip
        assert served == Counter({(fresh.port, 2): 20})
    finally:
        pause_replay(late, False)
    report = db.wait_for_replay(db.current_lsn(), timeout=10)
    assert not report.behind
    wait_until(lambda: db.read(lambda c: c.info.port) == late.port, 10, "the late one is back")


@pytest.mark.slow
def test_after_the_primary_dies_reads_go_on_and_a_promoted_replica_takes_writes() -> None:
    with new_pg_cluster() as cluster, Databases(cluster.urls) as db:
        make_table(db, "routing_failover", 10)
        heir = cluster.replicas[0]
        with Load(db, lambda c: count_rows(c, "routing_failover")) as load:
            time.sleep(0.5)
            cluster.kill(cluster.primary)
            wait_until(lambda: not db.status()[0]["up"], 10, "the dead primary is seen")
            with pytest.raises(DatabaseUnavailable), db.primary() as conn:
                conn.execute("SELECT 1")
            cluster.promote(heir)
            wait_until(lambda: db._primary() is not None, 10, "the promoted primary is found")
            with db.primary() as conn:
                assert conn.info.port == heir.port
                conn.execute("INSERT INTO routing_failover VALUES (11)")
            before = sum(load.served.values())
            wait_until(lambda: sum(load.served.values()) > before + 100, 20, "reads go on")
        assert load.failures == []
        assert set(load.results) <= {10, 11}
        # the old primary comes back as a primary too: the promoted one, on the higher
        # timeline, keeps the writes
        cluster.start(cluster.primary)
        wait_until(lambda: db.status()[0]["up"] is True, 10, "the old primary is seen again")
        assert [s["role"] for s in db.status()[:2]] == ["primary", "primary"]
        with db.primary() as conn:
            assert conn.info.port == heir.port


def test_a_forked_child_opens_its_own_connections(pg_cluster: Cluster, db: Databases) -> None:
    """As a gunicorn worker forked after the parent used the databases: the child must not
    talk over the parent's sessions (two processes on one socket garble both)."""

    def session(conn: psycopg.Connection) -> tuple[int, int]:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        return conn.info.port, int(row[0])

    parents = {db.read(session) for _ in range(10)}
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 only if it read through sessions of its own
        try:
            ok = all(db.read(session) not in parents for _ in range(4))
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert all(db.read(lambda c: c.execute("SELECT 1").fetchone()) == (1,) for _ in range(10))


def test_a_forked_child_is_not_held_by_a_lock_a_parents_thread_held_at_the_fork(
    pg_cluster: Cluster, db: Databases
) -> None:
    db.read(lambda c: c.execute("SELECT 1").fetchone())
    with db._lock, db._check_lock:  # as the health-check thread may hold them at the fork
        pid = os.fork()
        if pid == 0:
            try:
                ok = db.read(lambda c: c.execute("SELECT 1").fetchone()) == (1,)
            finally:
                os._exit(0 if ok else 1)
    for _ in range(600):  # the child blocked on the held lock never ends: killed after 60 s
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung on a lock the parent held at the fork")
    assert os.waitstatus_to_exitcode(status) == 0


def test_require_keeps_reads_off_a_standby_that_has_not_replayed(pg_cluster: Cluster) -> None:
    late, fresh = pg_cluster.replicas
    with Databases(pg_cluster.urls, max_lag=600) as db:  # lag alone would not avoid it
        make_table(db, "routing_floor", 1)
        pause_replay(late, True)
        try:
            with db.primary() as conn:
                conn.execute("INSERT INTO routing_floor VALUES (2)")
            written = db.current_lsn()
            assert db.wait_for_replay(written, timeout=5).behind == (f"127.0.0.1:{late.port}",)
            before = Counter(db.read(lambda c: c.info.port) for _ in range(10))
            assert set(before) == {late.port, fresh.port}
            rows, position = db.read_at(lambda c: count_rows(c, "routing_floor"))
            db.require(written)
            after = Counter(db.read(lambda c: (c.info.port, count_rows(c, "routing_floor")))
                            for _ in range(10))  # fmt: skip
            assert after == Counter({(fresh.port, 2): 10})
            # read_at's position covers what its answer saw
            assert (rows == 2) == (position >= written)
        finally:
            pause_replay(late, False)


def test_a_busy_pool_is_not_a_dead_host(pg_cluster: Cluster) -> None:
    with Databases([pg_cluster.primary.url], pool_size=1, connect_timeout=1) as db:
        holding = threading.Thread(
            target=db.read, args=(lambda c: c.execute("SELECT pg_sleep(3)"),)
        )
        holding.start()
        time.sleep(0.5)
        with pytest.raises(DatabaseUnavailable, match="couldn't get a connection"):
            db.read(lambda c: c.execute("SELECT 1"))
        assert db.status()[0]["up"] is True
        holding.join()
        assert db.read(lambda c: c.execute("SELECT 1").fetchone()) == (1,)
