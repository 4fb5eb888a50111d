"""The API follows HTTP: ETag and 304, Cache-Control, Vary, compression, links, POST, CORS."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from indexer.build import build_index
from search import limits
from search.errors import BadRequest
from search.request import build_request, params_from_object, to_params
from tests.web.conftest import DEMO_CORPUS
from tests.web.openapi_check import CheckingClient, checking_client
from web import create_app

KARABAKH_ID = "israels-role-in-nagorno-karabakh.txt"
CACHED_URLS = [
    "/api/v1/search?q=karabakh",
    "/api/v1/facets",
    f"/api/v1/articles/{KARABAKH_ID}",
    "/api/v1/export?q=karabakh&format=json",
    "/api/v1/export?q=karabakh",
]


@pytest.mark.parametrize("url", CACHED_URLS)
def test_etag_then_304(client: FlaskClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept-Encoding" in again.headers["Vary"]
    other = client.get(url, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


def test_etag_follows_the_normalised_request(client: FlaskClient) -> None:
    def tag(url: str) -> str:
        return str(client.get(url).headers["ETag"])

    plain = tag("/api/v1/search?q=karabakh")
    # defaults spelled out, ignored and empty parameters: the same request, the same tag
    assert tag("/api/v1/search?q=karabakh&sort=relevance&page=1&_=1712&utm_source=x&tag=") == plain
    assert tag("/api/v1/search?q=%20karabakh%20") == plain
    # anything that changes the answer changes the tag
    assert tag("/api/v1/search?q=karabakh&sort=newest") != plain
    assert tag("/api/v1/search?q=karabakh&per_page=1") != plain
    assert tag("/api/v1/search?q=israel") != plain
    assert tag("/api/v1/export?q=karabakh&format=json") != tag("/api/v1/export?q=karabakh")


def test_etag_changes_with_the_generation(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(DEMO_CORPUS, index)
    app = create_app({"INDEX_DIR": str(index), "TESTING": True, "RATELIMIT_ENABLED": False})
    client = checking_client(app)
    try:
        before = client.get("/api/v1/search?q=karabakh").headers["ETag"]
        build_index(DEMO_CORPUS, index, rebuild=True)
        response = client.get("/api/v1/search?q=karabakh", headers={"If-None-Match": before})
        assert response.status_code == 200
        assert response.headers["ETag"] != before
    finally:
        app.extensions["archive_search.service"].close()


def test_max_age_is_configurable(demo_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app({"INDEX_DIR": str(demo_index), "RATELIMIT_ENABLED": False, "API_MAX_AGE": 5})
    response = checking_client(app).get("/api/v1/facets")
    assert response.headers["Cache-Control"] == "public, max-age=5"
    app.extensions["archive_search.service"].close()
    monkeypatch.setenv("ARCHIVE_SEARCH_API_MAX_AGE", "0")
    app = create_app({"INDEX_DIR": str(demo_index), "RATELIMIT_ENABLED": False})
    response = checking_client(app).get("/api/v1/facets")
    assert response.headers["Cache-Control"] == "public, max-age=0"
    app.extensions["archive_search.service"].close()
    monkeypatch.setenv("ARCHIVE_SEARCH_API_MAX_AGE", "soon")
    with pytest.raises(ValueError, match="ARCHIVE_SEARCH_API_MAX_AGE"):
        create_app({"INDEX_DIR": str(demo_index), "RATELIMIT_ENABLED": False})


def test_errors_are_not_cached(client: FlaskClient) -> None:
    response = client.get("/api/v1/search?page=0")
    assert response.status_code == 400
    assert "ETag" not in response.headers and "public" not in response.headers.get(
        "Cache-Control", ""
    )


@pytest.mark.parametrize(
    ("encoding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search?q=karabakh&snippets=0",
        "/api/v1/export?q=karabakh",
        f"/articles/{KARABAKH_ID}",
    ],
)
def test_compressed_bodies_equal_plain_ones(
    client: FlaskClient, encoding: str, decode: Any, url: str
) -> None:
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    packed = client.get(url, headers={"Accept-Encoding": f"{encoding}, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    for response in (plain, packed):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert len(packed.data) < len(plain.data)
    expected = plain.data
    if "search" in url:  # took_ms differs between two searches; the rest must be equal
        decoded = json.loads(decode(packed.data))
        expected_doc = plain.get_json()
        decoded["took_ms"] = expected_doc["took_ms"] = 0
        assert decoded == expected_doc
    else:
        assert decode(packed.data) == expected


def test_links_walk_the_pages(client: FlaskClient) -> None:
    body = client.get("/api/v1/search?per_page=1&sort=oldest").get_json()
    total, seen = body["total"], []
    assert body["links"]["prev"] is None
    while True:
        seen += [h["id"] for h in body["hits"]]
        following = body["links"]["next"]
        if following is None:
            break
        parts = urlsplit(following)
        assert parts.path == "/api/v1/search"
        body = client.get(f"{parts.path}?{parts.query}").get_json()
    assert len(seen) == total == len(set(seen)) > 1
    back = urlsplit(body["links"]["prev"])
    assert dict(parse_qsl(back.query)).get("page", "1") == str(total - 1)
    self_link = urlsplit(body["links"]["self"])
    assert dict(parse_qsl(self_link.query)) == {
        "sort": "oldest", "per_page": "1", "page": str(total)
    }  # fmt: skip


def test_no_next_link_past_the_result_window(client: FlaskClient) -> None:
    last = limits.MAX_RESULT_WINDOW // limits.MAX_PER_PAGE
    body = client.get(f"/api/v1/search?per_page={limits.MAX_PER_PAGE}&page={last}").get_json()
    assert body["links"]["next"] is None


def test_post_equals_get(client: FlaskClient) -> None:
    get = client.get("/api/v1/search?q=karabakh&tag=State&tag=Politics&per_page=5&snippets=0")
    post = client.post(
        "/api/v1/search",
        json={"q": "karabakh", "tag": ["State", "Politics"], "per_page": 5, "snippets": False},
    )
    assert post.status_code == get.status_code == 200
    a, b = get.get_json(), post.get_json()
    a["took_ms"] = b["took_ms"] = 0
    assert a == b
    assert b["links"]["self"] == a["links"]["self"]


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"data": "q=x", "content_type": "application/x-www-form-urlencoded"}, 415, "JSON"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"json": ["q", "x"]}, 400, "JSON object"),
        ({"json": {"q": {"nested": 1}}}, 400, "'q'"),
        ({"json": {"q": "x", "tags": "typo"}}, 400, "known parameters"),
        ({"json": {"q": "x" * 70_000}}, 413, "larger"),
    ],
)
def test_bad_post_bodies(
    client: FlaskClient, kwargs: dict[str, Any], status: int, words: str
) -> None:
    response = client.post("/api/v1/search", **kwargs)
    assert response.status_code == status, response.data
    assert words in response.get_json()["error"]["message"]


def test_underscore_parameters_are_ignored_others_listed(client: FlaskClient) -> None:
    assert client.get("/api/v1/search?q=karabakh&_=1712345678").status_code == 200
    assert client.get("/?q=karabakh&_=1").status_code == 200
    error = client.get("/api/v1/search?q=karabakh&colour=red").get_json()["error"]
    assert "'colour'" in error["message"]
    for name in ("q", "sort", "page", "per_page", "tag", "not_tag", "from", "to"):
        assert name in error["message"].split("known parameters:")[1]


def test_post_is_preflighted_for_json(client: FlaskClient) -> None:
    response = client.options(
        "/api/v1/search",
        headers={
            "Origin": "https://other.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_exposes_the_headers_scripts_need(client: FlaskClient) -> None:
    exposed = client.get("/api/v1/facets").headers["Access-Control-Expose-Headers"]
    for name in ("ETag", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
                 "Retry-After", "Content-Disposition"):  # fmt: skip
        assert name in exposed


def test_healthz_is_cors_readable(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"Origin": "https://status.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/").headers.get("Access-Control-Allow-Origin") is None


def test_json_export_is_an_attachment(client: FlaskClient) -> None:
    response = client.get("/api/v1/export?q=karabakh&format=json")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="archive-search')
    assert disposition.endswith('.json"')


# --- the pure parts ---------------------------------------------------------------------

RAW = st.fixed_dictionaries(
    {},
    optional={
        "q": st.lists(st.sampled_from(["", "war", "karabakh israel", '"a b"']), max_size=1),
        "tag": st.lists(st.sampled_from(["State", "Krieg", "", "state"]), max_size=3),
        "not_lang": st.lists(st.sampled_from(["en", "DE", ""]), max_size=2),
        "year": st.lists(st.sampled_from(["2020", "undated"]), max_size=2),
        "sort": st.lists(st.sampled_from(["", "relevance", "newest", "oldest"]), max_size=1),
        "match": st.lists(st.sampled_from(["all", "any"]), max_size=1),
        "page": st.lists(st.sampled_from(["1", "2", "7"]), max_size=1),
        "per_page": st.lists(st.sampled_from(["10", "1", "25"]), max_size=1),
        "from": st.lists(st.sampled_from(["2019", "2020-02", "2020-01-05"]), max_size=1),
        "snippets": st.lists(st.sampled_from(["0", "1", "false"]), max_size=1),
        "facets": st.lists(st.sampled_from(["0", "yes"]), max_size=1),
    },
)


@given(RAW)
def test_to_params_round_trips(raw: dict[str, list[str]]) -> None:
    request = build_request(raw)
    pairs = to_params(request)
    again: dict[str, list[str]] = {}
    for name, value in pairs:
        again.setdefault(name, []).append(value)
    assert build_request(again) == request
    assert to_params(build_request(again)) == pairs


def test_params_from_object() -> None:
    assert params_from_object({"q": "x", "tag": ["a", "b"], "page": 2, "facets": False}) == {
        "q": ["x"], "tag": ["a", "b"], "page": ["2"], "facets": ["0"]
    }  # fmt: skip
    assert params_from_object({"q": None}) == {"q": []}
    bad_bodies: list[object] = [[], "q=x", {"q": 1.5}, {"tag": [["a"]]}, {"q": {}}]
    for bad in bad_bodies:
        with pytest.raises(BadRequest):
            params_from_object(bad)


def test_app_fixture_is_checking(demo_app: Flask) -> None:
    """The clients above validate every answer against the OpenAPI document."""
    assert demo_app.test_client_class is CheckingClient


def test_ratelimit_headers_count_down(demo_index: Path, tmp_path: Path) -> None:
    app = create_app(
        {
            "INDEX_DIR": str(demo_index),
            "RATELIMIT": "3/minute;burst=3",
            "RATELIMIT_STORE": str(tmp_path / "limits.sqlite3"),
        }
    )
    client = checking_client(app)
    try:
        seen = []
        for _ in range(3):
            response = client.get("/api/v1/search?q=karabakh", headers={"Origin": "https://x.test"})
            assert response.status_code == 200
            assert response.headers["RateLimit-Limit"] == "3"
            seen.append(int(response.headers["RateLimit-Remaining"]))
            assert 0 < int(response.headers["RateLimit-Reset"]) <= 60
        assert seen == [2, 1, 0]
        refused = client.get("/api/v1/search?q=karabakh")
        assert refused.status_code == 429
        assert refused.headers["RateLimit-Remaining"] == "0"
        assert int(refused.headers["Retry-After"]) >= 1
        exposed = refused.headers["Access-Control-Expose-Headers"]
        assert "Retry-After" in exposed and "RateLimit-Remaining" in exposed
        health = client.get("/healthz")  # never limited, so no fields
        assert "RateLimit-Limit" not in health.headers
    finally:
        app.extensions["archive_search.service"].close()
