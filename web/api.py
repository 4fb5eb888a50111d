"""The JSON API for other sites: ``/api/v1/…`` (CORS open, GET only) and ``/healthz``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from search.request import build_request, check_article_id
from web.context import service
from web.export import export_response
from web.links import request_urls
from web.openapi import openapi_document
from web.serialise import article_json, facets_json, result_json

bp = Blueprint("api", __name__)


@bp.get("/api/v1/search")
def search() -> Response:
    req = build_request(request.args.to_dict(flat=False))
    return jsonify(result_json(service().search(req), request_urls()))


@bp.get("/api/v1/export")
def export() -> Response:
    return export_response(request.args.to_dict(flat=False))


@bp.get("/api/v1/articles/<path:article_id>")
def article(article_id: str) -> Response:
    item, related = service().article_page(check_article_id(article_id))
    return jsonify(article_json(item, related, request_urls()))


@bp.get("/api/v1/facets")
def facets() -> Response:
    svc = service()
    info = svc.info()
    return jsonify(
        {
            "facets": facets_json(svc.facet_values()),
            "generation": info.generation,
            "articles": info.articles,
        }
    )


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
