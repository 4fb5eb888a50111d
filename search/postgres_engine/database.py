"""The database an index lives in, as the engine uses it: capped reads, the primary for writes.

A ``Database`` wraps the servers of one archive (``routing.Databases``: a pool
per host, searches on a healthy replica, writes on the primary). ``fetch`` runs
one query in a read-only transaction whose ``statement_timeout`` (``SET LOCAL``,
through ``set_config``) is what is left of the request's time cap
(``search.deadline``); a cancelled statement becomes our ``SearchTimeout``, so
one slow query cannot hold a worker past the cap, and a host failing under the
query is retried once on another (``Databases.read``).

The CLI and the web factory name the database once per process (``use``) from
``--database`` or ``ARCHIVE_SEARCH_DATABASE_URL``; the engine's factories, which
the registry calls with a generation or a directory only, find it here.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import sql

from search import deadline, limits
from search.errors import BadRequest, IndexUnavailable, SearchTimeout
from search.postgres_engine.routing import Databases

T = TypeVar("T")
R = TypeVar("R")
Query = str | sql.SQL | sql.Composed


class Database:
    """The servers of one archive, for the engine's reader and writer."""

    def __init__(self, urls: Sequence[str], *, publish_wait: float = 0.0, **options: Any) -> None:
        self.urls = tuple(urls)
        self.servers = Databases(self.urls, **options)
        self.publish_wait = publish_wait

    def read(self, fn: Callable[[psycopg.Connection], T], *, indexes: bool = False) -> T:
        """``fn(connection)`` in a read transaction capped at the request's remaining time;
        ``indexes``: the planner told to prefer index scans (see ``fetch``)."""
        return self._routed(self.servers.read, fn, indexes)

    def _routed(self, route: Callable[[Callable[[psycopg.Connection], T]], R],
                fn: Callable[[psycopg.Connection], T], indexes: bool = False) -> R:  # fmt: skip
        """``fn`` through ``route`` (``Databases.read`` or ``read_at``), capped."""

        def capped(conn: psycopg.Connection) -> T:
            # One pipeline: BEGIN, the settings and fn's first query travel together.
            with conn.pipeline(), conn.transaction():
                left = deadline.remaining()
                cap = limits.SEARCH_TIME_LIMIT if math.isinf(left) else left
                millis = max(1, int(cap * 1000))
                # No JIT: a scan the query needs (a negation in an OR) costs 1e10 with
                # enable_seqscan off, far over jit_above_cost, and compiling took 2.5 s of a
                # search over 18 rows.
                conn.execute(
                    "SELECT set_config('statement_timeout', %s, true), "
                    "set_config('transaction_read_only', 'on', true), "
                    "set_config('enable_seqscan', %s, true), set_config('jit', 'off', true)",
                    (str(millis), "off" if indexes else "on"),
                )
                return fn(conn)

        try:
            return route(capped)
        except psycopg.errors.QueryCanceled as exc:
            raise SearchTimeout(deadline.message()) from exc
        except psycopg.errors.UndefinedTable as exc:
            # a generation dropped, or one a replica has not replayed yet: a 503, not a 500
            raise IndexUnavailable(
                f"the database does not hold the tables asked for: {exc}"
            ) from exc

    def fetch(
        self,
        query: Query,
        params: Sequence[Any] = (),
        *,
        binary: bool = False,
        indexes: bool = False,
    ) -> list[Any]:
        """The rows of one query (``read``). ``indexes``: match over the GIN indexes even where
        the planner guesses a scan of the table is cheaper; its guess leaves out decompressing
        every row's tsvectors (a common word took 229 ms so, 53 ms through the indexes)."""

        def rows(conn: psycopg.Connection) -> list[Any]:
            with conn.cursor(binary=binary) as cur:
                return cur.execute(query, params).fetchall()

        return self.read(rows, indexes=indexes)

    def fetch_at(self, query: Query, params: Sequence[Any] = ()) -> tuple[list[Any], int]:
        """``fetch``, and the WAL position its answer reflects (``Databases.read_at``)."""

        def rows(conn: psycopg.Connection) -> list[Any]:
            with conn.cursor() as cur:
                return cur.execute(query, params).fetchall()

        return self._routed(self.servers.read_at, rows)

    def close(self) -> None:
        self.servers.close()


_lock = threading.Lock()
_opened: dict[tuple[str, ...], Database] = {}
Named = tuple[tuple[str, ...], dict[str, Any]]
_current: Named | None = None


def use(urls: Sequence[str] | str | None, **options: Any) -> Named | None:
    """Name the database this process's PostgreSQL indexes live in (None: none); ``options``
    go to ``Database`` (``publish_wait``, ``max_lag``…). Returns what was named before, for
    ``restore`` after a temporary change (a bench run inside a test session)."""
    global _current
    if isinstance(urls, str):
        urls = (urls,)
    with _lock:
        previous = _current
        _current = (tuple(urls), options) if urls else None
    return previous


def restore(named: Named | None) -> None:
    """Name again what ``use`` returned."""
    global _current
    with _lock:
        _current = named


def database() -> Database:
    """The ``Database`` named by ``use``; one per process and list of URLs."""
    with _lock:
        if _current is None:
            raise BadRequest(
                "the postgres engine needs a database: pass --database URL or set "
                "ARCHIVE_SEARCH_DATABASE_URL"
            )
        urls, options = _current
        found = _opened.get(urls)
        if found is None:
            found = _opened[urls] = Database(urls, **options)
        return found


def close(urls: Sequence[str]) -> None:
    """Close the database of ``urls`` if this process opened it (the others stay open)."""
    with _lock:
        opened = _opened.pop(tuple(urls), None)
    if opened is not None:
        opened.close()


def close_all() -> None:
    """Close every database this process opened (tests, and a worker's exit)."""
    with _lock:
        for opened in _opened.values():
            opened.close()
        _opened.clear()
