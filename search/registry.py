"""The registry of engines: the one place that lists them.

An index records its engine and format version in each generation's
``meta.json``; readers open whichever engine wrote it. Each engine package
exports an ``EngineSpec`` (``search.contract``); a new engine is one more entry
in ``_SPECS``. An engine package's own modules (and so Whoosh or Tantivy) are
imported only when one of its factories is called.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from search import postgres_engine, tantivy_engine, whoosh_engine
from search.contract import BuildHints, Engine, EngineSpec, EngineWriter
from search.errors import BadRequest, IndexFormatError, IndexUnavailable, SearchError
from search.store import Generation

_SPECS: tuple[EngineSpec, ...] = (
    whoosh_engine.ENGINE,
    tantivy_engine.ENGINE,
    postgres_engine.ENGINE,
)
REGISTRY: dict[str, EngineSpec] = {spec.name: spec for spec in _SPECS}
ENGINES: tuple[str, ...] = tuple(REGISTRY)
DEFAULT_ENGINE = "whoosh"
"""The engine of a new index when neither ``--engine`` nor ``$ARCHIVE_SEARCH_ENGINE`` says."""


def engine_spec(name: str) -> EngineSpec:
    """The registered engine called ``name``; ``BadRequest`` naming the choices otherwise."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise BadRequest(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    return spec


def check_engine(name: str) -> str:
    return engine_spec(name).name


def format_version(engine: str) -> int:
    return engine_spec(engine).format_version


def check_meta(generation: Generation) -> EngineSpec:
    """The generation's engine; raises ``IndexFormatError`` for an unknown engine or version."""
    meta = generation.meta
    spec = REGISTRY.get(str(meta.get("engine")))
    if spec is None or meta.get("format_version") != spec.format_version:
        raise IndexFormatError(
            f"the index {generation.path} was written by engine {meta.get('engine')!r} format "
            f"{meta.get('format_version')!r}, which this version cannot read: rebuild it with "
            "'archive-search index PATH --rebuild'"
        )
    return spec


def open_writer(
    engine: str,
    directory: Path,
    *,
    expected: int = 0,
    expected_bytes: int = 0,
    estimate_text: Callable[[], int] | None = None,
    processes: int = 1,
    work: Path | None = None,
) -> EngineWriter:
    """A writer on ``directory``. What a full build will add (``expected`` articles from files
    of ``expected_bytes``, whose characters of text ``estimate_text`` estimates) and the
    processes it may use let an engine tune bulk builds; ``work``: ``BuildHints.work``."""
    hints = BuildHints(expected, expected_bytes, estimate_text, processes, work)
    return engine_spec(engine).open_writer(directory, hints)


def open_engine(generation: Generation, previous: Engine | None = None) -> Engine:
    """The engine that wrote ``generation``, opened on it; ``previous``, the engine serving an
    older generation of the same index, lends what the two share if the engine can reuse it
    (``EngineSpec.reopen_reader``). ``previous`` stays open and usable either way."""
    spec = check_meta(generation)
    try:
        if previous is not None and spec.reopen_reader is not None:
            return spec.reopen_reader(generation, previous)
        return spec.open_reader(generation)
    except SearchError:
        raise
    except Exception as exc:  # a corrupt generation must not take the service down
        raise IndexUnavailable(f"generation {generation.name} cannot be opened: {exc}") from exc
