"""The OpenAPI 3.1 document of the JSON API; tests validate every API response against it.

OpenAPI 3.1's schemas are JSON Schema 2020-12: a value that may be null is
``{"type": ["string", "null"]}`` (3.0's ``nullable`` is gone), and an object
with no required properties leaves ``required`` out (an empty list is invalid
in 3.0 and pointless in 3.1).
"""

from __future__ import annotations

from functools import lru_cache

from web.openapi_parts import HEADERS, _param, _responses, _search_params
from web.openapi_research import research_paths, research_schemas
from web.openapi_schemas import JSON, STR, ref, schemas


def search_body_schema() -> JSON:
    """``POST /api/v1/search``'s body: the query parameters as one object; repeatable
    filters take a string or an array of strings, numbers and flags their JSON types."""
    props: JSON = {}
    for param in _search_params():
        schema = param["schema"]
        if schema.get("type") == "array":
            schema = {"anyOf": [schema["items"], schema]}
        elif schema.get("type") == "integer":
            schema = {"anyOf": [schema, {"type": "string", "pattern": "^[0-9]*$"}]}
        elif param["name"] in ("snippets", "facets"):
            schema = {"anyOf": [schema, {"type": "boolean"}]}
        props[param["name"]] = {**schema, "description": param["description"]}
    return {
        "type": "object",
        "properties": props,
        "description": "Names starting with _ and tracking parameters (utm_*) are ignored; "
        "other unknown names are a 400",
    }


def _search_post() -> JSON:
    return {
        "summary": "Search articles with the parameters in a JSON body (same answer as GET)",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ref("SearchBody")}},
        },
        "responses": _responses("SearchResponse", 400, 413, 415, 503, cached=False),
    }


@lru_cache(maxsize=1)
def openapi_document() -> JSON:
    article_param = {"name": "article_id", "in": "path", "required": True, "schema": STR}
    components = {
        "schemas": {**schemas(), **research_schemas(), "SearchBody": search_body_schema()}
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "archive-search API",
            "version": "1.0.0",
            "description": "Full-text search over an archive of articles. Any origin may call it "
            "(CORS). Answers are compressed (br, gzip) when Accept-Encoding allows; GET answers "
            "carry an ETag and Cache-Control. An empty parameter value counts as absent.",
        },
        "paths": {
            "/api/v1/search": {
                "get": {
                    "summary": "Search articles",
                    "parameters": _search_params(),
                    "responses": _responses("SearchResponse", 400, 503),
                },
                "post": _search_post(),
            },
            "/api/v1/suggest": {
                "get": {
                    "summary": "Search as you type: completions of the last word of q (from "
                    "the archive's vocabulary, most common first) and titles that match",
                    "parameters": [
                        _param("q", "The text typed so far", {"type": "string", "maxLength": 200}),
                        _param(
                            "limit",
                            "Completions and titles, each (default 6)",
                            {"type": "integer", "minimum": 1, "maximum": 10},
                        ),
                    ],
                    "responses": _responses("Suggestions", 400, 503),
                }
            },
            "/api/v1/articles/{article_id}": {
                "get": {
                    "summary": "One article",
                    "parameters": [article_param],
                    "responses": _responses("Article", 400, 404, 503),
                }
            },
            "/api/v1/facets": {
                "get": {
                    "summary": "All facet values with counts",
                    "responses": _responses("FacetsResponse", 503),
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Health",
                    "responses": {
                        "200": {
                            "description": "Serving",
                            "content": {"application/json": {"schema": ref("Health")}},
                        },
                        "503": {
                            "description": "No usable index",
                            "content": {"application/json": {"schema": ref("Health")}},
                        },
                    },
                }
            },
            **research_paths(),
        },
        "components": {**components, "headers": HEADERS},
    }
