"""Parameters and responses of the OpenAPI document, shared by its core and research paths."""

from __future__ import annotations

from search import limits
from search.types import FACET_NAMES, GROUPINGS, INTERVALS, MATCHES, SORTS
from web.openapi_schemas import JSON, STR, ref


def _param(name: str, description: str, schema: JSON, *, repeat: bool = False) -> JSON:
    if repeat:
        # No maxItems: the cap counts non-empty values over all filter parameters together
        # (empty ones are ignored), which a per-parameter schema cannot state exactly.
        schema = {"type": "array", "items": schema}
        description += (
            f" (at most {limits.MAX_FILTER_VALUES} non-empty values over all filters together)"
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
        _param("q", "Query text", {"type": "string", "maxLength": limits.MAX_QUERY_CHARS}),
        _param(
            "sort",
            "Defaults to relevance with a query, newest without",
            {"type": "string", "enum": list(SORTS)},
        ),
        _param("match", "all (default) or any word", {"type": "string", "enum": list(MATCHES)}),
        _param(
            "page",
            f"From 1; page*per_page ≤ {limits.MAX_RESULT_WINDOW}",
            {"type": "integer", "minimum": 1},
        ),
        _param(
            "per_page",
            "Results per page",
            {"type": "integer", "minimum": 1, "maximum": limits.MAX_PER_PAGE},
        ),
        _param("from", "Earliest date: YYYY-MM-DD, YYYY-MM or YYYY", STR),
        _param("to", "Latest date: YYYY-MM-DD, YYYY-MM or YYYY", STR),
        _param("snippets", "0 leaves out snippets", {"type": "string", "enum": ["0", "1"]}),
        _param("facets", "0 leaves out facet counts", {"type": "string", "enum": ["0", "1"]}),
        _param(
            "correct",
            "1 (default): a query without hits shows its did-you-mean suggestion's results "
            "(corrected: true); 0: never",
            {"type": "string", "enum": ["0", "1"]},
        ),
        _param(
            "group",
            "translations: one hit per translation group (the member in the reader's "
            "language when it matched, else the best-ranked one, with the others in also_in; "
            "total and facets count groups). Default here: none (articles); the HTML pages "
            "default to translations when the archive has translation groups",
            {"type": "string", "enum": list(GROUPINGS)},
        ),
        _param(
            "lang_pref",
            "The reader's languages, most preferred first, comma-separated (de,en): which "
            "member a translation group shows",
            {"type": "string", "maxLength": 400},
        ),
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
