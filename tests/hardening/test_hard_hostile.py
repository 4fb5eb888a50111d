"""Hostile queries, parameters, paths, methods and bytes through a real gunicorn.

Each must be answered fast with a 4xx in the one error shape (or, where the
documented policy is to clean the input, a normal 200), never a 5xx or a
stack trace, and the workers must keep answering afterwards. Also: no route
writes (every other method is a 405), and the workers hold the index files
read-only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from search import limits
from tests.hardening.conftest import (
    MARKER,
    Server,
    assert_no_trace,
    build,
    error_of,
    open_files,
    raw_request,
    run_index,
    write_state,
)
from tests.pgserver import new_database
from web import create_app

SLOW = 5.0
"""Seconds: a generous bound for any single hostile request (the times are printed)."""

SEARCH = "/api/v1/search?"
HOSTILE_SEARCHES: dict[str, tuple[str, str]] = {
    # query text: (parameters, expected error code)
    "leading wildcard": ("q=*ing", "leading_wildcard"),
    "star": ("q=*", "leading_wildcard"),
    "question marks": ("q=????", "leading_wildcard"),
    "one-letter prefix": ("q=a*", "prefix_too_short"),
    "4 KB token": ("q=" + "x" * 4000, "query_too_complex"),
    "2000 parentheses": ("q=" + "(" * 2000, "query_too_complex"),
    "deep nesting": ("q=" + "(" * 300 + "x" + ")" * 300, "too_deep"),
    "300 OR terms": ("q=" + "+OR+".join(f"w{i}" for i in range(300)), "query_too_complex"),
    "many fuzzy terms": ("q=" + "+".join(["quokka~2"] * 70), "too_many_terms"),
    "too many edits": ("q=quokka~5", "too_many_edits"),
    "long wildcard": ("q=a" + "*" * 100, "term_too_long"),
    "negative page": ("page=-1", "bad_request"),
    "huge page": ("page=999999999999999999999", "bad_request"),
    "text page": ("page=abc", "bad_request"),
    "float page": ("page=1.5", "bad_request"),
    "repeated page": ("page=1&page=2", "repeated_parameter"),
    "zero per_page": ("per_page=0", "bad_request"),
    "huge per_page": ("per_page=1000", "bad_request"),
    "exponent per_page": ("per_page=1e3", "bad_request"),
    "past the window": ("page=500&per_page=50", "result_window"),
    "unknown facet": ("colour=red", "unknown_parameter"),
    "unknown exclusion": ("not_colour=red", "unknown_parameter"),
    "impossible date": ("from=2020-13-45", "bad_date"),
    "no such day": ("to=2020-02-30", "bad_date"),
    "text date": ("from=yesterday", "bad_date"),
    "bad year": ("year=abcd", "bad_request"),
    "bad month": ("month=13", "bad_request"),
    "bad sort": ("sort=random", "bad_request"),
    "too many filters": ("&".join(f"tag=t{i}" for i in range(40)), "too_many_filters"),
    "percent-encoded non-UTF-8": ("q=%FF%FE%FD", "bad_request"),
}
CLEANED = {
    # documented policy: control characters are stripped from the query
    "NUL inside": "q=quo%00kka",
    "control characters": "q=%01%02%03quokka%1b",
    "NUL tag": "tag=%00",
}
HOSTILE_IDS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252fetc",
    "a0/../../../etc/passwd",
    "..\\..\\windows",
    "/etc/passwd",
    "a%00b",
    "x" * 2000,
    "",
]


@pytest.fixture(scope="module", params=["default", "postgres"])
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Server]:
    """A gunicorn on the default engine's index, and one on a PostgreSQL database of its own
    (indexed by the CLI, served from the database's catalogue: SQL never sees user text)."""
    root = tmp_path_factory.mktemp("hostile")
    index = root / "ix"
    archive = write_state(root / "archive", 0, 40)
    env = {}
    if request.param == "postgres":
        url = new_database(request.getfixturevalue("pg_admin"))
        done = run_index(archive, index, "--engine", "postgres", "--database", url)
        assert done.code == 0, done.stderr
        env = {"ARCHIVE_SEARCH_DATABASE_URL": url}
    else:
        build(archive, index)
    server = Server(index, workers=2, env=env).start()
    yield server
    server.stop()


def _timed(name: str, seconds: float) -> None:
    print(f"  {seconds * 1000:7.1f} ms  {name}")
    assert seconds < SLOW, f"{name} took {seconds:.1f} s"


def test_hostile_searches_are_fast_400s(server: Server) -> None:
    print()
    for name, (params, code) in HOSTILE_SEARCHES.items():
        reply = server.get(SEARCH + params)
        assert error_of(reply, 400)["code"] == code, name
        _timed(name, reply.seconds)
        page = server.get("/?" + params)
        assert page.status == 400 and page.headers["content-type"].startswith("text/html")
        assert_no_trace(page)
    for name, params in CLEANED.items():
        reply = server.get(SEARCH + params)
        assert reply.status == 200, name
        assert not re.search(r"[\x00-\x1f]", reply.json()["query"]["q"])
        _timed(name, reply.seconds)
    _still_answering(server)


def test_a_100_kb_token_is_refused_before_the_app(server: Server) -> None:
    """Gunicorn refuses request lines over 8190 bytes itself: a 414, not our JSON shape."""
    reply = server.get(SEARCH + "q=" + "y" * 100_000)
    assert reply.status == 414 and "Traceback" not in reply.text
    _timed("100 KB token", reply.seconds)
    _still_answering(server)


def test_a_query_at_the_length_cap_is_ours_to_answer(server: Server) -> None:
    """Our limits, not gunicorn's request-line limit, decide on the longest query: 1,000
    Cyrillic characters are 6,000 bytes percent-encoded, over gunicorn's default 4094."""
    q = " ".join(["исследователями"] * 62) + " " + "ю" * 8
    assert len(q) == limits.MAX_QUERY_CHARS and len(quote(q)) > 4094
    reply = server.get(SEARCH + "q=" + quote(q))
    assert reply.status == 200, (reply.status, reply.body[:200])
    assert reply.json()["query"]["q"] == q
    too_long = server.get(SEARCH + "q=" + quote(q + "ю"))
    assert error_of(too_long, 400)["code"] == "query_too_complex"
    _still_answering(server)


def test_hostile_article_ids(server: Server) -> None:
    for raw in HOSTILE_IDS:
        for prefix in ("/api/v1/articles/", "/articles/"):
            reply = server.get(prefix + raw)
            if reply.status == 308:  # werkzeug merges "//": follow it, on this host only
                location = reply.headers["location"]
                assert location.startswith(prefix), location  # relative: no public URL set
                reply = server.get(location)
            assert reply.status in {400, 404}, (prefix, raw, reply.status)
            assert_no_trace(reply)
            if prefix.startswith("/api/"):
                error_of(reply, reply.status)
            assert "root:" not in reply.text
    _still_answering(server)


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /api/v1/search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /articles/\xc3\x28 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/v1/search?q=%C3%28 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/v1/search?q=\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/v1/search?q=a HTTP/1.1\r\nHost: x\r\nX-Bad: \xff\xfe\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ],
)
def test_bytes_that_are_not_utf8(server: Server, raw: bytes) -> None:
    status, reply = raw_request(server.base, raw)
    assert 400 <= status < 500 or status == 200, reply[:300]
    assert b"Traceback" not in reply
    _still_answering(server)


def _routes() -> list[str]:
    """A concrete path for every route of the app (sample values for the variable parts)."""
    app = create_app({"INDEX_DIR": "/nonexistent", "RATELIMIT_ENABLED": False})
    samples = {"article_id": "a0/doc0001.md", "filename": "style.css"}
    paths = []
    for rule in app.url_map.iter_rules():
        paths.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: samples[m.group(1)], rule.rule))
    assert "/api/v1/search" in paths and "/" in paths and len(paths) >= 7
    return sorted(paths)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE"])
def test_no_route_accepts_writes(server: Server, method: str) -> None:
    for path in _routes():
        reply = server.get(path, method=method)
        if path == "/api/v1/search" and method == "POST":
            # A search may be POSTed as a JSON object; a body that is not JSON is refused.
            error_of(reply, 415)
            continue
        assert reply.status == 405, (method, path, reply.status)
        reads = "GET, HEAD, OPTIONS, POST" if path == "/api/v1/search" else "GET, HEAD, OPTIONS"
        assert reply.headers["allow"] == reads
        if path.startswith("/api/") or path == "/healthz":
            error_of(reply, 405)
        else:
            assert reply.headers["content-type"].startswith("text/html")
            assert_no_trace(reply)


@pytest.mark.parametrize(
    "path",
    ["/reindex", "/index", "/api/v1/index", "/api/v1/reindex", "/admin", "/api/v1/admin/reindex",
     "/api/v1/articles", "/upload", "/api/v1/build"],
)  # fmt: skip
def test_there_is_no_reindex_endpoint(server: Server, path: str) -> None:
    assert server.get(path, method="POST").status in {404, 405}
    assert server.get(path).status == 404


def test_workers_open_the_index_read_only(server: Server) -> None:
    if server.env:
        pytest.skip("the database's workers hold no index file (reads are read-only transactions)")
    for target in (f"{SEARCH}q={MARKER}", "/api/v1/facets", "/articles/a0/doc0001.md", "/?q=ab*"):
        for _ in range(4):
            assert server.get(target).status == 200
    seen = 0
    for pid in server.worker_pids():
        files = open_files(pid, server.index)
        seen += len(files)
        writable = [path for path, flags in files.items() if flags & os.O_ACCMODE != os.O_RDONLY]
        assert writable == [], writable
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
            if str(server.index) in line:
                assert "w" not in line.split()[1], line
    assert seen > 0, "the workers hold no index file at all: the check would prove nothing"


def _still_answering(server: Server) -> None:
    health = server.get("/healthz", timeout=10)
    assert health.status == 200 and health.seconds < SLOW
    reply = server.get(f"{SEARCH}q={quote(MARKER)}")
    assert reply.status == 200 and reply.json()["total"] > 0
