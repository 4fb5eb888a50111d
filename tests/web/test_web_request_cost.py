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
def test_article_urls_are_url_for_from_the_root_whatever_the_host(
    demo_app: Flask, article_id: str
) -> None:
    """The kept prefixes give what ``url_for`` gives, relative to the app's root, and the
    same for every host and script root a request names (issue 12, finding 10)."""
    for base in BASES:
        with demo_app.test_request_context("/api/v1/search?q=x", base_url=base):
            root = base.removeprefix("http://example.org:8000")
            root = "" if "://" in root else root
            expected = {
                "url": url_for("pages.article", article_id=article_id).removeprefix(root),
                "api_url": url_for("api.article", article_id=article_id).removeprefix(root),
            }
            assert links.request_urls()(article_id) == expected
            assert expected["url"].startswith("/articles/")


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
