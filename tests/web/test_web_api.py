"""The JSON API through Flask's test client, against a real index of the demo corpus."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from search import limits
from tests.web.openapi_check import checking_client
from web import create_app

KARABAKH_ID = "israels-role-in-nagorno-karabakh.txt"


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return dict(body["error"])


def test_search_returns_hits_with_every_field(client: FlaskClient) -> None:
    started = time.perf_counter()
    response = client.get("/api/v1/search?q=karabakh")
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["pages"] == 1
    assert body["query"] == {"q": "karabakh", "interpreted": body["query"]["interpreted"],
                             "match": "all", "sort": "relevance", "group": "none",
                             "lang_pref": []}  # fmt: skip
    assert body["count_unit"] == "articles" and body["articles"] == 2
    hit = next(h for h in body["hits"] if h["id"] == KARABAKH_ID)
    assert hit["title"] == "Israel's role in Nagorno-Karabakh"
    assert "<mark>Karabakh</mark>" in hit["title_html"]
    assert hit["date"] == "2020-10-20" and hit["lang"] == "en" and hit["tags"] == ["State"]
    assert hit["url"] == f"/articles/{KARABAKH_ID}"  # relative: no public URL configured
    assert hit["api_url"] == f"/api/v1/articles/{KARABAKH_ID}"
    assert "<mark>" in hit["snippet"] and "… …" not in hit["snippet"]
    first = hit["snippets"][0]
    start, end = first["matches"][0]
    assert first["text"][start:end].lower() == "karabakh"
    assert isinstance(hit["score"], float)
    assert set(body["facets"]) >= {"tag", "lang", "year"}
    assert {"value": "2020", "count": 1}.items() <= next(
        v for v in body["facets"]["year"] if v["value"] == "2020"
    ).items()
    assert body["generation"] and 0 < body["took_ms"] <= elapsed_ms


def test_filters_sort_paging(client: FlaskClient) -> None:
    body = client.get("/api/v1/search?q=karabakh&tag=State").get_json()
    assert [h["id"] for h in body["hits"]] == [KARABAKH_ID]
    state = next(v for v in body["facets"]["tag"] if v["value"].lower() == "state")
    assert state["selected"] is True
    body = client.get("/api/v1/search?q=karabakh&not_tag=State").get_json()
    assert KARABAKH_ID not in [h["id"] for h in body["hits"]]
    body = client.get("/api/v1/search?q=karabakh&per_page=1&page=2").get_json()
    assert (body["per_page"], body["page"], body["pages"], len(body["hits"])) == (1, 2, 2, 1)
    body = client.get("/api/v1/search?q=karabakh&from=2020-10-01&to=2020-10-31").get_json()
    assert [h["id"] for h in body["hits"]] == [KARABAKH_ID]
    body = client.get("/api/v1/search?q=karabakh&sort=oldest&match=any").get_json()
    assert body["query"]["sort"] == "oldest" and body["query"]["match"] == "any"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("page=0", "'page'"),
        ("page=-1", "'page'"),
        ("page=abc", "'page'"),
        ("page=99999999999999999999", "'page'"),
        ("page=1&page=2", "'page'"),
        (f"per_page={limits.MAX_PER_PAGE + 1}", "'per_page'"),
        ("page=101&per_page=10", "page * per_page"),
        ("from=2020-13-45", "'from'"),
        ("to=yesterday", "'to'"),
        ("sort=random", "'sort'"),
        ("match=some", "'match'"),
        ("colour=red", "'colour'"),
        ("facet_foo=x", "'facet_foo'"),
        ("year=20", "'year'"),
        ("&".join(f"tag=t{i}" for i in range(limits.MAX_FILTER_VALUES + 1)), "too many"),
    ],
)
def test_bad_parameters_are_400(client: FlaskClient, query: str, names: str) -> None:
    error = error_of(client.get(f"/api/v1/search?{query}"), 400)
    assert names in error["message"]


def test_overlong_query_is_400(client: FlaskClient) -> None:
    error = error_of(client.get("/api/v1/search", query_string={"q": "a " * 600}), 400)
    assert error["code"] == "query_too_complex"


def test_tracking_parameters_are_ignored(client: FlaskClient) -> None:
    assert client.get("/api/v1/search?q=karabakh&utm_source=feed").status_code == 200


def test_invalid_utf8_is_400(client: FlaskClient) -> None:
    error_of(client.get("/api/v1/search?q=%ff%fe"), 400)
    # The test client would decode %ff itself; a real server passes the raw byte as latin-1.
    raw = client.get("/", environ_overrides={"PATH_INFO": "/api/v1/articles/\xff"})
    error_of(raw, 400)


def test_article(client: FlaskClient) -> None:
    body = client.get(f"/api/v1/articles/{KARABAKH_ID}").get_json()
    assert body["id"] == KARABAKH_ID and body["title"] == "Israel's role in Nagorno-Karabakh"
    assert body["source_format"] in {"markdown", "text"}
    assert "Stepanakert" in body["text"] and "<p>" in body["html"]
    assert body["url"] == f"/articles/{KARABAKH_ID}"
    assert isinstance(body["translations"], list) and isinstance(body["related"], list)
    assert all(r["id"] != KARABAKH_ID for r in body["related"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/no-such-article",
        "/api/v1/articles/../etc/passwd",
        "/api/v1/articles/%2e%2e%2fetc%2fpasswd",
        "/api/v1/articles/..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_missing_and_traversal_articles_are_404(client: FlaskClient, path: str) -> None:
    assert error_of(client.get(path), 404)["code"] == "not_found"


def test_nul_in_article_id_is_400(client: FlaskClient) -> None:
    error_of(client.get("/api/v1/articles/a%00b"), 400)


def test_facets(client: FlaskClient) -> None:
    body = client.get("/api/v1/facets").get_json()
    assert body["articles"] == 2 and body["generation"]
    years = {v["value"]: v["count"] for v in body["facets"]["year"]}
    assert years.get("2020") == 1


def test_unknown_api_path_is_404_json(client: FlaskClient) -> None:
    error_of(client.get("/api/v1/nothing-here"), 404)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client: FlaskClient, method: str) -> None:
    response = client.open("/api/v1/search?q=x", method=method)
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    response = client.open("/api/v1/facets", method=method)
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_post_is_405_where_only_get_is_routed(client: FlaskClient) -> None:
    response = client.post("/api/v1/facets", json={})
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_cors_on_api(client: FlaskClient) -> None:
    response = client.get("/api/v1/search?q=karabakh", headers={"Origin": "https://other.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    error = client.get("/api/v1/search?page=0", headers={"Origin": "https://other.example"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/api/v1/search",
        headers={"Origin": "https://other.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "PUT" not in response.headers["Access-Control-Allow-Methods"]


def test_head_is_allowed(client: FlaskClient) -> None:
    response = client.head("/api/v1/search?q=karabakh")
    assert response.status_code == 200 and response.data == b""


def test_security_headers_on_api(client: FlaskClient) -> None:
    response = client.get("/api/v1/facets")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["articles"] == 2
    assert body["engine"] == "whoosh" and body["generation"]


def test_server_starts_and_reports_503_without_an_index(tmp_path: Path) -> None:
    app = create_app({"INDEX_DIR": str(tmp_path / "missing"), "TESTING": True})
    client = checking_client(app)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unavailable"
    assert "error" in health.get_json()
    assert error_of(client.get("/api/v1/search?q=x"), 503)["code"] == "index_missing"
    assert error_of(client.get("/api/v1/facets"), 503)["code"] == "index_missing"
    page = client.get("/?q=x")
    assert page.status_code == 503 and b"unavailable" in page.data


class Boom:
    """A service whose every call fails in a way nobody planned for."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: object, **kwargs: object) -> None:
            raise RuntimeError("secret internal detail /etc/shadow")

        return fail


def test_unexpected_exception_is_a_generic_500(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app({"SEARCH_SERVICE": Boom(), "TESTING": False})
    client = checking_client(app)
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        response = client.get("/api/v1/search?q=x")
    error = error_of(response, 500)
    assert error["code"] == "internal_error"
    text = response.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text
    assert any("secret internal detail" in r.getMessage() or r.exc_info for r in caplog.records)
    page = client.get("/?q=x")
    assert page.status_code == 500 and b"secret" not in page.data
    assert page.mimetype == "text/html"
