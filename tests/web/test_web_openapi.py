"""The OpenAPI document is valid OpenAPI 3.1 and matches what the code does.

Every API response of the web tests is checked against it by ``CheckingClient``
(``tests/web/openapi_check.py``); the tests here add the statuses the other
tests do not reach and show that the check can fail.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.web.openapi_check import check_response, checking_client
from web import create_app
from web.openapi import openapi_document

KARABAKH_ID = "israels-role-in-nagorno-karabakh.txt"


def test_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document == openapi_document()
    assert document["openapi"].startswith("3.1.")
    validate(document)  # openapi-spec-validator picks the 3.1 rules from the version
    assert {
        "/api/v1/search", "/api/v1/export", "/api/v1/articles/{article_id}", "/api/v1/facets",
        "/api/v1/openapi.json", "/healthz",
    } <= set(document["paths"])  # fmt: skip
    params = {p["name"] for p in document["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "tag", "not_tag", "from", "to", "sort", "page", "per_page", "match"} <= params


def test_the_validator_rejects_what_the_issue_reported() -> None:
    """An empty ``required`` list (the old Facets schema) is caught by the same validator."""
    broken = copy.deepcopy(openapi_document())
    broken["openapi"] = "3.0.3"
    broken["components"]["schemas"]["Facets"]["required"] = []
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search?q=karabakh",
        "/api/v1/search?q=karabakh&tag=State&year=2020&snippets=0",
        "/api/v1/search?q=zzzznothing",
        "/api/v1/search?page=0",
        f"/api/v1/articles/{KARABAKH_ID}",
        "/api/v1/articles/nope",
        "/api/v1/articles/a%00b",
        "/api/v1/facets",
        "/api/v1/export?q=karabakh&format=json",
        "/api/v1/export?format=pdf",
        "/api/v1/export?q=karabakh&format=json&fields=id,authors,snippet,text&limit=1",
        "/api/v1/search?q=karabakh&histogram=auto",
        "/api/v1/kwic?q=karabakh",
        "/api/v1/kwic?q=karabakh&order=sideways",
        "/api/v1/trends?q=karabakh&q=war&interval=month",
        "/api/v1/trends?q=war&interval=decade",
        "/api/v1/openapi.json",
        "/healthz",
    ],
)
def test_real_responses_match_the_document(client: FlaskClient, url: str) -> None:
    response = client.get(url)  # CheckingClient validates it
    assert response.status_code in (200, 400, 404)


def test_405_matches_the_document(client: FlaskClient) -> None:
    assert client.delete("/api/v1/search").status_code == 405


def _client(config: dict[str, Any]) -> FlaskClient:
    return checking_client(create_app(config))


def test_503_responses_match_the_document(tmp_path: Path) -> None:
    client = _client({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True})
    for url in ("/api/v1/search?q=x", "/api/v1/facets", "/api/v1/articles/x", "/healthz"):
        assert client.get(url).status_code == 503


def test_500_matches_the_document() -> None:
    class Boom:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: object) -> None:
                raise RuntimeError("boom")

            return fail

    client = _client({"SEARCH_SERVICE": Boom()})
    assert client.get("/api/v1/search?q=x").status_code == 500
    assert client.get("/api/v1/facets").status_code == 500


def test_the_check_can_fail(demo_app: Any) -> None:
    """A field the document does not know, a wrong type, an undocumented status: all caught."""
    response = demo_app.test_client().get("/api/v1/search?q=karabakh")
    check_response("GET", "/api/v1/search", response)
    body = response.get_json()
    mutations: tuple[Callable[[dict[str, Any]], object], ...] = (
        lambda b: b.update(extra=1),
        lambda b: b["hits"][0].update(score="high"),
        lambda b: b["hits"][0].pop("url"),
        lambda b: b["facets"]["tag"][0].update(count=-1),
        lambda b: b["query"].update(sort="random"),
        lambda b: b["hits"][0].update(date="20 May 2020"),
    )
    for mutate in mutations:
        broken = copy.deepcopy(body)
        mutate(broken)
        response.set_data(json.dumps(broken).encode())
        with pytest.raises(jsonschema.ValidationError):
            check_response("GET", "/api/v1/search", response)
    response.status_code = 418
    with pytest.raises(AssertionError, match="does not document 418"):
        check_response("GET", "/api/v1/search", response)
