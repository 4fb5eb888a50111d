"""The engines an index can be built with, chosen when the index is built.

An index records its engine and format version in each generation's
``meta.json``; readers open whichever engine wrote it. Engine modules are
imported lazily, so an engine's package is needed only where it is used.
"""

from __future__ import annotations

import os
from pathlib import Path

from search.engine import Engine, EngineWriter
from search.errors import BadRequest, IndexFormatError, IndexUnavailable, SearchError
from search.store import Generation

ENGINES = ("whoosh", "tantivy")
DEFAULT_ENGINE = os.environ.get("ARCHIVE_SEARCH_ENGINE", "whoosh")


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise BadRequest(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    return name


def format_version(engine: str) -> int:
    if check_engine(engine) == "tantivy":
        from search.tantivy_engine import schema as tantivy_schema

        return tantivy_schema.FORMAT_VERSION
    from search.whoosh_engine import schema as whoosh_schema

    return whoosh_schema.FORMAT_VERSION


def check_meta(generation: Generation) -> str:
    """The generation's engine; raises ``IndexFormatError`` for an unknown engine or version."""
    meta = generation.meta
    engine = meta.get("engine")
    if engine not in ENGINES or meta.get("format_version") != format_version(str(engine)):
        raise IndexFormatError(
            f"the index {generation.path} was written by engine {engine!r} format "
            f"{meta.get('format_version')!r}, which this version cannot read: rebuild it with "
            "'archive-search index PATH --rebuild'"
        )
    return str(engine)


def open_writer(
    engine: str, directory: Path, *, expected: int = 0, expected_bytes: int = 0, processes: int = 1
) -> EngineWriter:
    """A writer on ``directory``. What a full build will add (``expected`` articles from files
    of ``expected_bytes``) and the processes it may use let an engine tune bulk builds."""
    if check_engine(engine) == "tantivy":
        from search.tantivy_engine.writer import TantivyWriter

        return TantivyWriter(directory)
    from search.whoosh_engine.writer import WhooshWriter

    return WhooshWriter(
        directory, expected=expected, expected_bytes=expected_bytes, processes=processes
    )


def open_engine(generation: Generation) -> Engine:
    """The engine that wrote ``generation``, opened on it."""
    engine = check_meta(generation)
    try:
        if engine == "tantivy":
            from search.tantivy_engine.reader import TantivyEngine

            return TantivyEngine(generation)
        from search.whoosh_engine.reader import WhooshEngine

        return WhooshEngine(generation)
    except SearchError:
        raise
    except Exception as exc:  # a corrupt generation must not take the service down
        raise IndexUnavailable(f"generation {generation.name} cannot be opened: {exc}") from exc
