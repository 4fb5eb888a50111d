"""The OpenAPI 3.1 document of the JSON API; tests validate every API response against it.

OpenAPI 3.1's schemas are JSON Schema 2020-12: a value that may be null is
``{"type": ["string", "null"]}`` (3.0's ``nullable`` is gone), and an object
with no required properties leaves ``required`` out (an empty list is invalid
in 3.0 and pointless in 3.1).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from search import caps
from search.types import FACET_NAMES, INTERVALS, MATCHES, SORTS

JSON = dict[str, Any]


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: JSON, required: list[str] | None = None) -> JSON:
    """An object of exactly these properties; all required unless ``required`` names some."""
    names = list(props) if required is None else required
    schema: JSON = {"type": "object", "properties": props, "additionalProperties": False}
    return {**schema, "required": names} if names else schema


STR: JSON = {"type": "string"}
NSTR: JSON = {"type": ["string", "null"]}
STRS: JSON = {"type": "array", "items": STR}
DATE: JSON = {"type": ["string", "null"], "format": "date"}
INT: JSON = {"type": "integer", "minimum": 0}
URL: JSON = {"type": "string", "format": "uri"}


SEARCH_REQUIRED = ["total", "page", "per_page", "pages", "hits", "facets", "suggestion"]
SEARCH_REQUIRED += ["query", "notices", "took_ms", "generation"]


def _schemas() -> JSON:
    facet_value = _obj(
        {
            "value": STR,
            "label": STR,
            "count": INT,
            "selected": {"type": "boolean"},
            "excluded": {"type": "boolean"},
        }
    )
    link = _obj({"id": STR, "title": STR, "date": DATE, "lang": STR, "url": URL, "api_url": URL})
    return {
        "Error": _obj(
            {"error": _obj({"code": STR, "message": STR, "status": {"type": "integer"}})}
        ),
        "Snippet": _obj(
            {
                "html": STR,
                "text": STR,
                "matches": {
                    "type": "array",
                    "items": {"type": "array", "items": INT, "minItems": 2, "maxItems": 2},
                },
            }
        ),
        "Hit": _obj(
            {
                "id": STR,
                "title": STR,
                "title_html": STR,
                "date": DATE,
                "tags": STRS,
                "publication": NSTR,
                "lang": STR,
                "url": URL,
                "api_url": URL,
                "summary": STR,
                "snippet": {
                    "type": "string",
                    "description": "Safe HTML: fragments joined by ' … '",
                },
                "snippets": {"type": "array", "items": _ref("Snippet")},
                "score": {"type": ["number", "null"]},
            }
        ),
        "FacetValue": facet_value,
        "Facets": _obj(
            {name: {"type": "array", "items": _ref("FacetValue")} for name in FACET_NAMES},
            required=[],
        ),
        "SearchResponse": _obj(
            {
                "total": INT,
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": caps.MAX_PER_PAGE},
                "pages": {"type": "integer", "minimum": 1},
                "hits": {"type": "array", "items": _ref("Hit")},
                "facets": _ref("Facets"),
                "suggestion": NSTR,
                "query": _obj(
                    {
                        "q": STR,
                        "interpreted": STR,
                        "match": {"type": "string", "enum": list(MATCHES)},
                        "sort": {"type": "string", "enum": list(SORTS)},
                    }
                ),
                "notices": STRS,
                "took_ms": {"type": "number", "minimum": 0},
                "generation": STR,
                "histogram": {
                    "type": "array",
                    "items": _ref("Bucket"),
                    "description": "With histogram=: every period of the matches' span, the "
                    "date filters left out; start and end are the period's first and last day",
                },
                "histogram_interval": {"type": "string", "enum": list(INTERVALS)},
                "histogram_undated": {**INT, "description": "Matches without a date"},
            },
            required=SEARCH_REQUIRED,
        ),
        "Bucket": _obj(
            {
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "count": INT,
            }
        ),
        "ArticleLink": link,
        "Translation": _obj({"id": STR, "lang": STR, "title": STR, "url": URL, "api_url": URL}),
        "Article": _obj(
            {
                "id": STR,
                "path": STR,
                "title": STR,
                "url": URL,
                "api_url": URL,
                "date": DATE,
                "tags": STRS,
                "publication": NSTR,
                "lang": STR,
                "authors": STRS,
                "volume": NSTR,
                "issue": NSTR,
                "image_credit": NSTR,
                "summary": STR,
                "source_format": {"type": "string", "enum": ["markdown", "text"]},
                "source": STR,
                "html": {"type": "string", "description": "The body as sanitised HTML"},
                "text": STR,
                "translations": {"type": "array", "items": _ref("Translation")},
                "related": {"type": "array", "items": _ref("ArticleLink")},
            }
        ),
        "FacetsResponse": _obj({"facets": _ref("Facets"), "generation": STR, "articles": INT}),
        "Health": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["ok", "unavailable"]},
                "generation": STR,
                "engine": STR,
                "articles": INT,
                "created": STR,
                "error": _obj({"code": STR, "message": STR}),
            },
            "required": ["status"],
            "additionalProperties": False,
        },
    }


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


def _responses(ok_schema: str, *errors: int) -> JSON:
    out: JSON = {
        "200": {"description": "OK", "content": {"application/json": {"schema": _ref(ok_schema)}}}
    }
    texts = {
        400: "Bad request",
        404: "Not found",
        405: "Method not allowed",
        429: "Too many requests from this client: wait Retry-After seconds",
        500: "Internal error",
        503: "Index unavailable",
    }
    for status in (*errors, 405, 429, 500):
        out[str(status)] = {
            "description": texts[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    out["429"]["headers"] = {
        "Retry-After": {
            "description": "Seconds until the client's rate limit lets a request through",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    return out


@lru_cache(maxsize=1)
def openapi_document() -> JSON:
    from web.openapi_research import research_paths, research_schemas

    article_param = {"name": "article_id", "in": "path", "required": True, "schema": STR}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "archive-search API",
            "version": "1.0.0",
            "description": "Full-text search over an archive of articles. Any origin may GET it.",
        },
        "paths": {
            "/api/v1/search": {
                "get": {
                    "summary": "Search articles",
                    "parameters": _search_params(),
                    "responses": _responses("SearchResponse", 400, 503),
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
                            "content": {"application/json": {"schema": _ref("Health")}},
                        },
                        "503": {
                            "description": "No usable index",
                            "content": {"application/json": {"schema": _ref("Health")}},
                        },
                    },
                }
            },
            **research_paths(),
        },
        "components": {"schemas": {**_schemas(), **research_schemas()}},
    }
