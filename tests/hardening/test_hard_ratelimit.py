"""Per-client rate limiting: the token bucket, its shared SQLite store, and the real thing.

The limit must hold across gunicorn workers (a shared store, not a counter
per process), answer 429 with ``Retry-After`` in the one error shape (a page
for browsers), leave ``/healthz`` and static files alone, and let requests
through when its store is unusable.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.hardening.conftest import MARKER, assert_no_trace
from web import create_app
from web.openapi import openapi_document
from web.ratelimit import (
    BucketStore,
    Rate,
    default_store_path,
    parse_proxies,
    parse_rate,
    refill,
    retry_after,
)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("60/minute;burst=30", Rate(1.0, 30)),
        ("60/minute", Rate(1.0, 60)),
        ("10 / second ; burst = 3", Rate(10.0, 3)),
        ("7200/hours", Rate(2.0, 7200)),
        ("OFF", None),
        ("false", None),
    ],
)
def test_parse_rate(text: str, rate: Rate | None) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "60", "60/fortnight", "0/minute", "5/minute;burst=0", "x/y"])
def test_parse_rate_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="bad rate limit"):
        parse_rate(text)


@pytest.mark.parametrize(("text", "proxies"), [("0", 0), (" 2 ", 2)])
def test_parse_proxies(text: str, proxies: int) -> None:
    assert parse_proxies(text) == proxies


@pytest.mark.parametrize("text", ["yes", "-1", "1.5", "²"])
def test_parse_proxies_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="bad ARCHIVE_SEARCH_TRUST_PROXY"):
        parse_proxies(text)


def test_refill_and_retry_after() -> None:
    rate = Rate(0.5, 4)
    assert refill(0.0, 3.0, rate) == 1.5
    assert refill(3.5, 100.0, rate) == 4.0
    assert refill(2.0, -5.0, rate) == 2.0  # a clock step back never adds tokens
    assert retry_after(0.0, rate) == 2
    assert retry_after(0.9, rate) == 1


def test_bucket_is_shared_by_every_store_on_the_file(tmp_path: Path) -> None:
    """Two stores on one file stand for two worker processes: one bucket, not two."""
    rate = Rate(1.0, 3)
    first, second = (
        BucketStore(tmp_path / "rl.sqlite3", rate),
        BucketStore(tmp_path / "rl.sqlite3", rate),
    )
    now = 1_000.0
    answers = [store.take("1.2.3.4", now)[0] for store in (first, second, first, second)]
    assert answers == [True, True, True, False]
    assert second.take("5.6.7.8", now)[0] is True  # another client has its own bucket
    assert first.take("1.2.3.4", now + 0.5)[0] is False
    assert second.take("1.2.3.4", now + 1.0)[0] is True  # refilled one token in a second
    assert first.take("1.2.3.4", now + 1.0)[0] is False


def test_default_store_is_per_index_and_outside_it(tmp_path: Path) -> None:
    one, two = default_store_path(str(tmp_path / "a")), default_store_path(str(tmp_path / "b"))
    assert one != two and one == default_store_path(str(tmp_path / "a" / ".." / "a"))
    assert not str(one).startswith(str(tmp_path))


def _client(tmp_path: Path, index: Path, **config: Any) -> FlaskClient:
    settings = {"INDEX_DIR": str(index), "RATELIMIT": "60/minute;burst=5",
                "RATELIMIT_STORE": str(tmp_path / "rl.sqlite3"), **config}  # fmt: skip
    return create_app(settings).test_client()


def test_burst_then_429_with_retry_after(small_index: tuple[Path, Path], tmp_path: Path) -> None:
    client = _client(tmp_path, small_index[1])
    statuses = [client.get(f"/api/v1/search?q={MARKER}").status_code for _ in range(5)]
    assert statuses == [200] * 5
    limited = client.get(f"/api/v1/search?q={MARKER}")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    body = limited.get_json()
    assert body["error"]["code"] == "too_many_requests" and body["error"]["status"] == 429
    assert limited.headers["Content-Security-Policy"].count("frame-ancestors 'none'") == 1
    assert limited.headers["X-Content-Type-Options"] == "nosniff"
    page = client.get("/?q=x")
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert b"try again in" in page.data and page.headers["Retry-After"]
    assert b"Slow down a little" in page.data
    assert_no_trace_text(page.get_data(as_text=True))
    assert client.get("/healthz").status_code == 200
    with client.get("/static/style.css") as static:
        assert static.status_code == 200
    other = client.get("/api/v1/facets", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200  # per client


def assert_no_trace_text(text: str) -> None:
    assert "Traceback" not in text and "site-packages" not in text


def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    small_index: tuple[Path, Path], tmp_path: Path
) -> None:
    spoofing = _client(tmp_path / "a", small_index[1])
    for n in range(6):  # a new X-Forwarded-For each time does not buy a new bucket
        reply = spoofing.get("/api/v1/facets", headers={"X-Forwarded-For": f"10.0.0.{n}"})
    assert reply.status_code == 429
    proxied = _client(tmp_path / "b", small_index[1], RATELIMIT_TRUST_PROXY=1)
    for _ in range(5):
        proxied.get("/api/v1/facets", headers={"X-Forwarded-For": "10.0.0.1"})
    assert proxied.get("/api/v1/facets", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
    assert proxied.get("/api/v1/facets", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 200


@pytest.mark.parametrize("config", [{"RATELIMIT_ENABLED": False}, {"RATELIMIT": "off"}])
def test_off_switches(small_index: tuple[Path, Path], tmp_path: Path, config: Any) -> None:
    client = _client(tmp_path, small_index[1], **config)
    assert {client.get("/api/v1/facets").status_code for _ in range(12)} == {200}


def test_an_unusable_store_lets_requests_through(
    small_index: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    client = create_app(
        {
            "INDEX_DIR": str(small_index[1]),
            "RATELIMIT": "1/minute;burst=1",
            "RATELIMIT_STORE": "/dev/null/cannot/be/here.sqlite3",
        }
    ).test_client()
    with caplog.at_level(logging.WARNING, logger="web.ratelimit"):
        assert {client.get("/api/v1/facets").status_code for _ in range(3)} == {200}
    assert any("letting requests through" in r.getMessage() for r in caplog.records)


def test_openapi_documents_429() -> None:
    for path in ("/api/v1/search", "/api/v1/articles/{article_id}", "/api/v1/facets"):
        responses = openapi_document()["paths"][path]["get"]["responses"]
        assert "Retry-After" in responses["429"]["headers"]


def test_limit_holds_across_gunicorn_workers(
    small_index: tuple[Path, Path], tmp_path: Path, serve: Any
) -> None:
    """3 workers, burst 10, 4 clients in parallel from one address: about 10 answers, not 30."""
    env = {"ARCHIVE_SEARCH_RATE_LIMIT": "6/minute;burst=10",
           "ARCHIVE_SEARCH_RATELIMIT_STORE": str(tmp_path / "shared.sqlite3")}  # fmt: skip
    server = serve(small_index[1], workers=3, env=env)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client() -> None:
        for _ in range(15):
            reply = server.get(f"/api/v1/search?q={MARKER}&facets=0")
            with lock:
                statuses[reply.status] += 1
            if reply.status == 429:
                assert reply.json()["error"]["code"] == "too_many_requests"
                assert int(reply.headers["retry-after"]) >= 1
                assert_no_trace(reply)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\n60 requests to 3 workers with burst 10: {dict(statuses)}")
    assert set(statuses) == {200, 429}
    assert 10 <= statuses[200] <= 12, statuses
    assert server.get("/healthz").status == 200  # never limited
    assert server.get("/static/app.js").status == 200
