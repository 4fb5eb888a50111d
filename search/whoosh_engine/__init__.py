"""The Whoosh engine: pure Python, the default; ``ENGINE`` is what the registry lists."""

from __future__ import annotations

from pathlib import Path

from search.contract import BuildHints, Engine, EngineSpec, EngineWriter
from search.store import Generation
from search.whoosh_engine.schema import FORMAT_VERSION


def _open_reader(generation: Generation) -> Engine:
    from search.whoosh_engine.reader import WhooshEngine

    return WhooshEngine(generation)


def _reopen_reader(generation: Generation, previous: Engine) -> Engine:
    from search.whoosh_engine.reader import WhooshEngine

    if not isinstance(previous, WhooshEngine):
        return WhooshEngine(generation)
    return WhooshEngine(generation, previous)


def _open_writer(directory: Path, hints: BuildHints) -> EngineWriter:
    from search.whoosh_engine.writer import WhooshWriter

    return WhooshWriter(
        directory,
        expected=hints.expected,
        expected_bytes=hints.expected_bytes,
        estimate_text=hints.estimate_text,
        processes=hints.processes,
    )


ENGINE = EngineSpec(
    name="whoosh",
    format_version=FORMAT_VERSION,
    summary="pure Python, no compiled parts; slower to build",
    open_reader=_open_reader,
    open_writer=_open_writer,
    reopen_reader=_reopen_reader,
)
