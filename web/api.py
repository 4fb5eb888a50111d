"""The JSON API for other sites: ``/api/v1/…`` (CORS open) and ``/healthz``.

Searches are ``GET`` with a query string or ``POST`` with the same parameters
as a JSON object (arrays for repeatable filters), as Elasticsearch, Meilisearch
and Typesense accept. ``GET`` answers carry a weak ETag and ``Cache-Control``
(``web.httpcache``) and are answered ``304`` when the client holds them.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, request

from search import limits
from search.errors import BadRequest
from search.request import (
    build_request,
    check_article_id,
    clean_text,
    is_ignored,
    params_from_object,
    to_params,
)
from search.suggest import DEFAULT_LIMIT
from search.types import SearchRequest, SearchResult
from web.context import service
from web.export import export_response
from web.httpcache import cacheable, etag_for, not_modified
from web.links import external, request_urls
from web.openapi import openapi_document
from web.serialise import article_json, facets_json, result_json, suggestions_json

bp = Blueprint("api", __name__)

JSON_BODY_LIMIT = 64 * 1024
"""Bytes of a POST body: far above any valid search (the query is capped at 1,000 characters)."""


@bp.get("/api/v1/search")
def search() -> Response:
    return _search(build_request(request.args.to_dict(flat=False)))


@bp.post("/api/v1/search")
def search_post() -> Response:
    if request.mimetype != "application/json":
        abort(415, description="send the search as a JSON object (Content-Type: application/json)")
    if (request.content_length or 0) > JSON_BODY_LIMIT:
        abort(413, description=f"the request body is larger than {JSON_BODY_LIMIT} bytes")
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("the request body is not valid JSON", code="bad_body")
    return _search(build_request(params_from_object(body)), conditional=False)


def _search(req: SearchRequest, *, conditional: bool = True) -> Response:
    svc = service()
    # known before searching; a reindex in between gives an older tag, so the next
    # revalidation is simply a 200
    tag = etag_for(svc.info(), "search", urlencode(to_params(req)))
    if conditional:
        early = not_modified(tag)
        if early is not None:
            return early
    result = svc.search(req)
    return cacheable(jsonify(result_json(result, request_urls(), links(result))), tag)


def links(result: SearchResult) -> dict[str, str | None]:
    """``self``, ``next`` and ``prev`` as GET URLs of the API (``null`` where there is none)."""
    req = result.request
    base = external("api.search")

    def at(page: int) -> str:
        query = urlencode(to_params(dataclasses.replace(req, page=page)))
        return f"{base}?{query}" if query else base

    last = min(result.pages, limits.MAX_RESULT_WINDOW // req.per_page)
    return {
        "self": at(req.page),
        "next": at(req.page + 1) if req.page < last else None,
        "prev": at(min(req.page - 1, last)) if req.page > 1 else None,
    }


@bp.get("/api/v1/export")
def export() -> Response:
    return export_response(request.args.to_dict(flat=False))


@bp.get("/api/v1/articles/<path:article_id>")
def article(article_id: str) -> Response:
    svc = service()
    tag = etag_for(svc.info(), "article", check_article_id(article_id))
    early = not_modified(tag)
    if early is not None:
        return early
    item, related = svc.article_page(article_id)
    return cacheable(jsonify(article_json(item, related, request_urls())), tag)


@bp.get("/api/v1/facets")
def facets() -> Response:
    svc = service()
    info = svc.info()
    tag = etag_for(info, "facets", "")
    early = not_modified(tag)
    if early is not None:
        return early
    body = {
        "facets": facets_json(svc.facet_values()),
        "generation": info.generation,
        "articles": info.articles,
    }
    return cacheable(jsonify(body), tag)


SUGGEST_PARAMS = ("q", "limit")


@bp.get("/api/v1/suggest")
def suggest() -> Response:
    """Completions of the word being typed and matching titles (search as you type)."""
    args = request.args
    unknown = [name for name in args if name not in SUGGEST_PARAMS and not is_ignored(name)]
    if unknown:
        raise BadRequest(
            f"unknown parameter '{clean_text(unknown[0])[:40]}'; "
            f"known parameters: {', '.join(SUGGEST_PARAMS)}",
            code="unknown_parameter",
        )
    text = clean_text(args.get("q", ""))
    limit_text = args.get("limit", "") or str(DEFAULT_LIMIT)
    if not (limit_text.isascii() and limit_text.isdigit() and len(limit_text) < 4):
        raise BadRequest("parameter 'limit' must be a whole number")
    svc = service()
    tag = etag_for(svc.info(), "suggest", f"{limit_text}\0{text}")
    early = not_modified(tag)
    if early is not None:
        return early
    found = svc.suggest(text, int(limit_text))
    return cacheable(jsonify(suggestions_json(found, request_urls())), tag)


@bp.get("/api/v1/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/healthz")
def healthz() -> Response:
    health = service().health()
    response = jsonify(health)
    response.status_code = 200 if health.get("status") == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
