"""Requests per second through gunicorn on the postgres engine, with searches on the primary
alone, on one replica and on two (``make pg-cluster``'s script, loopback), and what a request
costs each server: the figures that predict a larger machine.

On this machine every server shares the same two cores with gunicorn and ``wrk``, so adding
a replica cannot add throughput here; what carries over is the CPU time per request, read
from ``/proc`` for each PostgreSQL server (its postmaster and every backend) and for
gunicorn. A replica on its own machine of ``C`` cores answers about ``C × 1000 / db_ms``
searches a second; the web tier needs ``app_ms`` per request wherever it runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from archive_search.pgcluster import Cluster, Node, postgres_bin
from bench import load, wrk
from bench.common import CorpusMissing, QueryLine, log
from search.postgres_engine.routing import Databases

CLIENTS = load.CLIENTS
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(root_pid: int) -> float:
    """CPU seconds (user + system) of ``root_pid``, of its live children, and of the children
    it has reaped (a postmaster reaps its backends, a gunicorn master its workers), so a
    process ending between two readings takes no time away."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root_pid:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif ppid == root_pid:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def index_archive(archive: Path, index_dir: Path, url: str) -> float:
    """Build the archive into the primary through the CLI; seconds taken."""
    command = [
        str(Path(sys.executable).with_name("archive-search")), "index", str(archive),
        "--index", str(index_dir), "--engine", "postgres", "--database", url, "--quiet",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):  # 1: some files reported, the rest indexed
        raise RuntimeError(f"index failed ({done.returncode}): {done.stderr[-800:]}")
    return time.perf_counter() - started


def check_available() -> None:
    """``CorpusMissing`` (the bench's skip) without PostgreSQL's programs or the engine."""
    from search.registry import ENGINES

    if postgres_bin() is None:
        raise CorpusMissing("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    if "postgres" not in ENGINES:
        raise CorpusMissing("the postgres engine is not registered (search/registry.py)")


def settle(made: Cluster) -> None:
    """Vacuum and checkpoint after the build and wait for the replicas to replay it, so
    autovacuum's work on the new tables (on the primary, replayed by the replicas) is not
    charged to the searches measured after."""
    with psycopg.connect(made.primary.url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    with Databases(made.urls, background=False) as servers:
        report = servers.wait_for_replay(servers.current_lsn(), timeout=120)
    if report.behind or report.down:
        raise RuntimeError(f"replicas did not replay the build: {report}")


@contextmanager
def cluster(work: Path) -> Iterator[Cluster]:
    check_available()
    root = Path(tempfile.mkdtemp(prefix="bench-pg-", dir="/tmp"))
    os.chmod(root, 0o755)
    made = Cluster.create(root / "c", replicas=2)
    try:
        yield made
    finally:
        made.stop_all()
        subprocess.run(["rm", "-rf", str(root)], check=False)


def measure(
    nodes: list[Node], index_dir: Path, paths: list[str], work: Path, seconds: float
) -> dict[str, Any]:
    """One closed-loop run with ``nodes`` named to the service (the first is the primary)."""
    env = {"ARCHIVE_SEARCH_DATABASE_URL": ",".join(n.url for n in nodes)}
    with load.gunicorn_process(index_dir, work, env) as (port, gunicorn_pid):
        load.generate(port, paths, min(3.0, seconds), CLIENTS)  # warm pools and caches
        pids = {n.name: n.pid() for n in nodes}
        before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
        app_before = cpu_seconds(gunicorn_pid)
        if wrk.available():
            figures = wrk.generate(f"http://{load.HOST}:{port}", paths, seconds, CLIENTS, work)
        else:
            figures = load.generate(port, paths, seconds, CLIENTS)
        requests = max(1, int(figures["requests"]))
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items() if pid}
        figures["app_cpu_ms_per_request"] = round(
            (cpu_seconds(gunicorn_pid) - app_before) * 1000 / requests, 3
        )
        figures["db_cpu_ms_per_request"] = {
            name: round(spent * 1000 / requests, 3) for name, spent in cpu.items()
        }
    return figures


def run(archive: Path, lines: list[QueryLine], work: Path, *, seconds: float) -> dict[str, Any]:
    paths = load.search_paths(lines)
    with cluster(work) as made:
        primary, first, second = made.primary, *made.replicas
        index_dir = work / "pg-index"
        log(f"pgcluster: indexing {archive.name} into the primary (port {primary.port})")
        built = index_archive(archive, index_dir, primary.url)
        settle(made)
        results: dict[str, Any] = {"index_seconds": round(built, 1), "setups": {}}
        setups = {"primary only": [primary], "1 replica": [primary, first],
                  "2 replicas": [primary, first, second]}  # fmt: skip
        for label, nodes in setups.items():
            log(f"pgcluster: {label}, {seconds:.0f} s with {CLIENTS} clients")
            results["setups"][label] = measure(nodes, index_dir, paths, work, seconds)
    results["model"] = model(results["setups"])
    return results


def model(setups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per-request costs: the median over the runs of the CPU ms a search took on the
    database (each went to one server, so the servers' shares add up) and in gunicorn, and
    the searches a second one core of each sustains."""
    db_ms = statistics.median(sum(x["db_cpu_ms_per_request"].values()) for x in setups.values())
    app_ms = statistics.median(x["app_cpu_ms_per_request"] for x in setups.values())
    return {
        "db_cpu_ms_per_search": round(db_ms, 3),
        "app_cpu_ms_per_search": round(app_ms, 3),
        "searches_per_s_per_db_core": round(1000 / db_ms, 1) if db_ms else None,
        "searches_per_s_per_app_core": round(1000 / app_ms, 1) if app_ms else None,
    }
