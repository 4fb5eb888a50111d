"""An open-loop load generator: requests leave at a fixed rate whatever the server does.

A closed loop (each client waits for its answer) slows down with the server
and hides queueing; here request *i* is due at ``start + i / rate`` and its
latency is measured from that due time, so time spent waiting for a free
sender thread counts (no coordinated omission). Each request opens its own
connection to 127.0.0.1, as gunicorn's sync workers close it anyway.

The mix: cheap queries (single words without facets or snippets), the search
page's work (facets and snippets), phrases, filters and date sorts; and the
hostile queries of the hardening issue, each of which must be answered 4xx (or,
for control characters, which are stripped, by a time-limited search),
fast.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from bench.common import QueryLine, percentile, query_terms

HOST = "127.0.0.1"
SENDERS = 64
"""Threads sending requests; more than the server can ever hold open at 2 workers."""
REQUEST_TIMEOUT_S = 10.0
API = "/api/v1/search?"


@dataclass(frozen=True, slots=True)
class Request:
    kind: str
    """``normal`` or ``hostile:<what>``."""
    path: str


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    status: int
    """HTTP status, or 0 when the request failed (timeout, connection refused or reset)."""
    seconds: float


def normal_mix(lines: list[QueryLine]) -> list[Request]:
    """Each query line as the page would send it; every third word cheap, every fifth by date."""
    requests = []
    for n, line in enumerate(lines):
        params = line.params()
        if len(query_terms(line.q)) == 1 and not line.filters and n % 3 == 0:
            params |= {"facets": ["0"], "snippets": ["0"]}
        elif n % 5 == 0:
            params["sort"] = ["newest"]
        requests.append(Request("normal", API + urlencode(params, doseq=True)))
    return requests


def _raw(q: str, **extra: str) -> str:
    """A query path keeping ``( ) * " ~`` unescaped, as a hand-made attack would send them."""
    rest = "".join(f"&{k}={quote(v)}" for k, v in extra.items())
    return API + "q=" + quote(q, safe='()*"~') + rest


STRIPPED = "NUL bytes"
"""Control characters are stripped, as ``search.request`` documents, and the rest searched
within the time limit (the issue's "or a time-limited search"): a 200 is the right answer."""


HOSTILE = (
    Request("hostile:leading wildcard", _raw("*tion")),
    Request("hostile:leading wildcard 2", _raw("?ouse *ing")),
    Request("hostile:100 KB token", _raw("a" * 100_000)),
    Request("hostile:1,500 parentheses", _raw("(" * 750 + "war" + ")" * 750)),
    Request("hostile:300 ORs", _raw(" OR ".join(f"w{i}" for i in range(300)))),
    Request(f"hostile:{STRIPPED}", _raw("war\x00\x00peace")),
    Request("hostile:huge page", _raw("war", page="99999999999999999999")),
    Request("hostile:huge per_page", _raw("war", per_page="1000000")),
    Request("hostile:fuzzy 9 edits", _raw("government~9")),
    Request("hostile:long query", _raw(" ".join(["peace"] * 400))),
)


def with_hostile(normal: list[Request], share: float) -> list[Request]:
    """``normal`` with every ``round(1/share)``-th request replaced by the next hostile one."""
    every = max(1, round(1 / share))
    mixed, h = [], 0
    for n, request in enumerate(normal):
        if n % every == every - 1:
            mixed.append(HOSTILE[h % len(HOSTILE)])
            h += 1
        else:
            mixed.append(request)
    return mixed


def fetch(
    port: int, request: Request, due: float, out: list[Outcome], lock: threading.Lock
) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    status = 0
    try:
        conn.request("GET", request.path)
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    with lock:
        out.append(Outcome(request.kind, status, time.perf_counter() - due))


def send(port: int, requests: list[Request], rate: float, seconds: float) -> list[Outcome]:
    """Send ``requests`` round-robin at ``rate`` per second for ``seconds``; all outcomes."""
    out: list[Outcome] = []
    lock = threading.Lock()
    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            request = requests[n % len(requests)]
            futures.append(pool.submit(fetch, port, request, due, out, lock))
        for future in futures:
            future.result(timeout=REQUEST_TIMEOUT_S * 4 + seconds)
    return out


def summarise(outcomes: list[Outcome], rate: float, seconds: float) -> dict[str, Any]:
    """Figures of one run: normal requests' latency, statuses, hostile answers."""
    normal = [o for o in outcomes if o.kind == "normal"]
    ok = [o.seconds * 1000 for o in normal if o.status == 200]
    hostile = [o for o in outcomes if o.kind != "normal"]
    statuses = Counter(str(o.status) for o in outcomes)
    return {
        "rate": round(rate, 2),
        "seconds": seconds,
        "sent": len(outcomes),
        "achieved_per_s": round(len(ok) / seconds, 2),
        "normal_ok": len(ok),
        "normal_failed": len(normal) - len(ok),
        "p50_ms": round(percentile(ok, 50), 1),
        "p95_ms": round(percentile(ok, 95), 1),
        "p99_ms": round(percentile(ok, 99), 1),
        "status_5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "no_answer": statuses.get("0", 0),
        "statuses": dict(statuses),
        "hostile": _hostile(hostile) if hostile else None,
    }


def _expected(o: Outcome) -> bool:
    if o.kind == f"hostile:{STRIPPED}":
        return o.status == 200
    return 400 <= o.status < 500


def _hostile(outcomes: list[Outcome]) -> dict[str, Any]:
    by_kind: dict[str, Counter[int]] = {}
    for o in outcomes:
        by_kind.setdefault(o.kind.removeprefix("hostile:"), Counter())[o.status] += 1
    times = [o.seconds * 1000 for o in outcomes]
    return {
        "sent": len(outcomes),
        "all_as_expected": all(_expected(o) for o in outcomes),
        "unexpected": sum(1 for o in outcomes if not _expected(o)),
        "p50_ms": round(percentile(times, 50), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "statuses": {k: {str(s): n for s, n in c.items()} for k, c in by_kind.items()},
    }
