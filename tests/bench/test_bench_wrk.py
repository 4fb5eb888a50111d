"""The ``wrk`` closed loop: its Lua script, its result line, and one real run against a server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from bench import wrk
from bench.common import IN_CI

SAMPLE = """Running 1s test @ http://127.0.0.1:1
  2 threads and 8 connections
RESULT {"requests": 2000, "duration_us": 4000000, "socket_errors": 3, "non_2xx": 100, \
"p50_us": 1500, "p95_us": 4000, "p99_us": 9000, "max_us": 20000}
"""


def test_parse_output_counts_only_good_answers_as_throughput() -> None:
    figures = wrk.parse_output(SAMPLE)
    assert figures["requests_per_s"] == 475.0  # (2000 - 100 non-2xx) / 4 s
    assert (figures["median_ms"], figures["p95_ms"], figures["p99_ms"]) == (1.5, 4.0, 9.0)
    assert figures["errors"] == 103


def test_parse_output_without_result_line_fails() -> None:
    with pytest.raises(RuntimeError, match="no result"):
        wrk.parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_lua_strings_are_escaped() -> None:
    assert wrk.lua_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    script = wrk.script(["/x?q=1", "/y?q=2"])
    assert '  "/x?q=1",\n  "/y?q=2"\n}' in script


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[set[str]] = set()

    def do_GET(self) -> None:
        _Handler.seen.add(self.path)
        status = 200 if self.path.startswith("/ok") else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.skipif(
    not wrk.available() and not IN_CI, reason="wrk is not installed (make test installs it)"
)
def test_real_wrk_sends_every_path_and_counts_failures(server: str, tmp_path: Path) -> None:
    _Handler.seen.clear()
    figures = wrk.generate(server, ["/ok/1", "/ok/2", "/missing"], 1.0, 2, tmp_path)
    assert {"/ok/1", "/ok/2", "/missing"} <= _Handler.seen
    assert figures["requests"] > 10
    assert figures["error_kinds"]["non-2xx"] > 0  # the 404s
    assert figures["generator"] == "wrk"
