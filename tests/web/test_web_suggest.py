"""``/api/v1/suggest``: search as you type through HTTP (answers checked against OpenAPI)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

KARABAKH_ID = "israels-role-in-nagorno-karabakh.txt"


def test_suggest_completes_and_finds_titles(client: FlaskClient) -> None:
    response = client.get("/api/v1/suggest?q=kara", headers={"Origin": "https://x.test"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["word"] == "kara"
    assert body["completions"][0] == {"word": "karabakh", "query": "karabakh", "count": 2}
    title = next(t for t in body["titles"] if t["id"] == KARABAKH_ID)
    assert title["url"].endswith(f"/articles/{KARABAKH_ID}")


def test_suggest_is_cacheable(client: FlaskClient) -> None:
    first = client.get("/api/v1/suggest?q=kara&_=1")
    again = client.get("/api/v1/suggest?q=kara", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/api/v1/suggest?q=karab", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("query", "words"),
    [("colour=red", "known parameters: q, limit"), ("q=kara&limit=x", "'limit'"),
     ("q=kara&limit=99", "'limit'"), ("q=" + "a" * 300, "too long")],
)  # fmt: skip
def test_bad_suggest_requests(client: FlaskClient, query: str, words: str) -> None:
    response = client.get(f"/api/v1/suggest?{query}")
    assert response.status_code == 400
    assert words in response.get_json()["error"]["message"]


def test_empty_text_has_nothing(client: FlaskClient) -> None:
    body = client.get("/api/v1/suggest?q=").get_json()
    assert body["completions"] == [] and body["titles"] == []
