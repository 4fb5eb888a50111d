"""The PostgreSQL engine: articles in tables, searched with PostgreSQL's full-text search,
served from streaming replicas (``routing``); ``ENGINE`` is what the registry lists.

Generations live in the database (``search.postgres_engine.schema``); the index
directory keeps the indexer's manifest, as for the other engines. The database
is named once per process (``search.postgres_engine.database.use``).
"""

from __future__ import annotations

from pathlib import Path

from search.contract import BuildHints, Engine, EngineSpec, EngineWriter
from search.postgres_engine.version import FORMAT_VERSION
from search.store import Generation


def _open_reader(generation: Generation) -> Engine:
    from search.postgres_engine.database import database
    from search.postgres_engine.reader import PostgresEngine

    return PostgresEngine(generation, database())


def _open_writer(directory: Path, hints: BuildHints) -> EngineWriter:
    from search.postgres_engine.database import database
    from search.postgres_engine.writer import PostgresWriter

    return PostgresWriter(directory, database())


ENGINE = EngineSpec(
    name="postgres",
    format_version=FORMAT_VERSION,
    summary="in a PostgreSQL database you already run and back up; read replicas scale searches",
    open_reader=_open_reader,
    open_writer=_open_writer,
)
