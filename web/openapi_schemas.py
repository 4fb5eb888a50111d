"""The schemas (``components.schemas``) of the OpenAPI 3.1 document: JSON Schema 2020-12.

A value that may be null is ``{"type": [T, "null"]}``; an object lists its
properties and, unless told otherwise, requires them all and allows no other.
"""

from __future__ import annotations

from typing import Any

from search import limits
from search.types import FACET_NAMES, GROUPINGS, INTERVALS, MATCHES, SORTS

JSON = dict[str, Any]


def ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: JSON, required: list[str] | None = None) -> JSON:
    """An object of exactly these properties; all required unless ``required`` names some."""
    names = list(props) if required is None else required
    schema: JSON = {"type": "object", "properties": props, "additionalProperties": False}
    return {**schema, "required": names} if names else schema


STR: JSON = {"type": "string"}
NSTR: JSON = {"type": ["string", "null"]}
STRS: JSON = {"type": "array", "items": STR}
DATE: JSON = {"type": ["string", "null"], "format": "date"}
INT: JSON = {"type": "integer", "minimum": 0}
# Absolute under ARCHIVE_SEARCH_PUBLIC_URL, else relative to the service: a URI reference.
URL: JSON = {"type": "string", "format": "uri-reference"}
NURL: JSON = {"type": ["string", "null"], "format": "uri-reference"}

SEARCH_REQUIRED = [
    "total",
    "count_unit",
    "articles",
    "page",
    "per_page",
    "pages",
    "hits",
    "facets",
    "suggestion",
]
SEARCH_REQUIRED += ["query", "notices", "took_ms", "generation", "links"]


def schemas() -> JSON:
    facet_value = obj(
        {
            "value": STR,
            "label": STR,
            "count": INT,
            "selected": {"type": "boolean"},
            "excluded": {"type": "boolean"},
        }
    )
    link = obj({"id": STR, "title": STR, "date": DATE, "lang": STR, "url": URL, "api_url": URL})
    return {
        "Error": obj({"error": obj({"code": STR, "message": STR, "status": {"type": "integer"}})}),
        "Snippet": obj(
            {
                "html": STR,
                "text": STR,
                "matches": {
                    "type": "array",
                    "items": {"type": "array", "items": INT, "minItems": 2, "maxItems": 2},
                },
            }
        ),
        "Hit": obj(
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
                "snippets": {"type": "array", "items": ref("Snippet")},
                "score": {
                    "type": ["number", "null"],
                    "description": "Grouped: the group's score (its best-ranked member's)",
                },
                "also_in": {
                    "type": "array",
                    "items": ref("GroupMember"),
                    "description": "group=translations: the other members of this hit's "
                    "translation group, by language (empty when not grouped)",
                },
            }
        ),
        "GroupMember": obj(
            {
                "id": STR,
                "lang": STR,
                "lang_name": {"type": "string", "description": "The language's own name"},
                "title": STR,
                "matched": {
                    "type": "boolean",
                    "description": "This member matched the search too",
                },
                "url": URL,
                "api_url": URL,
            }
        ),
        "FacetValue": facet_value,
        "Facets": obj(
            {name: {"type": "array", "items": ref("FacetValue")} for name in FACET_NAMES},
            required=[],
        ),
        "SearchResponse": obj(
            {
                "total": {
                    **INT,
                    "description": "Matches, exactly: articles, or translation groups when "
                    "grouped (count_unit)",
                },
                "count_unit": {
                    "type": "string",
                    "enum": ["articles", "groups"],
                    "description": "What total, pages and the facet counts count: groups "
                    "with group=translations (a facet value counts the groups selecting it "
                    "would keep), else articles; the histogram always counts articles",
                },
                "articles": {
                    **INT,
                    "description": "Matching articles (equals total unless grouped)",
                },
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": limits.MAX_PER_PAGE},
                "pages": {"type": "integer", "minimum": 1},
                "hits": {"type": "array", "items": ref("Hit")},
                "facets": ref("Facets"),
                "suggestion": NSTR,
                "corrected": {"type": "boolean"},
                "query": obj(
                    {
                        "q": STR,
                        "interpreted": STR,
                        "match": {"type": "string", "enum": list(MATCHES)},
                        "sort": {"type": "string", "enum": list(SORTS)},
                        "group": {"type": "string", "enum": list(GROUPINGS)},
                        "lang_pref": STRS,
                    }
                ),
                "notices": STRS,
                "took_ms": {"type": "number", "minimum": 0},
                "generation": STR,
                "links": obj({"self": URL, "next": NURL, "prev": NURL}),
                "histogram": {
                    "type": "array",
                    "items": ref("Bucket"),
                    "description": "With histogram=: every period of the matches' span, the "
                    "date filters left out; start and end are the period's first and last day",
                },
                "histogram_interval": {"type": "string", "enum": list(INTERVALS)},
                "histogram_undated": {**INT, "description": "Matches without a date"},
            },
            required=SEARCH_REQUIRED,
        ),
        "Bucket": obj(
            {
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "count": INT,
            }
        ),
        "ArticleLink": link,
        "Translation": obj({"id": STR, "lang": STR, "title": STR, "url": URL, "api_url": URL}),
        "Article": obj(
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
                "lang_name": {"type": "string", "description": "The language's own name"},
                "lang_source": {
                    "type": "string",
                    "enum": ["declared", "folder", "detected", "site", "default"],
                    "description": "What decided lang",
                },
                "modified": DATE,
                "authors": STRS,
                "volume": NSTR,
                "issue": NSTR,
                "image_credit": NSTR,
                "summary": STR,
                "source_format": {"type": "string", "enum": ["markdown", "text"]},
                "source": {
                    "type": "string",
                    "description": "The body's Markdown (or text) as the page renders it: "
                    "template tags, shortcodes, MDX statements and JSX reduced to their text",
                },
                "source_url": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The article's own address on the web, when the archive "
                    "gives one (a table's url column, front matter's canonical URL)",
                },
                "html": {"type": "string", "description": "The body as sanitised HTML"},
                "text": STR,
                "translations": {"type": "array", "items": ref("Translation")},
                "related": {"type": "array", "items": ref("ArticleLink")},
            }
        ),
        "FacetsResponse": obj({"facets": ref("Facets"), "generation": STR, "articles": INT}),
        "Suggestions": obj(
            {
                "q": STR,
                "word": {**STR, "description": "The word being completed, lower-cased"},
                "completions": {
                    "type": "array",
                    "items": obj(
                        {
                            "word": STR,
                            "query": {**STR, "description": "q with its last word completed"},
                            "count": {**INT, "description": "Articles holding the word"},
                        }
                    ),
                },
                "titles": {"type": "array", "items": ref("ArticleLink")},
            }
        ),
        "Health": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["ok", "unavailable"]},
                "generation": STR,
                "engine": STR,
                "articles": INT,
                "created": STR,
                "error": obj({"code": STR, "message": STR}),
                "servers": {
                    "type": "array",
                    "description": "PostgreSQL servers (postgres engine): role, whether it "
                    "answers, seconds behind the primary (null: no primary seen)",
                    "items": obj(
                        {
                            "host": STR,
                            "up": {"type": "boolean"},
                            "role": {"type": "string", "enum": ["primary", "standby"]},
                            "lag": {"type": ["number", "null"]},
                            "timeline": INT,
                        }
                    ),
                },
            },
            "required": ["status"],
            "additionalProperties": False,
        },
    }
