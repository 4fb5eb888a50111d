"""The Tantivy engine (Rust, through its Python binding); ``ENGINE`` is what the registry lists."""

from __future__ import annotations

from pathlib import Path

from search.contract import BuildHints, Engine, EngineSpec, EngineWriter
from search.store import Generation
from search.tantivy_engine.schema import FORMAT_VERSION


def _open_reader(generation: Generation) -> Engine:
    from search.tantivy_engine.reader import TantivyEngine

    return TantivyEngine(generation)


def _open_writer(directory: Path, hints: BuildHints) -> EngineWriter:
    from search.tantivy_engine.live import live_index
    from search.tantivy_engine.writer import TantivyWriter

    # Tantivy tunes its own threads; a watcher's updates go through its long-lived writer
    live = live_index(hints.work) if hints.work is not None and not hints.expected else None
    return TantivyWriter(directory, live)


ENGINE = EngineSpec(
    name="tantivy",
    format_version=FORMAT_VERSION,
    summary="compiled, several times faster to build and to search large archives",
    open_reader=_open_reader,
    open_writer=_open_writer,
)
