"""One exception root for everything the search package raises.

    SearchError
    ├── BadRequest            the request breaks a rule (a cap, a bad value): 400-class
    │   └── QueryTooComplex   over a cap on query length, terms, depth or expansions
    ├── NotFound              no such article
    ├── StaleCursor           an export cursor of a generation no longer served: 410
    ├── SearchTimeout         the per-search time limit ran out: 503-class
    └── IndexUnavailable      no index, a corrupt one, or one of another format: 503-class
        ├── IndexMissing
        ├── IndexFormatError  written by another format version: rebuild it
        └── IndexLocked       another indexer holds the write lock

Each carries a short machine-readable ``code`` and a human message; the web
layer turns them into the one error shape.
"""

from __future__ import annotations


class SearchError(Exception):
    code = "search_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(SearchError):
    code = "bad_request"
    status = 400


class QueryTooComplex(BadRequest):
    code = "query_too_complex"


class NotFound(SearchError):
    code = "not_found"
    status = 404


class StaleCursor(SearchError):
    code = "cursor_expired"
    status = 410


class SearchTimeout(SearchError):
    code = "search_timeout"
    status = 503


class IndexUnavailable(SearchError):
    code = "index_unavailable"
    status = 503


class IndexMissing(IndexUnavailable):
    code = "index_missing"


class IndexFormatError(IndexUnavailable):
    code = "index_format"


class IndexLocked(IndexUnavailable):
    code = "index_locked"
