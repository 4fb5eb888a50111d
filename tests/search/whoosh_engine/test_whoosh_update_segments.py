"""An update of a Whoosh index writes a small segment and leaves the big ones alone.

``merge_tail``: the files of the build's segment are the very same files (hard links to
the same inodes) in every generation after it, through updates that add, change and
delete its articles and through a merge of the small tail, so an update costs its change,
not the archive (issue 18: freshness on Whoosh).
"""

from __future__ import annotations

import os
from pathlib import Path

from whoosh import index

from indexer.build import build_index
from search.service import SearchService
from search.store import IndexStore
from search.types import SearchRequest
from search.whoosh_engine.writer import INDEX_NAME, SMALL_DOCS, TAIL_SEGMENTS

ARTICLE = "---\ntitle: {title}\ndate: 2021-03-15\nlang: en\n---\n\n{body}\n"


def _write(root: Path, rel: str, title: str, body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, body=body), encoding="utf-8")


def _segments(index_dir: Path) -> tuple[Path, list[tuple[str, int]]]:
    generation = IndexStore(index_dir).current().path
    ix = index.open_dir(str(generation), indexname=INDEX_NAME, readonly=True)
    return generation, [(s.segment_id(), s.doc_count_all()) for s in ix._segments()]


def _inodes(generation: Path, segment_id: str) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in generation.iterdir() if segment_id in p.name}


def _total(index_dir: Path, q: str) -> int:
    service = SearchService(index_dir)
    try:
        request = SearchRequest(q=q, per_page=1, snippets=False, facets=False, correct=False)
        return service.search(request).total
    finally:
        service.close()


def test_updates_never_rewrite_the_big_segment(tmp_path: Path) -> None:
    root, ix = tmp_path / "archive", tmp_path / "ix"
    count = SMALL_DOCS + 100
    for n in range(count):
        _write(root, f"old/{n // 500}/{n}.md", f"Ledger {n}", f"Harbour ledger entry {n}.")
    build_index(root, ix, engine="whoosh", workers=1)
    generation, segments = _segments(ix)
    assert [docs for _, docs in segments] == [count]
    big = segments[0][0]
    before = _inodes(generation, big)
    assert before  # the segment's own files

    for n in range(TAIL_SEGMENTS + 2):  # enough one-file updates to merge the tail once
        _write(root, f"new/{n}.md", f"Dispatch {n}", f"Quillwort dispatch {n}.")
        if n == 3:
            _write(root, "old/0/7.md", "Ledger 7", "Saltmarsh ledger entry, corrected.")
        if n == 5:
            os.unlink(root / "old/0/8.md")
        build_index(root, ix, paths={f"new/{n}.md", "old/0/7.md", "old/0/8.md"})
        generation, segments = _segments(ix)
        assert segments[0] == (big, count), "the build's segment kept its id and documents"
        assert _inodes(generation, big) == before, "its files are the build's, not rewritten"

    assert len(segments) < TAIL_SEGMENTS + 1  # the small tail was merged on the way
    assert _total(ix, "quillwort") == TAIL_SEGMENTS + 2
    assert _total(ix, "saltmarsh") == 1
    assert _total(ix, "harbour") == count - 2  # 7 changed, 8 deleted: marked, not rewritten
