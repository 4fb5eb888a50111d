"""Headers on every response, CORS for the API only, and refusal of URLs that are not UTF-8."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, request
from werkzeug.exceptions import MethodNotAllowed

from web.context import API_PREFIX

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    # Content-Type: a JSON POST is not a "simple" request, the browser preflights it
    "Access-Control-Allow-Headers": (
        "Accept, Accept-Language, Content-Language, Content-Type, If-None-Match"
    ),
    # what browser code may read besides the CORS-safelisted headers
    "Access-Control-Expose-Headers": (
        "ETag, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, "
        "Content-Disposition, X-Total-Count"
    ),
    "Access-Control-Max-Age": "86400",
}
ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})
"""Methods routing may see; POST exists only where a route takes it (else routing's 405)."""
CORS_PATHS = ("/healthz",)
"""Outside the API prefix, still readable by other sites (uptime dashboards)."""
_PAGE_HEADERS = tuple(SECURITY_HEADERS.items())
_API_HEADERS = _PAGE_HEADERS + tuple(CORS_HEADERS.items())
_OURS = frozenset(name.lower() for name, _ in _API_HEADERS)


def url_is_utf8(path_info: str, query_string: bytes | str) -> bool:
    """WSGI hands the path over as latin-1 text; the query string still percent-encoded."""
    raw_query = query_string if isinstance(query_string, bytes) else query_string.encode("latin-1")
    try:
        path_info.encode("latin-1").decode("utf-8")
        unquote_to_bytes(raw_query.replace(b"+", b" ")).decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return False
    return True


def check_request() -> None:
    if request.method not in ALLOWED_METHODS:
        # routing has already found which methods the URL takes (POST on the search too)
        refused = request.routing_exception
        valid = refused.valid_methods if isinstance(refused, MethodNotAllowed) else None
        raise MethodNotAllowed(
            valid_methods=valid, description=f"method {request.method} is not allowed; use GET"
        )
    # (a POST to a GET-only route is refused by routing, with that route's Allow header)
    environ = request.environ
    if not url_is_utf8(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")):
        abort(400, description="the URL is not valid UTF-8")


def add_headers(response: Response) -> Response:
    path = request.path
    added = _API_HEADERS if path.startswith(API_PREFIX) or path in CORS_PATHS else _PAGE_HEADERS
    headers = response.headers
    if _OURS.isdisjoint(name.lower() for name, _ in headers):
        # appending is a third of the cost of replacing, which scans for each name
        headers.extend(added)
    else:
        headers.update(dict(added))
    return response


def init_app(app: Flask) -> None:
    app.before_request(check_request)
    app.after_request(add_headers)
