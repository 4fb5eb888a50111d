"""The time cap of one request, checked cooperatively wherever work can pile up.

A search cannot be interrupted from outside (pure Python, the GIL), so the
places that can take long (expanding fuzzy and prefix words, matching, reading
hits, rendering an article) call ``check()``. The web layer starts the clock
when a request arrives, so the time a request spent queued counts too; a
caller without a clock of its own (the CLI, a test) gets one started by the
engine's ``search``. An expired deadline raises ``SearchTimeout`` (a 503 in the
one error shape).

The clock lives in a ``ContextVar``: each gunicorn thread has its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from search import limits
from search.errors import SearchTimeout

_deadline: ContextVar[float | None] = ContextVar("archive_search_deadline", default=None)


def message() -> str:
    return f"the search took longer than {limits.SEARCH_TIME_LIMIT:g} s; make it more specific"


def start(limit: float | None = None) -> Token[float | None]:
    """Start the clock of this request (``limit`` seconds, by default the search time
    cap); the token given back resets it (``stop``)."""
    limit = limits.SEARCH_TIME_LIMIT if limit is None else limit
    return _deadline.set(time.perf_counter() + limit)


def stop(token: Token[float | None]) -> None:
    _deadline.reset(token)


@contextmanager
def running(limit: float | None = None) -> Iterator[None]:
    """A clock for this block, unless one is already running (the request's own)."""
    if _deadline.get() is not None:
        yield
        return
    token = start(limit)
    try:
        yield
    finally:
        stop(token)


def remaining() -> float:
    """Seconds left before the cap; ``inf`` when no clock runs."""
    deadline = _deadline.get()
    return float("inf") if deadline is None else deadline - time.perf_counter()


def check() -> None:
    """Raise ``SearchTimeout`` once the request's time is up."""
    deadline = _deadline.get()
    if deadline is not None and time.perf_counter() > deadline:
        raise SearchTimeout(message())
