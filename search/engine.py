"""What every engine offers, in our own types only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from search.records import Article
from search.types import (
    ArticleView,
    FacetName,
    FacetValue,
    Hit,
    IndexInfo,
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

    def close(self) -> None: ...


class EngineWriter(Protocol):
    """Writes one new generation; nothing is visible to readers until the store publishes it."""

    def delete(self, article_ids: Iterable[str]) -> None: ...

    def add(self, articles: Iterable[Article]) -> None: ...

    def commit(self) -> None: ...

    def cancel(self) -> None: ...
