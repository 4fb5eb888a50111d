"""HTTP caching of API answers (RFC 9110/9111): ETag, 304 Not Modified, Cache-Control.

An answer is fully determined by the index generation it was read from, the
normalised request (``search.request.to_params``: defaults, ignored and empty
parameters left out) and the code that wrote it. The ETag is a digest of those,
so it is known *before* the search runs: a matching ``If-None-Match`` is
answered ``304`` without searching. It is weak (``W/``) because two answers
with the same tag are equivalent, not byte-identical (``took_ms`` differs,
and compression may be applied or not).

``Cache-Control: public, max-age=N`` lets browsers and shared caches keep an
answer N seconds; after that they revalidate with the ETag. N is the app
config ``API_MAX_AGE`` or ``$ARCHIVE_SEARCH_API_MAX_AGE`` (default
``DEFAULT_MAX_AGE``); ``0`` makes every use revalidate. ``Vary:
Accept-Encoding`` is added by the compression extension (``web.compression``);
nothing else in a request changes an API answer (CORS allows every origin with
the same headers), so nothing else is listed.
"""

from __future__ import annotations

import hashlib
import os
from importlib.metadata import PackageNotFoundError, version

from flask import Flask, Response, current_app, request

DEFAULT_MAX_AGE = 60
"""A minute: a reindex shows within that, and a visitor paging back and forth costs nothing."""
CONFIG_KEY = "API_MAX_AGE"
ENV_KEY = "ARCHIVE_SEARCH_API_MAX_AGE"
EXTENSION_KEY = "archive_search.cache_control"
VALIDATED_METHODS = frozenset({"GET", "HEAD"})

try:
    CODE_VERSION = version("archive-search")
except PackageNotFoundError:  # run from a checkout that was never installed
    CODE_VERSION = "0"


def parse_max_age(text: str) -> int:
    """Seconds as a whole number ≥ 0, else ``ValueError`` naming the setting."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise ValueError(f"bad {ENV_KEY} {text!r}: expected a whole number of seconds, e.g. 60")
    return int(value)


def etag_for(generation: str, kind: str, key: str) -> str:
    """The (opaque, unquoted) tag of an answer of ``kind`` to the normalised ``key``."""
    material = "\0".join((CODE_VERSION, generation, kind, key)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(material, digest_size=12).hexdigest()


def not_modified(tag: str) -> Response | None:
    """A ``304`` when the client already holds this answer (weak comparison, RFC 9110 13.1.2)."""
    if request.method not in VALIDATED_METHODS or not request.if_none_match.contains_weak(tag):
        return None
    return cacheable(Response(status=304), tag)


def cacheable(response: Response, tag: str) -> Response:
    """Mark a successful answer with its ETag and the configured freshness."""
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = current_app.extensions[EXTENSION_KEY]
    return response


def init_app(app: Flask) -> None:
    setting = app.config.get(CONFIG_KEY)
    text = str(setting) if setting is not None else os.environ.get(ENV_KEY, "")
    max_age = parse_max_age(text) if text.strip() else DEFAULT_MAX_AGE
    app.extensions[EXTENSION_KEY] = f"public, max-age={max_age}"
