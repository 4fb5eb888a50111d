"""The OpenAPI 3.1 document of the JSON API; tests validate every API response against it.

OpenAPI 3.1's schemas are JSON Schema 2020-12: a value that may be null is
``{"type": ["string", "null"]}`` (3.0's ``nullable`` is gone), and an object
with no required properties leaves ``required`` out (an empty list is invalid
in 3.0 and pointless in 3.1).
"""

from __future__ import annotations

from functools import lru_cache

from search import caps
from search.types import FACET_NAMES, INTERVALS, MATCHES, SORTS
from web.openapi_schemas import JSON, STR, ref, schemas


def _param(name: str, description: str, schema: JSON, *, repeat: bool = False) -> JSON:
    if repeat:
        # No maxItems: the cap counts non-empty values over all filter parameters together
        # (empty ones are ignored), which a per-parameter schema cannot state exactly.
        schema = {"type": "array", "items": schema}
        description += (
            f" (at most {caps.MAX_FILTER_VALUES} non-empty values over all filters together)"
        )
    param = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "allowEmptyValue": True,  # an empty value (an empty form field) counts as absent
    }
    return {**param, "schema": schema, **({"style": "form", "explode": True} if repeat else {})}


def _search_params() -> list[JSON]:
    params = [
        _param("q", "Query text", {"type": "string", "maxLength": caps.MAX_QUERY_CHARS}),
        _param(
            "sort",
            "Defaults to relevance with a query, newest without",
            {"type": "string", "enum": list(SORTS)},
        ),
        _param("match", "all (default) or any word", {"type": "string", "enum": list(MATCHES)}),
        _param(
            "page",
            f"From 1; page*per_page ≤ {caps.MAX_RESULT_WINDOW}",
            {"type": "integer", "minimum": 1},
        ),
        _param(
            "per_page",
            "Results per page",
            {"type": "integer", "minimum": 1, "maximum": caps.MAX_PER_PAGE},
        ),
        _param("from", "Earliest date: YYYY-MM-DD, YYYY-MM or YYYY", STR),
        _param("to", "Latest date: YYYY-MM-DD, YYYY-MM or YYYY", STR),
        _param("snippets", "0 leaves out snippets", {"type": "string", "enum": ["0", "1"]}),
        _param("facets", "0 leaves out facet counts", {"type": "string", "enum": ["0", "1"]}),
        _param(
            "histogram",
            "Count the matches over time by this interval (auto: chosen from the span)",
            {"type": "string", "enum": [*INTERVALS, "auto"]},
        ),
    ]
    for name in FACET_NAMES:
        params.append(
            _param(name, f"Only articles with any of these {name} values", STR, repeat=True)
        )
        params.append(
            _param(f"not_{name}", f"Leave out articles with these {name} values", STR, repeat=True)
        )
    return params


HEADERS: JSON = {
    "ETag": {
        "description": "Weak validator of this answer (generation + normalised request); "
        "send it back in If-None-Match to get a 304",
        "schema": STR,
    },
    "Cache-Control": {"description": "public, max-age=N (N is configurable)", "schema": STR},
    "Retry-After": {
        "description": "Seconds until the client's rate limit lets a request through",
        "schema": {"type": "integer", "minimum": 1},
    },
    "RateLimit-Limit": {
        "description": "Requests the client may make at once (its bucket)",
        "schema": {"type": "integer", "minimum": 1},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the client's bucket after this one",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the client's bucket is full again",
        "schema": {"type": "integer", "minimum": 0},
    },
}
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
ERROR_TEXTS = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Request body is not JSON",
    429: "Too many requests from this client: wait Retry-After seconds",
    500: "Internal error",
    503: "Index unavailable",
}


def _header_refs(*names: str) -> JSON:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _responses(ok_schema: str, *errors: int, cached: bool = True) -> JSON:
    ok: JSON = {"description": "OK", "content": {"application/json": {"schema": ref(ok_schema)}}}
    out: JSON = {"200": ok}
    ok["headers"] = _header_refs(*RATE_LIMIT_HEADERS)
    if cached:
        ok["headers"] = _header_refs("ETag", "Cache-Control", *RATE_LIMIT_HEADERS)
        out["304"] = {
            "description": "Not modified: the copy named in If-None-Match is current",
            "headers": _header_refs("ETag", "Cache-Control"),
        }
    for status in (*errors, 405, 429, 500):
        out[str(status)] = {
            "description": ERROR_TEXTS[status],
            "content": {"application/json": {"schema": ref("Error")}},
        }
    out["429"]["headers"] = _header_refs("Retry-After", *RATE_LIMIT_HEADERS)
    return out


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
    from web.openapi_research import research_paths, research_schemas

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
