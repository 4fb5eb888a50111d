"""Snippets look for matches in the start of a long body only (``SNIPPET_SCAN_CHARS``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from indexer.build import build_index
from search import engine_base, limits
from search.request import build_request
from search.service import SearchService
from search.types import SearchResult
from tests.contract.archive import ENGINES

FILLER = "filler words " * 12_000  # ~156,000 characters between the two marked words
FILE_ENGINES = [e for e in ENGINES if e in ("whoosh", "tantivy")]


@pytest.fixture(scope="module", params=FILE_ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchService]:
    archive = tmp_path_factory.mktemp("archive")
    body = f"Alpha opens the article. {FILLER}\n\nOmega closes it.\n"
    (archive / "long.md").write_text(f"---\ntitle: A long one\n---\n\n{body}", encoding="utf-8")
    index = tmp_path_factory.mktemp("index")
    assert build_index(archive, index, engine=str(request.param)).errors == []
    opened = SearchService(index)
    opened.engine()  # opened outside a search's time limit
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _no_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """What is checked is which snippet shows, not how fast (the machine may be loaded)."""
    monkeypatch.setattr(limits, "SEARCH_TIME_LIMIT", 60.0)


def _snippet_html(service: SearchService, q: str) -> str:
    result: SearchResult = service.search(build_request({"q": [q]}))
    assert result.total == 1  # the whole body is indexed
    return " ".join(s.html for s in result.hits[0].snippets)


def test_a_match_in_the_start_is_shown(service: SearchService) -> None:
    assert "<mark>Alpha</mark>" in _snippet_html(service, "alpha")


def test_a_match_past_the_scanned_start_is_found_but_not_cut_out(service: SearchService) -> None:
    assert engine_base.SNIPPET_SCAN_CHARS is not None
    assert len(FILLER) > engine_base.SNIPPET_SCAN_CHARS
    shown = _snippet_html(service, "omega")
    assert "<mark>" not in shown and shown  # the summary stands in


def test_without_the_cap_the_far_match_is_shown(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_base, "SNIPPET_SCAN_CHARS", None)
    assert "<mark>Omega</mark>" in _snippet_html(service, "omega")
