"""The published generation as the database's catalogue names it, for servers that do not
share the indexer's ``--index`` directory (replicas on other machines).

``SearchService`` asks ``published()`` for the identity of the served generation
(its name and the random id written at publication) at most once per
``POLL_SECONDS`` and swaps engines when it changes, as it does for ``CURRENT``
files; a request keeps the engine it started with, whose tables stay until the
grace period after the next publication has passed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from search.errors import IndexMissing, IndexUnavailable
from search.postgres_engine import schema as s
from search.postgres_engine.database import Database
from search.store import Generation

POLL_SECONDS = 0.5
"""How long a looked-up identity is trusted: a publication is seen within this."""

_MISSING = (
    "the database holds no published index: run "
    "'archive-search index PATH --engine postgres --database URL'"
)


class CatalogueSource:
    """Generations published in one database."""

    def __init__(self, db: Database, poll: float = POLL_SECONDS) -> None:
        self.db = db
        self.poll = poll
        self.root = Path("postgres")  # for messages: the service names where it reads from
        self._seen: tuple[float, tuple[str, str]] | None = None
        self._lock = threading.Lock()

    def published(self) -> tuple[str, str]:
        """(name, id) of the published generation; ``IndexMissing`` when there is none."""
        now = time.monotonic()
        seen = self._seen
        if seen is not None and now - seen[0] < self.poll:
            return seen[1]
        query = sql.SQL(
            "SELECT c.name, c.meta->>'id' FROM {} cur JOIN {} c ON c.name = cur.name"
        ).format(s.CURRENT, s.CATALOGUE)
        try:
            rows, position = self.db.fetch_at(query)
        except IndexUnavailable as exc:
            if isinstance(exc.__cause__, psycopg.errors.UndefinedTable):  # never indexed
                raise IndexMissing(_MISSING) from exc
            raise
        if not rows:
            raise IndexMissing(_MISSING)
        identity = (str(rows[0][0]), str(rows[0][1]))
        with self._lock:
            if seen is None or seen[1] != identity:
                # a new generation: its tables are on the servers that replayed this far
                self.db.servers.require(position)
            self._seen = (now, identity)
        return identity

    def servers(self) -> list[dict[str, object]]:
        """Each server's role, whether it answers and its lag, as the health check saw them."""
        try:
            return self.db.servers.status()
        except Exception:  # /healthz never fails: an empty list says nothing is known
            return []

    def load(self, name: str) -> Generation:
        query = sql.SQL("SELECT meta FROM {} WHERE name = %s").format(s.CATALOGUE)
        rows = self.db.fetch(query, (name,))
        if not rows:
            raise IndexMissing(f"generation {name} is not in the database's catalogue")
        meta: dict[str, Any] = dict(rows[0][0])
        return Generation(name, self.root / name, meta)
