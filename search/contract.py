"""What every engine offers, in our own types only, and how an engine package declares itself.

An engine package (``search.whoosh_engine``, ``search.tantivy_engine``) exports
``ENGINE``, an ``EngineSpec``: its name, the format version its indexes carry,
and two factories, one opening a reader on a published generation, one opening
a writer on a new one. ``search.registry`` lists the packages; nothing else
names an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from search.article import Article
from search.exporting import ExportPlan
from search.kwic import Concordance, KwicOptions
from search.store import Generation
from search.trends import Trends
from search.types import (
    ArticleView,
    FacetName,
    FacetValue,
    Hit,
    IndexInfo,
    Interval,
    SearchRequest,
    SearchResult,
)


class Engine(Protocol):
    """A read-only view of one published generation of an index."""

    def search(self, request: SearchRequest) -> SearchResult: ...

    def article(self, article_id: str) -> ArticleView:
        """The article with this id; raises ``NotFound``."""
        ...

    def related(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        """More like this: articles sharing the article's most telling words."""
        ...

    def facet_values(self) -> dict[FacetName, tuple[FacetValue, ...]]:
        """Every facet value with its count over the whole index."""
        ...

    def info(self) -> IndexInfo: ...

    def vocabulary(self, prefix: str, scan: int) -> list[tuple[str, int]]:
        """Words of the archive starting with ``prefix``, with their document frequencies."""
        ...

    def export_plan(self, request: SearchRequest, after: str | None = None) -> ExportPlan:
        """Every match of ``request`` in a stable order, from after the cursor ``after``;
        raises ``StaleCursor`` for a cursor of another generation."""
        ...

    def export_rows(
        self,
        plan: ExportPlan,
        fields: Sequence[str],
        url: Callable[[str], str],
        stop: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The rows of ``plan`` (the first ``stop``), read a chunk at a time."""
        ...

    def marker(self, q: str, lang: str) -> Callable[[str], list[tuple[int, int]]]:
        """What marks the matches of query ``q`` in a text of an article in ``lang``: the
        article page opened from results (``?hl=``) marks what the snippets marked."""

    def concordance(self, request: SearchRequest, options: KwicOptions) -> Concordance:
        """Every occurrence of the query's matches in context (``search.kwic``)."""
        ...

    def trends(
        self,
        queries: Sequence[str],
        request: SearchRequest,
        interval: Interval | Literal["auto"] = "auto",
    ) -> Trends:
        """Matching articles per period for each query, and their share (``search.trends``)."""
        ...

    def close(self) -> None: ...


class EngineWriter(Protocol):
    """Writes one new generation; nothing is visible to readers until the store publishes it."""

    def delete(self, article_ids: Iterable[str]) -> None: ...

    def add(self, articles: Iterable[Article]) -> None: ...

    def commit(self) -> None: ...

    def cancel(self) -> None: ...


@dataclass(frozen=True, slots=True)
class BuildHints:
    """What a writer may know in advance to tune a bulk build; zero when unknown."""

    expected: int = 0
    """Articles a full build will add (0 for an update)."""
    expected_bytes: int = 0
    """Size of the files they come from."""
    estimate_text: Callable[[], int] | None = None
    """Estimates the characters of text (titles and bodies) they hold (``indexer.cost``,
    which parses a sample of the files: called only by an engine that splits by it)."""
    processes: int = 1
    """Processes the build may use."""
    work: Path | None = None
    """A folder where the engine may keep a working copy of the index and a writer open across
    this process's updates (a watcher's: ``indexer.build.build_index(keep_writer=True)``);
    None: each update's writer is opened and closed on the generation being written."""


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """One engine, as its package exports it (``ENGINE``)."""

    name: str
    format_version: int
    """Written into each generation's ``meta.json``; an index of another version is refused."""
    summary: str
    """One line for ``archive-search index --help``: what the engine is good at."""
    open_reader: Callable[[Generation], Engine]
    open_writer: Callable[[Path, BuildHints], EngineWriter]
    reopen_reader: Callable[[Generation, Engine], Engine] | None = None
    """Opens a newer generation of the index the given engine serves, reusing what the two
    share (a server swapping generations); None: ``open_reader``."""
