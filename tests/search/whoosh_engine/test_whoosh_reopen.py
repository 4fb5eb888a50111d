"""A server swapping in a newer Whoosh generation reuses the segment readers it already has
for the segments both generations hold, and answers exactly as an engine opened afresh:
deletions in a kept segment count, and a kept reader reads from the new generation's
folder once the old one is removed."""

from __future__ import annotations

import shutil
from pathlib import Path

from indexer.build import build_index
from search.service import SearchService
from search.store import IndexStore
from search.types import SearchRequest
from search.whoosh_engine.reader import WhooshEngine

ARTICLE = "---\ntitle: {title}\ndate: 2021-03-15\nlang: en\ntags: [{tag}]\n---\n\n{body}\n"


def _write(root: Path, rel: str, title: str, body: str, tag: str = "news") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, body=body, tag=tag), encoding="utf-8")


def _leaves(service: SearchService) -> dict[str, object]:
    engine = service.engine()
    assert isinstance(engine, WhooshEngine)
    with engine._searchers.borrow() as searcher:
        return {r.segment().segment_id(): r for r, _ in searcher.reader().leaf_readers()}


def _answers(service: SearchService, words: list[str]) -> list[object]:
    seen: list[object] = []
    for q in words:
        result = service.search(SearchRequest(q=q, per_page=50))
        facets = {k: sorted((v.value, v.count) for v in vals) for k, vals in result.facets.items()}
        seen.append((q, result.total, sorted(h.id for h in result.hits), facets))
    return seen


def test_a_newer_generation_reuses_the_kept_segments_readers(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    for n in range(40):
        _write(archive, f"p{n}.md", f"Harbour {n}", f"harbour tide report number{n}")
    build_index(archive, index, engine="whoosh")
    service = SearchService(index)
    try:
        assert service.search(SearchRequest(q="harbour")).total == 40
        first = IndexStore(index).current().path
        before = _leaves(service)

        _write(archive, "p3.md", "Changed", "ferry snow", tag="weather")  # a deletion in it
        _write(archive, "new.md", "New", "harbour ferry")
        build_index(archive, index, paths=["p3.md", "new.md"])
        assert service.search(SearchRequest(q="harbour")).total == 40  # 39 kept + 1 new
        after = _leaves(service)
        kept = set(before) & set(after)
        assert kept and all(after[segment] is before[segment] for segment in kept)
        assert set(after) - kept  # the update's own segment, opened new

        shutil.rmtree(first)  # what garbage collection does to a superseded generation
        words = ["harbour", "ferry", "snow", "number3", "tide report", ""]
        fresh = SearchService(index)
        try:
            assert _answers(service, words) == _answers(fresh, words)
        finally:
            fresh.close()
        assert service.search(SearchRequest(q="number3")).total == 0
    finally:
        service.close()


def test_the_first_article_of_an_empty_index_is_served(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    build_index(archive, index, engine="whoosh")
    service = SearchService(index)
    try:
        assert service.search(SearchRequest(q="harbour")).total == 0
        _write(archive, "first.md", "First", "harbour")
        build_index(archive, index, paths=["first.md"])
        assert service.search(SearchRequest(q="harbour")).total == 1
    finally:
        service.close()
