"""Requests per second through a real gunicorn (2 sync workers, default settings).

A small load generator of our own: ``CLIENTS`` threads, each with one
keep-alive ``http.client`` connection (gunicorn's sync workers close it after
each response and the client reopens it), sending the query set round-robin
to ``/api/v1/search`` until the time is up. Only 127.0.0.1 is ever contacted.
The generator shares the two cores with the server, so the figure is a floor.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import ROOT, log, summary_ms

HOST = "127.0.0.1"
WORKERS = 2
CLIENTS = 8
STARTUP_TIMEOUT_S = 60.0
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


def start_gunicorn(index_dir: Path, port: int, logfile: Path) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "ARCHIVE_SEARCH_INDEX": str(index_dir)}
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
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {STARTUP_TIMEOUT_S:.0f} s")


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


def search_paths(queries: list[str]) -> list[str]:
    return ["/api/v1/search?" + urlencode({"q": q}) for q in queries]


def run(index_dir: Path, queries: list[str], work: Path, *, seconds: float) -> dict[str, Any]:
    port = free_port()
    logfile = work / "gunicorn.log"
    proc = start_gunicorn(index_dir, port, logfile)
    try:
        wait_ready(port, proc)
        paths = search_paths(queries)
        log(f"http: warm-up, then {seconds:.0f} s with {CLIENTS} clients on port {port}")
        generate(port, paths, min(3.0, seconds), CLIENTS)
        figures = generate(port, paths, seconds, CLIENTS)
        figures["workers"] = WORKERS
        return figures
    finally:
        stop(proc)
