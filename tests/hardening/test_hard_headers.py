"""Security headers on every kind of response: pages, API, static files and all errors.

tests/web checks them on a normal page and a normal API answer; here every
error status (400, 404, 405, 429, 500, 503) and both content types are covered,
and the CSP is checked for what it must not allow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import TestResponse

from web import create_app


def _check(response: TestResponse) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture(scope="module")
def client(small_index: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = tmp_path_factory.mktemp("rl") / "rl.sqlite3"
    app = create_app({"INDEX_DIR": str(small_index[1]), "RATELIMIT": "1000/minute;burst=200",
                      "RATELIMIT_STORE": str(store)})  # fmt: skip
    yield app.test_client()
    app.extensions["archive_search.service"].close()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/?q=quokka", 200),
        ("GET", "/articles/a0/doc0001.md", 200),
        ("GET", "/api/v1/search?q=quokka", 200),
        ("GET", "/api/v1/openapi.json", 200),
        ("GET", "/healthz", 200),
        ("GET", "/static/app.js", 200),
        ("OPTIONS", "/api/v1/search", 200),
        ("GET", "/?page=0", 400),
        ("GET", "/api/v1/search?q=*x", 400),
        ("GET", "/nowhere", 404),
        ("GET", "/api/v1/nowhere", 404),
        ("GET", "/articles/no/such.md", 404),
        ("POST", "/", 405),
        ("DELETE", "/api/v1/search", 405),
    ],
)
def test_headers(client: Any, method: str, path: str, status: int) -> None:
    with client.open(path, method=method) as response:
        assert response.status_code == status
        _check(response)


def test_headers_on_503_and_500(tmp_path: Path) -> None:
    missing = create_app({"INDEX_DIR": str(tmp_path / "none"), "RATELIMIT_ENABLED": False})
    for path in ("/", "/api/v1/search?q=x", "/healthz"):
        response = missing.test_client().get(path)
        assert response.status_code == 503
        _check(response)

    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("boom")

    broken = create_app({"SEARCH_SERVICE": Broken(), "RATELIMIT_ENABLED": False})
    for path in ("/", "/api/v1/search?q=x"):
        response = broken.test_client().get(path)
        assert response.status_code == 500
        _check(response)


def test_headers_on_429(small_index: tuple[Path, Path], tmp_path: Path) -> None:
    app = create_app({"INDEX_DIR": str(small_index[1]), "RATELIMIT": "1/minute;burst=1",
                      "RATELIMIT_STORE": str(tmp_path / "rl.sqlite3")})  # fmt: skip
    client = app.test_client()
    assert client.get("/api/v1/facets").status_code == 200
    for path in ("/api/v1/facets", "/?q=x"):
        response = client.get(path)
        assert response.status_code == 429
        _check(response)
    app.extensions["archive_search.service"].close()
