"""HTTP through a real gunicorn (2 sync workers, the settings of ``archive-search serve``).

Two load generators of our own; only 127.0.0.1 is ever contacted, rate
limiting is switched off (``ARCHIVE_SEARCH_RATE_LIMIT=off``), and the
generator shares the two cores with the server, so every figure is a floor.

- Closed loop (:func:`run`): ``CLIENTS`` connections sending the query set
  round-robin to ``/api/v1/search`` until the time is up: requests/s and
  latency. Through ``wrk`` (``bench.wrk``) when it is installed; otherwise
  ``CLIENTS`` threads, each with one ``http.client`` connection.
- Open loop (:func:`hardening`, in ``bench.openloop``): requests sent at a
  fixed rate whatever the answers, stepped up to find the sustained rate at
  which p99 stays under 500 ms, then the same mix with 10% hostile queries.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import openloop, wrk
from bench.common import ROOT, QueryLine, log, summary_ms

HOST = "127.0.0.1"
WORKERS = 2
CLIENTS = 8
STARTUP_TIMEOUT_S = 180.0
"""Opening a large index (or a database generation) while the machine is busy takes minutes."""
MAX_REQUESTS_PER_CLIENT = 100_000


@dataclass
class ClientTally:
    durations: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_gunicorn(
    index_dir: Path, port: int, logfile: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "ARCHIVE_SEARCH_INDEX": str(index_dir), "ARCHIVE_SEARCH_RATE_LIMIT": "off"}
    env.update(extra_env or {})
    # Our own control socket: the default one in ~/.gunicorn is shared with any other gunicorn.
    control = ["--control-socket", str(logfile.with_name("gunicorn.ctl"))]
    command = [
        str(gunicorn),
        "-w",
        str(WORKERS),
        "-b",
        f"{HOST}:{port}",
        *control,
        "web:create_app()",
    ]
    with logfile.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    """Until ``/healthz`` answers 200, or fail after a bounded wait."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            last = f"status {status}"
        except OSError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer /healthz with 200 within {STARTUP_TIMEOUT_S:.0f} s (last: {last})"
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def client(port: int, paths: list[str], start: int, deadline: float, tally: ClientTally) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        for n in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= deadline:
                break
            path = paths[(start + n) % len(paths)]
            began = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                tally.errors[type(exc).__name__] += 1
                conn.close()
                continue
            if response.status == 200:
                tally.durations.append(time.perf_counter() - began)
            else:
                tally.errors[f"HTTP {response.status}"] += 1
    finally:
        conn.close()


def generate(port: int, paths: list[str], seconds: float, clients: int) -> dict[str, Any]:
    tallies = [ClientTally() for _ in range(clients)]
    started = time.perf_counter()
    deadline = started + seconds
    step = max(1, len(paths) // clients)
    threads = [
        threading.Thread(target=client, args=(port, paths, i * step, deadline, tally), daemon=True)
        for i, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    durations = [d for t in tallies for d in t.durations]
    errors: Counter[str] = Counter()
    for t in tallies:
        errors.update(t.errors)
    return {
        "seconds": round(elapsed, 2),
        "clients": clients,
        "requests": len(durations),
        "requests_per_s": round(len(durations) / elapsed, 1),
        **summary_ms(durations),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def search_paths(lines: list[QueryLine]) -> list[str]:
    return ["/api/v1/search?" + urlencode(line.params(), doseq=True) for line in lines]


@contextmanager
def serving(index_dir: Path, work: Path) -> Iterator[int]:
    """A gunicorn on a free port of 127.0.0.1 serving ``index_dir``, stopped on exit."""
    with gunicorn_process(index_dir, work) as (port, _):
        yield port


@contextmanager
def gunicorn_process(
    index_dir: Path, work: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[int, int]]:
    """``serving`` with more environment; yields the port and gunicorn's process id."""
    port = free_port()
    proc = start_gunicorn(index_dir, port, work / f"gunicorn-{port}.log", env)
    try:
        wait_ready(port, proc)
        yield port, proc.pid
    finally:
        stop(proc)


def run(
    index_dir: Path, lines: list[QueryLine], work: Path, *, seconds: float, warmup: float = 3.0
) -> dict[str, Any]:
    """Closed loop through ``wrk`` when installed, else through our own Python clients."""
    with serving(index_dir, work) as port:
        paths = search_paths(lines)
        tool = "wrk" if wrk.available() else "Python threads"
        log(f"http: warm-up, then {seconds:.0f} s with {CLIENTS} clients ({tool}) on port {port}")
        generate(port, paths, min(warmup, seconds), CLIENTS)
        if wrk.available():
            figures = wrk.generate(f"http://{HOST}:{port}", paths, seconds, CLIENTS, work)
        else:
            figures = generate(port, paths, seconds, CLIENTS)
            figures["generator"] = tool
        figures["workers"] = WORKERS
        return figures


P99_TARGET_MS = 500.0
HOSTILE_SHARE = 0.1
START_RATE = 2.0
RATE_FACTOR = 1.5


def _sustainable(step: dict[str, Any]) -> bool:
    return bool(
        step["p99_ms"] < P99_TARGET_MS
        and step["normal_failed"] == 0
        and step["achieved_per_s"] >= 0.9 * step["rate"]
    )


def find_sustained(
    port: int, normal: list[openloop.Request], step_s: float, budget_s: float
) -> tuple[float | None, list[dict[str, Any]]]:
    """Step the rate up by ``RATE_FACTOR`` until p99 passes 500 ms or the budget is spent."""
    steps: list[dict[str, Any]] = []
    sustained: float | None = None
    rate = START_RATE
    deadline = time.perf_counter() + budget_s
    while time.perf_counter() + step_s < deadline:
        log(f"load: open loop at {rate:.1f} requests/s for {step_s:.0f} s")
        step = openloop.summarise(openloop.send(port, normal, rate, step_s), rate, step_s)
        steps.append(step)
        if not _sustainable(step):
            break
        sustained = rate
        rate *= RATE_FACTOR
    return sustained, steps


def hardening(
    index_dir: Path,
    lines: list[QueryLine],
    work: Path,
    *,
    step_s: float,
    phase_s: float,
    budget_s: float,
) -> dict[str, Any]:
    """The load test of the hardening issue: sustained rate, then 10% hostile at that rate."""
    with serving(index_dir, work) as port:
        normal = openloop.normal_mix(lines)
        openloop.send(port, normal, START_RATE, min(3.0, step_s))  # warm caches
        sustained, steps = find_sustained(port, normal, step_s, budget_s)
        rate = sustained or START_RATE
        log(f"load: {phase_s:.0f} s at {rate:.1f}/s without, then with 10% hostile queries")
        base = openloop.summarise(openloop.send(port, normal, rate, phase_s), rate, phase_s)
        mixed = openloop.with_hostile(normal, HOSTILE_SHARE)
        attacked = openloop.summarise(openloop.send(port, mixed, rate, phase_s), rate, phase_s)
    ratio = attacked["p99_ms"] / base["p99_ms"] if base["p99_ms"] > 0 else None
    hostile = attacked["hostile"] or {}
    return {
        "workers": WORKERS,
        "p99_target_ms": P99_TARGET_MS,
        "steps": steps,
        "sustained_per_s": sustained,
        "test_rate_per_s": rate,
        "without_hostile": base,
        "with_hostile": attacked,
        "p99_ratio": round(ratio, 2) if ratio is not None else None,
        "status_5xx": base["status_5xx"] + attacked["status_5xx"],
        "promise_kept": bool(
            ratio is not None
            and ratio <= 2.0
            and base["status_5xx"] + attacked["status_5xx"] == 0
            and hostile.get("all_as_expected", False)
        ),
    }
