"""One error shape for the API, friendly pages for browsers, the same status codes for both."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify, render_template
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from search.errors import SearchError
from web.context import wants_json
from web.serialise import error_body

log = logging.getLogger(__name__)

GENERIC_500 = "Something went wrong on our side. Please try again later."


def error_response(code: str, message: str, status: int) -> Response:
    if wants_json():
        response = jsonify(error_body(code, message, status))
    else:
        html = render_template("error.html", code=code, message=message, status=status)
        response = Response(html, mimetype="text/html")
    response.status_code = status
    return response


def _http_code(exc: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (exc.name or "error").lower()).strip("_")


def handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = error_response(_http_code(exc), exc.description or exc.name, status)
    if isinstance(exc, MethodNotAllowed):
        # routing knows the route's methods (POST on the search); our own 405s are GET-only
        allowed = sorted(exc.valid_methods or ("GET", "HEAD", "OPTIONS"))
        response.headers["Allow"] = ", ".join(allowed)
    return response


def handle_search(exc: SearchError) -> Response:
    if exc.status >= 500:
        log.warning("search unavailable: %s: %s", exc.code, exc.message)
    return error_response(exc.code, exc.message, exc.status)


def handle_unexpected(exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return error_response("internal_error", GENERIC_500, 500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(SearchError, handle_search)
    app.register_error_handler(Exception, handle_unexpected)
