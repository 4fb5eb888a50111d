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
config ``API_MAX_AGE`` (``$ARCHIVE_SEARCH_API_MAX_AGE`` through
``archive_search.settings``); ``0`` makes every use revalidate. ``Vary:
Accept-Encoding`` is added by the compression extension (``web.compression``);
nothing else in a request changes an API answer (CORS allows every origin with
the same headers), so nothing else is listed.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version

from flask import Flask, Response, current_app, request

from archive_search.settings import DEFAULT_API_MAX_AGE
from search.types import IndexInfo

EXTENSION_KEY = "archive_search.cache_control"
VALIDATED_METHODS = frozenset({"GET", "HEAD"})

try:
    CODE_VERSION = version("archive-search")
except PackageNotFoundError:  # run from a checkout that was never installed
    CODE_VERSION = "0"


def etag_for(info: IndexInfo, kind: str, key: str) -> str:
    """The (opaque, unquoted) tag of an answer of ``kind`` to the normalised ``key`` from
    the generation ``info`` describes (its name and creation time: a generation rebuilt
    under the same name gets other tags)."""
    parts = (CODE_VERSION, info.generation, info.created, kind, key)
    material = "\0".join(parts).encode("utf-8", "surrogatepass")
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
    max_age = int(app.config.get("API_MAX_AGE", DEFAULT_API_MAX_AGE))
    if max_age < 0:
        raise ValueError(f"API_MAX_AGE must be 0 or more seconds, not {max_age}")
    app.extensions[EXTENSION_KEY] = f"public, max-age={max_age}"
