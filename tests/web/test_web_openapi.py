"""The OpenAPI document matches what the code does: real responses validate against it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from web import create_app
from web.openapi import openapi_document

KARABAKH_ID = "israels-role-in-nagorno-karabakh.txt"


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` → JSON Schema's type list; everything else passes through."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


def validator_for(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    root = {**to_json_schema(schema), "components": to_json_schema(document["components"])}
    return jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker())


def check(client: FlaskClient, url: str, template: str, status: int) -> dict[str, Any]:
    document = client.get("/api/v1/openapi.json").get_json()
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    operation = document["paths"][template]["get"]
    assert str(status) in operation["responses"], f"{template} does not document {status}"
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    body = response.get_json()
    validator_for(document, schema).validate(body)
    return dict(body)


def test_document_is_openapi_3_0(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.0.")
    assert set(document["paths"]) == {
        "/api/v1/search", "/api/v1/export", "/api/v1/articles/{article_id}", "/api/v1/facets",
        "/api/v1/openapi.json", "/healthz",
    }  # fmt: skip
    params = {p["name"] for p in document["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "tag", "not_tag", "from", "to", "sort", "page", "per_page", "match"} <= params
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft7Validator.check_schema(to_json_schema(schema))


@pytest.mark.parametrize(
    ("url", "template", "status"),
    [
        ("/api/v1/search?q=karabakh", "/api/v1/search", 200),
        ("/api/v1/search?q=karabakh&tag=State&year=2020&snippets=0", "/api/v1/search", 200),
        ("/api/v1/search?q=zzzznothing", "/api/v1/search", 200),
        ("/api/v1/search?page=0", "/api/v1/search", 400),
        (f"/api/v1/articles/{KARABAKH_ID}", "/api/v1/articles/{article_id}", 200),
        ("/api/v1/articles/nope", "/api/v1/articles/{article_id}", 404),
        ("/api/v1/articles/a%00b", "/api/v1/articles/{article_id}", 400),
        ("/api/v1/facets", "/api/v1/facets", 200),
        ("/healthz", "/healthz", 200),
    ],
)
def test_real_responses_match_the_document(
    client: FlaskClient, url: str, template: str, status: int
) -> None:
    check(client, url, template, status)


def test_405_matches_the_document(client: FlaskClient) -> None:
    document = openapi_document()
    response = client.delete("/api/v1/search")
    schema = document["paths"]["/api/v1/search"]["get"]["responses"]["405"]["content"]
    validator_for(document, schema["application/json"]["schema"]).validate(response.get_json())


def test_503_responses_match_the_document(tmp_path: Path) -> None:
    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    check(client, "/api/v1/search?q=x", "/api/v1/search", 503)
    check(client, "/api/v1/facets", "/api/v1/facets", 503)
    check(client, "/api/v1/articles/x", "/api/v1/articles/{article_id}", 503)
    check(client, "/healthz", "/healthz", 503)


def test_the_check_can_fail(client: FlaskClient) -> None:
    """A field the document does not know, or a wrong type, is caught."""
    document = openapi_document()
    body = client.get("/api/v1/search?q=karabakh").get_json()
    validator = validator_for(document, {"$ref": "#/components/schemas/SearchResponse"})
    validator.validate(body)
    for mutate in (
        lambda b: b.update(extra=1),
        lambda b: b["hits"][0].update(score="high"),
        lambda b: b["hits"][0].pop("url"),
        lambda b: b["facets"]["tag"][0].update(count=-1),
        lambda b: b["query"].update(sort="random"),
    ):
        broken = copy.deepcopy(body)
        mutate(broken)
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_500_matches_the_document() -> None:
    class Boom:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: object) -> None:
                raise RuntimeError("boom")

            return fail

    client = create_app({"SEARCH_SERVICE": Boom()}).test_client()
    check(client, "/api/v1/search?q=x", "/api/v1/search", 500)
    check(client, "/api/v1/facets", "/api/v1/facets", 500)


def test_json_export_matches_the_document(client: FlaskClient) -> None:
    body = check(client, "/api/v1/export?q=karabakh&format=json", "/api/v1/export", 200)
    assert body["exported"] == body["total"] == 2
    check(client, "/api/v1/export?format=pdf", "/api/v1/export", 400)
