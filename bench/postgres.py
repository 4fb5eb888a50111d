"""A PostgreSQL database for the bench parts that build the postgres engine beside the others.

``ARCHIVE_SEARCH_DATABASE_URL`` names an existing one; otherwise one server (``make
pg-cluster``'s script, no replicas) is started under ``/tmp`` for the run and stopped
after. The URL is put into the environment too, so the child processes that build
indexes (``bench.builds``) write into the same database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive_search.pgcluster import Cluster, postgres_bin
from bench.common import log

ENV = "ARCHIVE_SEARCH_DATABASE_URL"


def available() -> bool:
    return bool(os.environ.get(ENV)) or postgres_bin() is not None


@contextmanager
def bench_database() -> Iterator[str]:
    """The URL of the database the postgres engine is benched in, named for this process."""
    from search.postgres_engine import database

    given = os.environ.get(ENV)
    if given:
        database.use([given])
        yield given
        return
    root = Path(tempfile.mkdtemp(prefix="bench-pg-", dir="/tmp"))
    os.chmod(root, 0o755)
    server = Cluster.create(root / "c", replicas=0)
    url = server.primary.url
    log(f"postgres: a server for the bench on port {server.primary.port}")
    os.environ[ENV] = url
    previous = database.use([url])  # a test session's database is named again after
    try:
        yield url
    finally:
        database.restore(previous)
        database.close([url])
        os.environ.pop(ENV, None)
        server.stop_all()
        shutil.rmtree(root, ignore_errors=True)
