"""Slow and costly clients against real gunicorn: ``python -m bench.abuse INDEX``.

Starts gunicorn with exactly the command line of ``archive-search serve``
(``archive_search.cli.gunicorn_command``), on loopback, then measures:

1. ``slow``: with ``--slow`` connections open that send ``GET … HTTP/1.1``, a
   ``Host`` line and then one header line every 5 s (never finishing), the
   latency of ``/healthz`` and of a normal search from another client;
2. ``costly``: the latency of normal searches alone, then while four threads
   from another address send costly queries (fuzzy queries of 20–30 words,
   ``co* st* pr*``, 64 common words with ``match=any``, exports), each paced to
   ~0.5 requests/s (the issue's ~1.9 requests/s in all, under the request
   limit); the longest request of each kind, against the time cap.

The clients use three loopback addresses (127.0.0.2: normal searches,
127.0.0.3: costly ones, 127.0.0.4: slow connections), so the per-client
limits see three clients, as they would on the internet. Everything is
bounded: ``--slow`` at most 1,000 connections, each phase ``--seconds`` (at
most 120). Ratios are what to compare: the machine may be shared.

``--extra`` adds gunicorn options (before the app), to compare worker models
with the same harness, e.g. ``--extra "--worker-class sync"``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive_search.cli import gunicorn_command
from search import limits

ROOT = Path(__file__).resolve().parents[1]
NORMAL_ADDRESS, COSTLY_ADDRESS, SLOW_ADDRESS = "127.0.0.2", "127.0.0.3", "127.0.0.4"
NORMAL_WORDS = (
    "election", "economy", "film", "music", "minister", "football", "mobile", "market",
    "oil", "china", "award", "court", "police", "tax", "internet", "growth", "labour",
    "match", "software", "bank",
)  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COMMON = _words(
    "the of and to in a is that for it was on with as he be by at have are this from said "
    "has but not his they an which or had were will been their would its also year new one "
    "more people who we there can up after all first last out than she about when government "
    "two over time told into could just world other now what some only years them so if uk"
)
FUZZY_WORDS = _words(
    "market growth profit company shares prices economy bank sales film music award game "
    "player match team phone mobile software internet chief minister party labour election "
    "court police china oil games prime europe bbc"
)
NORMAL_PAUSE = 0.1
"""Seconds between two searches of the normal client."""
MAX_SLOW = 1_000
MAX_SECONDS = 120.0
PACE = 2.1
"""Seconds between two requests of one costly thread: four threads make ~1.9 requests/s."""


def costly_target(rng: random.Random) -> tuple[str, str]:
    """(kind, target) of one costly request, picked at random."""
    kind = rng.choice(("fuzzy", "prefix", "any64", "export"))
    if kind == "fuzzy":
        words = rng.sample(FUZZY_WORDS, rng.randint(20, 30))
        return kind, "/api/v1/search?" + _qs(q=" ".join(w + "~2" for w in words))
    if kind == "prefix":
        return kind, "/api/v1/search?" + _qs(q="co* st* pr*")
    if kind == "any64":
        return kind, "/api/v1/search?" + _qs(q=" ".join(COMMON[:64]), match="any")
    return kind, "/api/v1/export?" + _qs(q=rng.choice(COMMON[:20]), format="csv")


def _qs(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


@dataclass
class Sample:
    kind: str
    status: int
    seconds: float
    detail: str = ""


@dataclass
class Log:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def of(self, kind: str) -> list[Sample]:
        with self.lock:
            return [s for s in self.samples if s.kind == kind]


def get(port: int, target: str, source: str, timeout: float = 30.0) -> tuple[int, float]:
    """One GET on a fresh connection from ``source``: (status, seconds); status 0 on failure."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        conn.close()
    return status, time.perf_counter() - started


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    index: Path, workers: int, extra: list[str], env: dict[str, str], errors: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = gunicorn_command("127.0.0.1", port, workers)
    app = os.environ.get("BENCH_APP", command[-1])
    command = [*command[:-1], *extra, app]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={
            **os.environ,
            "ARCHIVE_SEARCH_INDEX": str(index),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=errors.open("ab") if errors else subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: {command}")
        if get(port, "/healthz", NORMAL_ADDRESS, timeout=2)[0] == 200:
            return process, port
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not come up")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- slow connections -----------------------------------------------------------------------


class SlowClients:
    """``count`` connections that never finish their headers: a line every ``every`` s."""

    def __init__(self, port: int, count: int, every: float = 5.0) -> None:
        self.port, self.count, self.every = port, min(count, MAX_SLOW), every
        self.socks: list[socket.socket] = []
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> socket.socket | None:
        try:
            sock = socket.create_connection(
                ("127.0.0.1", self.port), timeout=5, source_address=(SLOW_ADDRESS, 0)
            )
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n")
        except OSError:
            return None
        return sock

    def __enter__(self) -> SlowClients:
        self.socks = [s for s in (self._open() for _ in range(self.count)) if s is not None]
        self._thread.start()
        return self

    def _run(self) -> None:
        line = 0
        while not self._stop.wait(self.every):
            line += 1
            for n, sock in enumerate(self.socks):
                try:
                    sock.sendall(f"X-Slow-{line}: {'a' * 8}\r\n".encode())
                except OSError:  # the server closed it: an attacker opens another
                    sock.close()
                    self.reopened += 1
                    self.socks[n] = self._open() or sock

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.socks:
            sock.close()


# -- phases ---------------------------------------------------------------------------------


def normal_client(port: int, log: Log, stop: threading.Event, healthz: bool) -> None:
    rng = random.Random(7)
    while not stop.is_set():
        target = "/api/v1/search?" + _qs(q=rng.choice(NORMAL_WORDS))
        log.add(Sample("normal", *get(port, target, NORMAL_ADDRESS)))
        if healthz:
            log.add(Sample("healthz", *get(port, "/healthz", NORMAL_ADDRESS)))
        stop.wait(NORMAL_PAUSE)


def costly_client(port: int, log: Log, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        started = time.monotonic()
        kind, target = costly_target(rng)
        log.add(Sample("costly", *get(port, target, COSTLY_ADDRESS), detail=kind))
        stop.wait(max(0.0, PACE - (time.monotonic() - started)))


def run_phase(port: int, seconds: float, costly: int = 0, healthz: bool = False) -> Log:
    log, stop = Log(), threading.Event()
    threads = [threading.Thread(target=normal_client, args=(port, log, stop, healthz))]
    threads += [
        threading.Thread(target=costly_client, args=(port, log, stop, n)) for n in range(costly)
    ]
    for thread in threads:
        thread.start()
    stop.wait(min(seconds, MAX_SECONDS))
    stop.set()
    for thread in threads:
        thread.join()
    return log


def summary(samples: list[Sample]) -> dict[str, Any]:
    if not samples:
        return {"count": 0}
    times = sorted(s.seconds * 1000 for s in samples)
    statuses: dict[str, int] = {}
    for s in samples:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return {
        "count": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(times[-1], 1),
        "statuses": statuses,
    }


def measure(
    index: Path,
    *,
    phases: tuple[str, ...] = ("slow", "costly"),
    slow: int = 200,
    seconds: float = 30.0,
    workers: int = 2,
    extra: str = "",
    tmp: Path = Path("/tmp"),
    errors: Path | None = None,
) -> dict[str, Any]:
    """Start gunicorn on ``index``, run the phases, stop it; the figures as a dict."""
    env = {
        "ARCHIVE_SEARCH_RATELIMIT_STORE": str(tmp / f"rl-{os.getpid()}-{time.time_ns()}.sqlite3"),
        # the normal client samples at ~8 requests/s; time budget and concurrency: defaults
        "ARCHIVE_SEARCH_RATE_LIMIT": "1200/minute;burst=200",
    }
    out: dict[str, Any] = {
        "extra": extra,
        "workers": workers,
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    process, port = start_server(index, workers, shlex.split(extra), env, errors)
    try:
        for _ in range(20):  # warm both workers: open the index, fill caches
            get(port, "/api/v1/search?q=election", NORMAL_ADDRESS)
        if "slow" in phases:
            with SlowClients(port, slow) as clients:
                time.sleep(1.0)
                log = run_phase(port, seconds, healthz=True)
                out["slow"] = {
                    "connections": len(clients.socks),
                    "reopened": clients.reopened,
                    "healthz": summary(log.of("healthz")),
                    "normal": summary(log.of("normal")),
                }
        if "costly" in phases:
            out["costly"] = costly_phase(port, seconds)
    finally:
        stop_server(process)
    return out


def costly_phase(port: int, seconds: float) -> dict[str, Any]:
    alone = run_phase(port, seconds)
    mixed = run_phase(port, seconds, costly=4)
    every = alone.samples + mixed.samples
    longest = max(every, key=lambda s: s.seconds)
    out: dict[str, Any] = {
        "normal_alone": summary(alone.of("normal")),
        "normal_with_costly": summary(mixed.of("normal")),
        "costly": summary(mixed.of("costly")),
        "costly_by_kind": {
            kind: summary([s for s in mixed.of("costly") if s.detail == kind])
            for kind in ("fuzzy", "prefix", "any64", "export")
        },
        "longest_request_ms": round(longest.seconds * 1000, 1),
        "longest_request": f"{longest.kind} {longest.detail} {longest.status}",
        "time_cap_ms": limits.SEARCH_TIME_LIMIT * 1000,
    }
    a, m = out["normal_alone"], out["normal_with_costly"]
    out["p99_ratio"] = round(m["p99_ms"] / max(a["p99_ms"], 0.1), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.abuse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("index", help="a built index (e.g. of ../shared/corpora/bbc)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slow", type=int, default=200, help=f"slow connections (≤ {MAX_SLOW})")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--phases", default="slow,costly")
    parser.add_argument("--extra", default="", help="gunicorn options added before the app")
    parser.add_argument("--tmp", default="/tmp")
    parser.add_argument("--errors", default="", help="append gunicorn's error log to this file")
    args = parser.parse_args(argv)
    result = measure(
        Path(args.index), phases=tuple(args.phases.split(",")), slow=args.slow,
        seconds=args.seconds, workers=args.workers, extra=args.extra, tmp=Path(args.tmp),
        errors=Path(args.errors) if args.errors else None,
    )  # fmt: skip
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
