"""The IETF ``RateLimit`` header fields, derived from the limiter's decision for the request.

``RateLimit-Limit`` is the client's requests bucket (its burst),
``RateLimit-Remaining`` the whole requests left in it after this one, and
``RateLimit-Reset`` the seconds until it is full again (the field names of
draft-ietf-httpapi-ratelimit-headers; the values are what ``web.ratelimit``
decided, read from ``flask.g``, so they count down across all workers). A
refused request also carries ``Retry-After`` (set by the limiter). CORS exposes
all four to browser code (``web.security``). Answers that were not limited
(``/healthz``, static files, limiting off) carry none.
"""

from __future__ import annotations

from flask import Flask, Response

from web import ratelimit


def add_headers(response: Response) -> Response:
    decision = ratelimit.current()
    if decision is None or not decision.limit:
        return response
    headers = response.headers
    headers["RateLimit-Limit"] = str(decision.limit)
    headers["RateLimit-Remaining"] = str(decision.remaining if decision.allowed else 0)
    headers["RateLimit-Reset"] = str(decision.reset)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
