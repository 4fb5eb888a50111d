"""Search as you type and the size of answers: suggest latency and 10-hit bytes by encoding.

Suggest: every prefix (two letters or more) of every word of the query set, as a
visitor types it, the words before kept (``war kar``); timed in-process on the
engine without the service's answer cache, so each figure is a cold computation.
Bytes: ``GET /api/v1/search?q=…&per_page=10`` through the app for each query with
10 hits, as sent with ``Accept-Encoding: identity``, ``gzip`` and ``br`` (medians).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import QueryLine, log, query_terms, summary_ms
from search.service import SearchService
from search.suggest import suggest

MAX_TYPED = 400
"""Prefixes timed per engine: enough for a p99, a few seconds even on Whoosh."""
ENCODINGS = ("identity", "gzip", "br")


def typed_prefixes(lines: list[QueryLine], limit: int = MAX_TYPED) -> list[str]:
    """What a visitor's box holds while typing each query, keystroke by keystroke."""
    out: list[str] = []
    for line in lines:
        words = [w.strip('"') for w in query_terms(line.q)]
        for i, word in enumerate(words):
            head = " ".join([*words[:i], ""])
            out += [head + word[:n] for n in range(2, len(word) + 1)]
    return out[:limit]


def suggest_latency(index: Path, lines: list[QueryLine]) -> dict[str, Any]:
    service = SearchService(index)
    try:
        engine = service.engine()
        texts = typed_prefixes(lines)
        timings = []
        for text in texts:
            started = time.perf_counter()
            suggest(engine, text)
            timings.append(time.perf_counter() - started)
        return {"texts": len(texts), **summary_ms(timings)}
    finally:
        service.close()


def response_bytes(index: Path, lines: list[QueryLine]) -> dict[str, Any]:
    from web import create_app

    app = create_app({"INDEX_DIR": str(index), "RATELIMIT_ENABLED": False})
    client = app.test_client()
    sizes: dict[str, list[int]] = {e: [] for e in ENCODINGS}
    try:
        for line in lines:
            url = "/api/v1/search?" + urlencode({"q": line.q, "per_page": 10})
            plain = client.get(url, headers={"Accept-Encoding": "identity"})
            if plain.status_code != 200 or len(plain.get_json()["hits"]) < 10:
                continue
            for encoding in ENCODINGS:
                response = client.get(url, headers={"Accept-Encoding": encoding})
                sizes[encoding].append(len(response.get_data()))
    finally:
        app.extensions["archive_search.service"].close()
    counted = len(sizes["identity"])
    medians = {e: int(statistics.median(v)) if v else 0 for e, v in sizes.items()}
    return {"responses": counted, "median_bytes": medians}


def run(indexes: dict[str, Path], lines: list[QueryLine]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for engine, index in indexes.items():
        log(f"suggest: {engine}")
        out[engine] = {
            "suggest": suggest_latency(index, lines),
            "bytes": response_bytes(index, lines),
        }
    return out
