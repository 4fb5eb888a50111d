"""The shortcuts of the Tantivy engine give exactly what the general way gives.

A search without facets or filters takes ``BaseEngine._direct_page`` (Tantivy's
own top hits and count) instead of a mask over every match; hits are read from
the hit table instead of the stored record; Tantivy addresses become dense
numbers through a table built at open. Each is checked against the general way
on the contract archive, indexed once and then updated (so the served
generation has two segments and a deleted document), for both engines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.build import build_index
from search.errors import IndexFormatError
from search.query import parse_query
from search.request import build_request
from search.service import SearchService
from search.store import IndexStore
from search.tantivy_engine.hittable import HIT_FIELDS
from search.tantivy_engine.querybuild import build_query
from search.tantivy_engine.reader import TantivyEngine
from search.types import SearchRequest, SearchResult
from tests.contract.archive import ENGINES, SERIES_MONTHS, archive_files, write_archive

QUERIES = (
    "chronicle",
    "chronicle city",
    "war",
    "drones israel",
    "zebra river",  # no article has both: widened to any word
    "harbour OR inflation",
    '"central bank"',
    "qx*",
    "harbur~1",
    "war -israel",
    "nosuchwordanywhere",
    "krieg",
)
CHANGED = "en/series/part01.md"
HARBOUR = "en/blog/2019/05/harbour.md"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SearchService]]:
    """The archive indexed by each engine, then one article's tags changed and re-indexed."""
    archive = write_archive(tmp_path_factory.mktemp("archive"), archive_files())
    built = {}
    for engine in ENGINES:
        index = tmp_path_factory.mktemp(f"index-{engine}")
        assert build_index(archive, index, engine=engine).errors == []
        built[engine] = index
    path = archive / CHANGED
    path.write_text(path.read_text().replace('["History"]', '["History", "Updated"]'))
    for index in built.values():
        assert build_index(archive, index).updated == 1
    opened = {engine: SearchService(index) for engine, index in built.items()}
    yield opened
    for service in opened.values():
        service.close()


def _request(q: str, **params: str) -> SearchRequest:
    raw = {"q": [q]} | {key: [value] for key, value in params.items()}
    return replace(build_request(raw), snippets=False)


def _same(direct: SearchResult, masked: SearchResult) -> None:
    assert direct.total == masked.total
    assert [h.id for h in direct.hits] == [h.id for h in masked.hits]
    for one, other in zip(direct.hits, masked.hits, strict=True):
        assert one.score == pytest.approx(other.score, abs=1e-6)
        assert replace(one, score=None) == replace(other, score=None)
    assert (direct.notices, direct.interpreted) == (masked.notices, masked.interpreted)
    assert direct.suggestion == masked.suggestion


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("match", ["all", "any"])
def test_a_search_without_facets_finds_what_one_with_facets_finds(
    services: dict[str, SearchService], engine: str, q: str, match: str
) -> None:
    service = services[engine]
    for page in (1, 2, 3):
        request = _request(q, match=match, page=str(page), per_page="5")
        direct = service.search(replace(request, facets=False))
        masked = service.search(replace(request, facets=True))
        _same(direct, masked)


def test_the_series_ties_and_spans_pages(services: dict[str, SearchService]) -> None:
    """The equal-score case the tie handling is for is really in the archive."""
    result = services["tantivy"].search(replace(_request("chronicle", per_page="50"), facets=False))
    assert result.total == SERIES_MONTHS
    assert len({h.score for h in result.hits}) < SERIES_MONTHS
    assert {h.id for h in result.hits} == {
        f"en/series/part{m:02d}.md" for m in range(1, SERIES_MONTHS + 1)
    }


def test_tantivy_searches_in_relevance_order_never_build_the_mask(
    services: dict[str, SearchService], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = services["tantivy"].engine()

    def no_mask(*_args: object) -> None:
        raise AssertionError("the mask over every match was built")

    monkeypatch.setattr(engine, "_match", no_mask)
    result = services["tantivy"].search(replace(_request("harbour"), facets=False))
    assert result.total == 2
    assert {h.id for h in result.hits} == {HARBOUR, "en/blog/2021/03/economy.md"}
    widened = services["tantivy"].search(replace(_request("zebra river"), facets=False))
    assert {h.id for h in widened.hits} == {"en/notes/zebra.txt", "en/notes/river.md", HARBOUR}
    assert widened.total == 3 and widened.notices
    # facets and filters are counted by Tantivy too (``facetcount``); date order needs the mask
    assert services["tantivy"].search(replace(_request("harbour"), facets=True)).total == 2
    with pytest.raises(AssertionError, match="mask"):
        services["tantivy"].search(replace(_request("harbour", sort="newest"), facets=False))


@dataclass
class _Found:
    hits: list[tuple[float, Any]]
    count: int


class _ReversedTies:
    """A searcher that breaks equal scores the other way round from Tantivy."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def search(self, query: Any, limit: int = 10, count: bool = True, **kw: Any) -> _Found:
        found = self.inner.search(query, limit=self.inner.num_docs, count=True, **kw)
        hits = found.hits[::-1]
        hits.sort(key=lambda hit: -hit[0])  # stable: equal scores stay reversed
        return _Found(hits[:limit], int(found.count))


@pytest.mark.parametrize("per_page", [1, 5])
def test_ties_follow_document_order_however_tantivy_breaks_them(
    services: dict[str, SearchService], monkeypatch: pytest.MonkeyPatch, per_page: int
) -> None:
    service = services["tantivy"]
    expected = [
        service.search(_request("chronicle", page=str(p), per_page=str(per_page)))
        for p in (1, 2, 3)
    ]
    engine = service.engine()
    assert isinstance(engine, TantivyEngine)
    monkeypatch.setattr(engine, "_searcher", _ReversedTies(engine._searcher))
    query = build_query(parse_query("chronicle", "all"), ["en"], engine._schema, engine._vocab)
    assert query is not None
    reversed_first = engine._searcher.search(query, limit=1).hits[0][1]
    assert int(engine._dense([reversed_first])[0]) != engine._docnum(expected[0].hits[0].id)
    for page, masked in enumerate(expected, 1):
        request = _request("chronicle", page=str(page), per_page=str(per_page))
        _same(service.search(replace(request, facets=False)), masked)


def test_hit_records_are_the_stored_records(services: dict[str, SearchService]) -> None:
    engine = services["tantivy"].engine()
    assert isinstance(engine, TantivyEngine)
    live = np.flatnonzero(engine._dv.live).tolist()  # an update leaves replaced rows dead
    assert len(live) == len(archive_files()) - 1  # the draft is not indexed
    for docnum in live:
        record = engine._record(docnum)
        assert engine._hit_record(docnum, body=False) == {k: record[k] for k in HIT_FIELDS}
        assert engine._hit_record(docnum, body=True)["body"] == record["body"]
        assert engine._docnum(record["id"]) == docnum
    changed = engine._hit_record(engine._docnum(CHANGED), body=True)
    assert changed["tags"] == ["History", "Updated"]
    assert "chronicle of the year continues with chapter 1 " in changed["body"]


def test_an_index_of_the_first_tantivy_format_is_refused(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", {HARBOUR: archive_files()[HARBOUR]})
    index = tmp_path / "index"
    build_index(archive, index, engine="tantivy")
    meta_path = IndexStore(index).current().path / "meta.json"
    meta = json.loads(meta_path.read_text())
    assert meta["format_version"] >= 2
    meta["format_version"] = 1  # the body inside the JSON record, no hit table
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexFormatError, match="rebuild"):
        SearchService(index).search(SearchRequest(q="harbour"))
