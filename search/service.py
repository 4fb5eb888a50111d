"""The one object the web layer and the CLI hold: the served index, kept current.

Each call checks the identity of the published generation (its name in one
small file, and the random id of its ``meta.json``, read again only when a
``stat`` shows ``CURRENT`` was replaced or rewritten) and, when another one has
been published, opens it and swaps it in; a generation replaced under the
same name counts as another one. Requests in
flight keep the engine they started with. Threaded workers answer several
requests at once, so each call counts itself as a user of its engine: an engine
swapped out is closed once no call uses it and a newer one has been swapped out
after it (the last one retired stays open for callers holding it directly, such
as an export stream). Nothing leaks and nothing is closed under a running call.
A generation that fails to open is reported and the last good one keeps serving.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from search import suggest
from search.contract import Engine
from search.errors import IndexMissing, IndexUnavailable, SearchError
from search.registry import open_engine
from search.store import CURRENT, Generation, IndexStore
from search.types import (
    ArticleView,
    FacetName,
    FacetValue,
    Hit,
    IndexInfo,
    SearchRequest,
    SearchResult,
)

log = logging.getLogger(__name__)

SUGGEST_KEPT = 4096
"""Suggestion answers kept: a few hundred bytes each."""
SETTLE_AFTER_SECONDS = 2.0
"""A generation swapped in has its heap settled (``settle_heap``) this long after, in a thread
of its own: the full collection (0.3 s at 24,000 articles) never delays the first search of a
new generation, which a watcher's freshness is measured by."""

_Stamp = tuple[int, int, int, int, int]


class PublishedSource(Protocol):
    """Where a service finds the published generation other than an index directory's
    ``CURRENT`` file (the PostgreSQL catalogue: ``search.postgres_engine.catalogue``)."""

    root: Path

    def published(self) -> tuple[str, str]:
        """The (name, id) identity of the published generation; ``IndexMissing`` if none."""
        ...

    def load(self, name: str) -> Generation: ...

    def servers(self) -> list[dict[str, object]]:
        """Each server behind the source as last seen (for ``/healthz``); [] if none."""
        ...


class SearchService:
    def __init__(self, index_dir: Path, *, source: PublishedSource | None = None) -> None:
        self.store = IndexStore(Path(index_dir))
        self._source = source
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._identity: tuple[str, str] | None = None
        self._retired: list[Engine] = []
        self._users: dict[int, int] = {}  # id(engine) -> calls running on it
        self._current_path = str(self.store.root / CURRENT)
        self._seen: tuple[_Stamp, tuple[str, str]] | None = None
        self._suggest_lock = threading.Lock()
        self._suggested: OrderedDict[tuple[str, int], suggest.Suggestions] = OrderedDict()
        self._suggested_by: Engine | None = None
        self._settler: threading.Timer | None = None

    def engine(self) -> Engine:
        """The engine of the published generation; ``IndexUnavailable`` when there is none."""
        try:
            identity = self._published()
        except IndexUnavailable:
            if self._engine is not None:
                log.warning("the index at %s has gone; serving the last good one", self.store.root)
                return self._engine
            raise
        if identity != self._identity or self._engine is None:
            with self._lock:
                if identity != self._identity or self._engine is None:
                    self._swap(identity)
        assert self._engine is not None
        return self._engine

    def _published(self) -> tuple[str, str]:
        if self._source is not None:
            return self._source.published()
        stamp = _stamp(self._current_path)
        seen = self._seen
        if stamp is not None and seen is not None and seen[0] == stamp:
            return seen[1]
        name = self.store.current_name() if self.store.root.is_dir() else None
        if name is None:
            raise IndexMissing(f"no index at {self.store.root}: run 'archive-search index PATH'")
        identity = self.store.identity(name)
        # Stamped before reading: if the file changed in between, the next stamp differs.
        self._seen = (stamp, identity) if stamp is not None else None
        return identity

    def _swap(self, identity: tuple[str, str]) -> None:
        name = identity[0]
        try:
            source = self._source or self.store
            engine = open_engine(source.load(name), self._engine)
        except IndexUnavailable:
            if self._engine is None:
                raise
            served = self._identity[0] if self._identity else None
            log.exception("generation %s cannot be opened; still serving %s", name, served)
            return
        # The new engine's objects out of the collector's passes at once (no walk: a frozen
        # generation's list is moved), the full collection of the retired one's later.
        gc.freeze()
        self._settle_later()
        if self._engine is not None:
            self._retired.append(self._engine)
        self._engine, self._identity = engine, identity
        self._close_unused()
        log.info("serving generation %s of %s", name, self.store.root)

    def _settle_later(self) -> None:
        """Run ``settle_heap`` ``SETTLE_AFTER_SECONDS`` from now (once, for the last swap)."""
        timer = threading.Timer(SETTLE_AFTER_SECONDS, settle_heap)
        timer.daemon = True
        previous, self._settler = self._settler, timer
        if previous is not None:
            previous.cancel()
        timer.start()

    def _close_unused(self) -> None:
        """Close the retired engines no call uses, all but the last retired (under the lock)."""
        keep = self._retired[-1:]
        for old in self._retired[:-1]:
            if self._users.get(id(old)):
                keep.insert(len(keep) - 1, old)
            else:
                old.close()
        self._retired = keep

    @contextmanager
    def _using(self) -> Iterator[Engine]:
        """The served engine, counted as used (never closed) until the block ends."""
        engine = self.engine()
        with self._lock:
            # Still open: closing it would take two more swaps in between, and the last
            # engine retired is never closed.
            self._users[id(engine)] = self._users.get(id(engine), 0) + 1
        try:
            yield engine
        finally:
            with self._lock:
                left = self._users.pop(id(engine)) - 1
                if left:
                    self._users[id(engine)] = left
                elif engine in self._retired:
                    self._close_unused()

    def search(self, request: SearchRequest) -> SearchResult:
        with self._using() as engine:
            return engine.search(request)

    def article(self, article_id: str) -> ArticleView:
        with self._using() as engine:
            return engine.article(article_id)

    def related(self, article_id: str, limit: int = 5) -> tuple[Hit, ...]:
        with self._using() as engine:
            return engine.related(article_id, limit)

    def article_page(self, article_id: str, limit: int = 5) -> tuple[ArticleView, tuple[Hit, ...]]:
        """An article and its related articles, for the page and the API alike.

        Both come from one engine (a generation swapped in between cannot mix them).
        A failing related lookup is logged and leaves the list empty: the article
        itself is what was asked for."""
        with self._using() as engine:
            view = engine.article(article_id)
            try:
                related = engine.related(article_id, limit)
            except SearchError as exc:
                log.warning("related articles of %r unavailable: %s", article_id, exc.message)
                related = ()
        return view, related

    def marker(self, q: str, lang: str) -> Callable[[str], list[tuple[int, int]]]:
        with self._using() as engine:
            return engine.marker(q, lang)

    def facet_values(self) -> dict[FacetName, tuple[FacetValue, ...]]:
        with self._using() as engine:
            return engine.facet_values()

    def info(self) -> IndexInfo:
        with self._using() as engine:
            return engine.info()

    def suggest(self, text: str, limit: int = suggest.DEFAULT_LIMIT) -> suggest.Suggestions:
        """Completions and titles for text being typed; the last ``SUGGEST_KEPT`` answers
        of the served generation are kept (typing repeats prefixes: back-spacing, other
        visitors)."""
        engine = self.engine()
        key = (text, limit)
        with self._suggest_lock:
            if self._suggested_by is not engine:  # another generation: other words
                self._suggested.clear()
                self._suggested_by = engine
            found = self._suggested.get(key)
            if found is not None:
                self._suggested.move_to_end(key)
                return found
        with self._using() as used:
            found = suggest.suggest(used, text, limit)
        with self._suggest_lock:
            self._suggested[key] = found
            if len(self._suggested) > SUGGEST_KEPT:
                self._suggested.popitem(last=False)
        return found

    def health(self) -> dict[str, object]:
        """Whether an index is served and which generation, and the database servers behind
        it with their roles (a replica down is not unhealth while another answers); never
        raises."""
        servers = {"servers": self._source.servers()} if self._source is not None else {}
        try:
            info = self.info()
        except SearchError as exc:
            error = {"code": exc.code, "message": exc.message}
            return {"status": "unavailable", "error": error, **servers}
        return {
            "status": "ok",
            "generation": info.generation,
            "engine": info.engine,
            "articles": info.articles,
            "created": info.created,
            **servers,
        }

    def close(self) -> None:
        with self._lock:
            if self._settler is not None:
                self._settler.cancel()
                self._settler = None
            for retired in self._retired:
                retired.close()
            if self._engine is not None:
                self._engine.close()
            self._engine, self._retired = None, []
            self._identity = None


def database_service(urls: Sequence[str], **options: Any) -> SearchService:
    """A service reading the generation published in a PostgreSQL database (``urls``: one
    or several, replicas among them), wherever the indexer ran; ``options`` go to the
    engine's ``Database`` (``max_lag``, ``publish_wait``)."""
    from search.postgres_engine import database
    from search.postgres_engine.catalogue import CatalogueSource

    database.use(urls, **options)
    source = CatalogueSource(database.database())
    return SearchService(source.root, source=source)


def settle_heap() -> None:
    """Keep what is in memory now, a newly opened engine above all, out of the garbage
    collector's full passes.

    An engine holds hundreds of thousands of long-lived objects (Whoosh's readers and
    their caches, the tables built at open); a full collection walks every one, and
    it runs inside whichever request allocated last: a pause of tens of milliseconds
    in the tail. Frozen objects are never walked; reference counting still frees
    them. The previous freeze is undone first, so cycles left by a retired engine are
    collected here, once per swap, not inside a request.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _stamp(path: str) -> _Stamp | None:
    """What tells one ``CURRENT`` file from another without reading it.

    Publishing replaces the file (``os.replace``: a new inode); a rewrite in place
    changes its times or size (one of the same length within the file system's clock
    tick would go unseen until the next change: only tests and people write it so).
    One ``stat`` costs a tenth of opening and reading the file, on every request.
    """
    try:
        st = os.stat(path)  # noqa: PTH116 - a str path: Path.stat costs twice as much
    except OSError:
        return None
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
