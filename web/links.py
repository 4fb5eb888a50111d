"""The URLs the service writes, never built from the client's ``Host`` header.

The ``Host`` header is the client's to choose: a URL built from it, cached by a
shared cache in front, sends every later reader wherever the first client
wanted. So every URL the service writes (the API's ``url``, ``api_url`` and
``links``, the CSV's ``url``, a redirect's ``Location``) is either under the
configured ``PUBLIC_URL`` (``$ARCHIVE_SEARCH_PUBLIC_URL``), or, without one,
relative to the server's root (``/articles/…``), which a client resolves
against the URL it asked (RFC 3986, section 5). A script root handed over by
the WSGI server (``SCRIPT_NAME``) is left out too: a service mounted below a
path says so in its public URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request, url_for

from web.serialise import ArticleUrls

URLS_KEY = "archive_search.article_urls"


def public_base() -> str:
    """The public URL without its trailing slash; ``""`` when none is configured."""
    return str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")


def request_urls() -> ArticleUrls:
    """The two article URL prefixes: the same for every request of this app."""
    urls: ArticleUrls | None = current_app.extensions.get(URLS_KEY)
    if urls is None:
        urls = current_app.extensions[URLS_KEY] = ArticleUrls.relative(public_base())
    return urls


def _from_root(path: str) -> str:
    root = request.script_root
    return path[len(root) :] if root and path.startswith(root + "/") else path


def external(endpoint: str, **values: Any) -> str:
    """``url_for`` under the public URL (or relative), whatever the request's ``Host``."""
    return public_base() + _from_root(url_for(endpoint, **values))


def public_location(location: str) -> str:
    """A redirect target built by the routing (from the request's host) made public."""
    parts = urlsplit(location)
    path = _from_root(parts.path) + (f"?{parts.query}" if parts.query else "")
    return public_base() + path


def public_redirect(response: Response) -> Response:
    """Werkzeug's own redirects (``//`` merged, a missing slash) name the request's host:
    their ``Location`` is put under the public URL, or made relative. The service never
    redirects to another site, so every ``Location`` is one of ours."""
    location = response.headers.get("Location")
    if location and 300 <= response.status_code < 400:
        response.headers["Location"] = public_location(location)
    return response


def init_app(app: Flask) -> None:
    app.after_request(public_redirect)
