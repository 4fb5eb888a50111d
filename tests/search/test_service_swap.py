"""What a server does when a new generation is published: its first search is not delayed
by the garbage collector's full pass (``settle_heap``), which runs a while after, once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from indexer.build import build_index
from search import service as service_module
from search.service import SearchService
from search.types import SearchRequest

WAIT_SECONDS = 60.0


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_the_heap_is_settled_after_the_first_search_of_a_new_generation(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled: list[float] = []
    monkeypatch.setattr(service_module, "settle_heap", lambda: settled.append(time.monotonic()))
    monkeypatch.setattr(service_module, "SETTLE_AFTER_SECONDS", 3.0)
    archive, index = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    (archive / "a.md").write_text("---\ntitle: A\n---\nwombat\n", encoding="utf-8")
    build_index(archive, index, engine=engine)
    service = SearchService(index)
    try:
        assert service.search(SearchRequest(q="wombat")).total == 1
        (archive / "b.md").write_text("---\ntitle: B\n---\nwombat\n", encoding="utf-8")
        build_index(archive, index, paths=["b.md"])
        before = len(settled)  # the first swap's, if the build took over 3 s
        swapped = time.monotonic()
        assert service.search(SearchRequest(q="wombat")).total == 2  # the new generation
        assert len(settled) == before  # not in the swap, not before its first search
        deadline = time.monotonic() + WAIT_SECONDS
        while len(settled) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(settled) == before + 1
        assert settled[-1] - swapped > 2.0
    finally:
        service.close()
