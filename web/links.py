"""The article URLs of the request being answered, as ``url_for`` would build them."""

from __future__ import annotations

from flask import current_app, url_for
from flask import request as http_request

from web.serialise import ArticleUrls

_MARKER = "article-id-marker"
URL_PARTS_KEY = "archive_search.url_parts"
URL_PARTS_KEPT = 64
"""Distinct (scheme, host, script root) whose prefixes are kept; the Host header is the
client's to choose, so the table is bounded."""
_URL_ENVIRON = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")


def request_urls() -> ArticleUrls:
    """The two article URL prefixes for this request, worked out once per host.

    ``url_for`` costs ~40 µs a call, and a page of hits needs two per hit; the id is
    the last part of both rules, so the prefix plus the id quoted as the rule's
    ``path`` converter quotes it is exactly what ``url_for`` builds (a test compares
    them). What ``url_for`` takes from a request is its scheme, host and script
    root: the prefixes are kept per app for each combination of those (as the WSGI
    server or a trusted proxy fix handed them over).
    """
    environ = http_request.environ
    key = tuple(environ.get(name) for name in _URL_ENVIRON)
    known: dict[tuple[object, ...], ArticleUrls] = current_app.extensions.setdefault(
        URL_PARTS_KEY, {}
    )
    cached = known.get(key)
    if cached is None:
        page = url_for("pages.article", article_id=_MARKER, _external=True)
        api = url_for("api.article", article_id=_MARKER, _external=True)
        cached = ArticleUrls(page.removesuffix(_MARKER), api.removesuffix(_MARKER))
        if len(known) >= URL_PARTS_KEPT:
            known.clear()
        known[key] = cached
    return cached
