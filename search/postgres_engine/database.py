"""Connections to the PostgreSQL database an index lives in, and the time cap per request.

One ``Database`` per process and database URL, holding a ``psycopg_pool`` pool.
``primary()`` lends a connection for writing, ``reader()`` one for searching
(the same server until replicas are routed: ``search.postgres_engine.routing``).
Each reading transaction sets ``statement_timeout`` (``SET LOCAL``, through
``set_config``) to what is left of the request's time cap (``search.deadline``),
and a cancelled statement becomes our ``SearchTimeout``: one slow query cannot
hold a worker past the cap.

The CLI and the web factory name the database once (``use``) from
``--database`` or ``ARCHIVE_SEARCH_DATABASE_URL``; the engine's factories, which
the registry calls with a generation or a directory only, find it here.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from search import deadline, limits
from search.errors import BadRequest, IndexUnavailable, SearchTimeout

POOL_SIZE = 8
"""Connections a process keeps at most: gunicorn threads of one worker, and a writer."""
CONNECT_TIMEOUT = 5.0


class Database:
    """A pool of connections to one PostgreSQL database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool = ConnectionPool(
            url,
            min_size=0,
            max_size=POOL_SIZE,
            open=True,
            timeout=CONNECT_TIMEOUT,
            kwargs={"connect_timeout": int(CONNECT_TIMEOUT)},
        )

    @contextmanager
    def primary(self) -> Iterator[psycopg.Connection]:
        """A connection for writing; the block's work is committed when it ends without error."""
        with _unavailable(), self._pool.connection() as conn:
            yield conn

    @contextmanager
    def reader(self) -> Iterator[psycopg.Connection]:
        """A connection inside a transaction capped at the request's remaining time."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                left = deadline.remaining()
                cap = limits.SEARCH_TIME_LIMIT if math.isinf(left) else left
                millis = max(1, int(cap * 1000))
                conn.execute("SELECT set_config('statement_timeout', %s, true)", (str(millis),))
                yield conn
        except psycopg.errors.QueryCanceled as exc:
            raise SearchTimeout(deadline.message()) from exc
        except (psycopg.OperationalError, TimeoutError) as exc:
            raise IndexUnavailable(f"the database cannot be reached: {_first_line(exc)}") from exc

    def close(self) -> None:
        self._pool.close()


@contextmanager
def _unavailable() -> Iterator[None]:
    try:
        yield
    except (psycopg.OperationalError, TimeoutError) as exc:
        if isinstance(exc, psycopg.errors.QueryCanceled):
            raise
        raise IndexUnavailable(f"the database cannot be reached: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


_lock = threading.Lock()
_opened: dict[str, Database] = {}
_current: str | None = None


def use(url: str | None) -> None:
    """Name the database this process's PostgreSQL indexes live in (None: none)."""
    global _current
    with _lock:
        _current = url


def database(url: str | None = None) -> Database:
    """The pool of ``url``, else of the database named by ``use``; one per URL and process."""
    with _lock:
        url = url or _current
        if not url:
            raise BadRequest(
                "the postgres engine needs a database: pass --database URL or set "
                "ARCHIVE_SEARCH_DATABASE_URL"
            )
        found = _opened.get(url)
        if found is None:
            found = _opened[url] = Database(url)
        return found


def close_all() -> None:
    with _lock:
        for opened in _opened.values():
            opened.close()
        _opened.clear()
