"""The web layer's per-request savings give the responses the plain way gave.

Article URL prefixes are kept per scheme, host and script root; ``Snippet`` and
``FacetValue`` go to the JSON encoder as dataclasses; security headers are
appended rather than replaced one by one.
"""

from __future__ import annotations

import orjson
import pytest
from flask import Flask, Response, url_for
from flask.testing import FlaskClient

from search.types import FacetValue, Snippet
from web import links, security, serialise

BASES = (
    "http://example.org:8000",
    "https://example.org",
    "http://other.example",
    "http://example.org:8000/archive",  # mounted below a script root
)


@pytest.mark.parametrize("article_id", ["en/blog/2021/plain", "ru/блог/статья", "a?b#c&d=e"])
def test_article_urls_follow_each_host_and_root(demo_app: Flask, article_id: str) -> None:
    for _ in range(2):  # the second round from the kept parts
        for base in BASES:
            with demo_app.test_request_context("/api/v1/search?q=x", base_url=base):
                expected = {
                    "url": url_for("pages.article", article_id=article_id, _external=True),
                    "api_url": url_for("api.article", article_id=article_id, _external=True),
                }
                assert links.request_urls()(article_id) == expected
                assert expected["url"].startswith(base + "/articles/")


def test_kept_url_parts_are_bounded(demo_app: Flask) -> None:
    for n in range(links.URL_PARTS_KEPT * 2 + 3):
        with demo_app.test_request_context("/", base_url=f"http://host{n}.example"):
            urls = links.request_urls()("x/y")
            assert urls["url"] == f"http://host{n}.example/articles/x/y"
    assert 0 < len(demo_app.extensions[links.URL_PARTS_KEY]) <= links.URL_PARTS_KEPT


def test_search_api_urls_follow_the_host_header(client: FlaskClient) -> None:
    for host in ("a.example", "b.example:8080", "a.example"):
        body = client.get("/api/v1/search?q=karabakh", headers={"Host": host}).get_json()
        assert body["hits"], body
        for hit in body["hits"]:
            assert hit["url"].startswith(f"http://{host}/articles/")
            assert hit["api_url"].startswith(f"http://{host}/api/v1/articles/")


def test_dataclasses_are_written_as_the_api_documents_them() -> None:
    value = FacetValue("en", "English", 3, True, False)
    assert orjson.dumps(value) == orjson.dumps(serialise.facet_json(value))
    snippet = Snippet(html="a <mark>b</mark>", text="a b", matches=((2, 3), (4, 5)))
    assert orjson.dumps(snippet) == orjson.dumps(serialise.snippet_json(snippet))
    assert orjson.loads(orjson.dumps(snippet)) == {
        "html": "a <mark>b</mark>",
        "text": "a b",
        "matches": [[2, 3], [4, 5]],
    }


def test_search_json_has_the_documented_facet_and_snippet_keys(client: FlaskClient) -> None:
    body = client.get("/api/v1/search?q=karabakh").get_json()
    assert body["hits"] and body["facets"]["lang"]
    for values in body["facets"].values():
        for value in values:
            assert list(value) == ["value", "label", "count", "selected", "excluded"]
    snippets = [s for hit in body["hits"] for s in hit["snippets"]]
    assert snippets and all(list(s) == ["html", "text", "matches"] for s in snippets)


@pytest.mark.parametrize("path", ["/api/v1/search", "/search"])
def test_security_headers_replace_rather_than_repeat(demo_app: Flask, path: str) -> None:
    with demo_app.test_request_context(path):
        response = Response("x", headers={"X-Frame-Options": "SAMEORIGIN"})
        security.add_headers(response)
        assert response.headers.getlist("X-Frame-Options") == ["DENY"]
        fresh = security.add_headers(Response("y"))
        for name, value in security.SECURITY_HEADERS.items():
            assert fresh.headers.getlist(name) == [value]
        cors = fresh.headers.get("Access-Control-Allow-Origin")
        assert cors == ("*" if path.startswith("/api/") else None)
