"""The research endpoints' part of the OpenAPI document: export, concordance, trends."""

from __future__ import annotations

from search import limits
from search.exporting import FIELDS
from search.kwic import ORDERS
from search.trends import MAX_SERIES
from search.types import INTERVALS
from web.openapi_parts import _param, _responses, _search_params
from web.openapi_schemas import DATE, INT, JSON, NSTR, STR, STRS, URL
from web.openapi_schemas import obj as _obj
from web.openapi_schemas import ref as _ref

POSITIVE: JSON = {"type": "integer", "minimum": 1}
GONE = {
    "description": "The cursor belongs to an index generation that is no longer served",
    "content": {"application/json": {"schema": _ref("Error")}},
}


def research_schemas() -> JSON:
    nullable_str = NSTR
    return {
        "ExportRow": _obj(
            {
                "id": STR,
                "title": STR,
                "date": DATE,
                "authors": STRS,
                "tags": STRS,
                "publication": nullable_str,
                "lang": STR,
                "url": URL,
                "summary": STR,
                "snippet": {"type": "string", "description": "Plain text fragments"},
                "text": STR,
            },
            required=[],
        ),
        "ExportManifest": _obj(
            {
                "query": STR,
                "interpreted": STR,
                "parameters": {
                    "type": "object",
                    "additionalProperties": STRS,
                    "description": "Every parameter of the request, as given",
                },
                "sort": STR,
                "format": STR,
                "fields": STRS,
                "generation": STR,
                "generation_created": STR,
                "engine": STR,
                "service_version": STR,
                "exported_at": {"type": "string", "format": "date-time"},
                "total": {**INT, "description": "Every match of the search"},
                "count": {**INT, "description": "Rows in this export"},
                "cursor": nullable_str,
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "Give as cursor= to continue after the last row",
                },
                "sha256": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{64}$",
                    "description": "JSON: of the articles value as written; JSON Lines: of "
                    "every line after the first; ZIP: of the data file",
                },
            }
        ),
        "KwicLine": _obj(
            {
                "id": STR,
                "title": STR,
                "date": DATE,
                "lang": STR,
                "url": URL,
                "left": STR,
                "match": {"type": "string", "description": "The words that matched, as written"},
                "right": STR,
            }
        ),
        "KwicResponse": _obj(
            {
                "lines": {"type": "array", "items": _ref("KwicLine")},
                "total_lines": INT,
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "articles": {**INT, "description": "Articles the search selects"},
                "articles_read": {**INT, "description": "Of those, articles read for lines"},
                "capped_articles": {**INT, "description": "Articles with more than per_article"},
                "per_article": INT,
                "limit": INT,
                "limit_reached": {"type": "boolean"},
                "out_of_time": {"type": "boolean"},
                "width": INT,
                "order": {"type": "string", "enum": list(ORDERS)},
                "interpreted": STR,
                "generation": STR,
            }
        ),
        "TrendsResponse": _obj(
            {
                "interval": {"type": "string", "enum": list(INTERVALS)},
                "periods": {
                    "type": "array",
                    "items": _obj(
                        {
                            "start": {"type": "string", "format": "date"},
                            "end": {"type": "string", "format": "date"},
                            "total": {**INT, "description": "All articles under the filters"},
                        }
                    ),
                },
                "series": {
                    "type": "array",
                    "items": _obj(
                        {
                            "q": STR,
                            "interpreted": STR,
                            "total": INT,
                            "counts": {"type": "array", "items": INT},
                            "shares": {
                                "type": "array",
                                "items": {"type": "number", "minimum": 0, "maximum": 1},
                            },
                        }
                    ),
                },
                "notices": STRS,
                "generation": STR,
            }
        ),
        "ExportResponse": _obj(
            {
                "manifest": _ref("ExportManifest"),
                "total": INT,
                "exported": INT,
                "articles": {"type": "array", "items": _ref("ExportRow")},
            }
        ),
    }


def _export_params() -> list[JSON]:
    params = [p for p in _search_params() if p["name"] not in ("page", "per_page", "histogram")]
    return [
        *params,
        _param(
            "format",
            "csv (default), jsonl (JSON Lines, the manifest on the first line) or json",
            {"type": "string", "enum": ["csv", "jsonl", "json"]},
        ),
        _param(
            "fields",
            f"Comma-separated columns from {', '.join(FIELDS)}",
            {"type": "string"},
        ),
        _param("limit", "Rows in this response (default: all)", {"type": "integer", "minimum": 1}),
        _param("cursor", "Continue after the last row of an earlier response", STR),
        _param("zip", "1: a ZIP of the data file and manifest.json", {"enum": ["0", "1"]}),
    ]


def _export_responses() -> JSON:
    out = _responses("ExportResponse", 400, 503)
    content = out["200"]["content"]
    content["text/csv"] = {"schema": {"type": "string"}}
    content["application/jsonl"] = {"schema": {"type": "string"}}
    content["application/zip"] = {"schema": {"type": "string", "contentEncoding": "binary"}}
    out["200"]["headers"] = {
        **out["200"].get("headers", {}),  # ETag and Cache-Control
        "Content-Disposition": {"schema": STR, "description": "attachment; filename=…"},
        "X-Next-Cursor": {"schema": STR, "description": "When rows remain after this response"},
    }
    out["410"] = GONE
    return out


def _kwic_params() -> list[JSON]:
    params = [p for p in _search_params() if p["name"] not in ("sort", "histogram")]
    return [
        *params,
        _param("width", "Words each side (default 8)", {"type": "integer", "minimum": 0}),
        _param("order", "Sort the lines by", {"type": "string", "enum": list(ORDERS)}),
        _param("per_article", "Lines from one article at most (default 20)", POSITIVE),
        _param("limit", "Lines in all at most (default 2,000)", POSITIVE),
        _param("format", "json (default) or csv: every line", {"enum": ["json", "csv"]}),
    ]


def _with_csv(out: JSON) -> JSON:
    out["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    out["200"]["headers"] = {"Content-Disposition": {"schema": STR}}
    return out


def _trends_params() -> list[JSON]:
    drop = ("q", "sort", "page", "per_page", "snippets", "facets", "histogram")
    params = [p for p in _search_params() if p["name"] not in drop]
    return [
        _param(
            "q",
            f"One query per series, from 1 to {MAX_SERIES}",
            {"type": "string", "maxLength": limits.MAX_QUERY_CHARS},
            repeat=True,
        ),
        *params,
        _param("interval", "Periods (auto: from the span)", {"enum": [*INTERVALS, "auto"]}),
        _param("format", "json (default) or csv", {"enum": ["json", "csv"]}),
    ]


def research_paths() -> JSON:
    return {
        "/api/v1/trends": {
            "get": {
                "summary": "Term trends: matching articles per period and their share of all",
                "parameters": _trends_params(),
                "responses": _with_csv(_responses("TrendsResponse", 400, 503)),
            }
        },
        "/api/v1/kwic": {
            "get": {
                "summary": "Keyword in context: every occurrence of the query's matches",
                "parameters": _kwic_params(),
                "responses": _with_csv(_responses("KwicResponse", 400, 503)),
            }
        },
        "/api/v1/export": {
            "get": {
                "summary": "Every result of a search, streamed, with a manifest to cite it by",
                "parameters": _export_params(),
                "responses": _export_responses(),
            }
        },
    }
