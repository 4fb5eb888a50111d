"""Headers on every response, CORS for the API only, and refusal of URLs that are not UTF-8."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, request

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
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Language, If-None-Match",
    "Access-Control-Max-Age": "86400",
}
ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
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
        abort(405, description=f"method {request.method} is not allowed; use GET")
    environ = request.environ
    if not url_is_utf8(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")):
        abort(400, description="the URL is not valid UTF-8")


def add_headers(response: Response) -> Response:
    added = _API_HEADERS if request.path.startswith(API_PREFIX) else _PAGE_HEADERS
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
