"""A full Whoosh build written by two processes gives the index one process gives.

The helper process writes a first part of the articles into its own segment,
listed first; the documents keep their numbers, so facet arrays, ties between
equal scores, snippets and suggestions all stay the same. Checked on the BBC
corpus through the indexer (one process forced by ``workers=1``), and on small
inline archives for the split and for a helper that dies.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import orjson
import pytest
from whoosh import index

from bench.common import ROOT, parse_query_line, read_queries
from indexer.build import build_index
from search.article import Article
from search.docvalues import load_docvalues
from search.request import build_request
from search.service import SearchService
from search.store import IndexStore
from search.whoosh_engine.parallel import HELPER_SHARE, WriterFailed, text_cost
from search.whoosh_engine.writer import BULK_THRESHOLD as BULK
from search.whoosh_engine.writer import INDEX_NAME, WhooshWriter

QUERIES = 80
"""Queries of the committed bench set compared, with facets and snippets."""


def _generation(index_dir: Path) -> Path:
    generation = IndexStore(index_dir).current()
    assert generation is not None
    return generation.path


def _segments(directory: Path) -> list[tuple[int, list[str]]]:
    """Each segment's document count, and every stored id in document-number order."""
    ix = index.open_dir(str(directory), indexname=INDEX_NAME, readonly=True)
    with ix.searcher() as searcher:
        ids = [fields["id"] for _, fields in searcher.reader().iter_docs()]
    return [(segment.doc_count_all(), ids) for segment in ix._segments()]


def _answers(index_dir: Path) -> list[bytes]:
    service = SearchService(index_dir)
    lines = [parse_query_line(line) for line in read_queries(ROOT / "bench/queries/mixed.txt")]
    answers = []
    try:
        for line in lines[:QUERIES]:
            request = dataclasses.replace(build_request(line.params()), facets=True, snippets=True)
            result = dataclasses.asdict(service.search(request))
            del result["took_ms"], result["generation"]  # a generation is named by its time
            answers.append(orjson.dumps(result, default=str, option=orjson.OPT_SORT_KEYS))
    finally:
        service.close()
    return answers


def test_two_processes_build_the_index_one_process_builds(bbc: Path, tmp_path: Path) -> None:
    one = build_index(bbc, tmp_path / "one", rebuild=True, engine="whoosh", workers=1)
    two = build_index(bbc, tmp_path / "two", rebuild=True, engine="whoosh", workers=2)
    assert one.articles == two.articles > 2_000

    (only,) = _segments(_generation(tmp_path / "one"))
    first, second = _segments(_generation(tmp_path / "two"))
    assert first[0] + second[0] == only[0] == one.articles
    assert 0.3 * only[0] < first[0] < 0.7 * only[0]  # a real split, by size
    assert first[1] == only[1]  # every document keeps its number

    want, have = (load_docvalues(_generation(tmp_path / n))[0] for n in ("one", "two"))
    for name in ("live", "date", "lang", "publication", "tag_doc", "tag_id"):
        assert np.array_equal(getattr(want, name), getattr(have, name)), name
    assert want.tags == have.tags

    answers = _answers(tmp_path / "one")
    assert sum(b'"hits":[]' not in answer for answer in answers) > QUERIES // 2
    assert _answers(tmp_path / "two") == answers


def _articles(count: int) -> list[Article]:
    return [
        Article(
            id=f"a{n:03d}",
            path=f"a{n:03d}.md",
            title=f"Harbour report {n}",
            body=f"The harbour of town {n} has {'many ships ' * (n % 7 + 1)}and rivers.",
            lang="en",
        )
        for n in range(count)
    ]


def test_the_helper_writes_the_first_part_by_cost(tmp_path: Path) -> None:
    articles = _articles(60)
    total = sum(text_cost(a) for a in articles)
    writer = WhooshWriter(
        tmp_path, expected=BULK, expected_bytes=10**9, estimate_text=lambda: total, processes=2
    )
    writer.add(articles)
    writer.commit()

    first, second = _segments(tmp_path)
    assert first[1] == [a.id for a in articles]
    assert not list(tmp_path.glob("spool-*"))  # every spool file was read and removed
    share = int(total * HELPER_SHARE)
    taken = next(n for n in range(1, 61) if sum(map(text_cost, articles[:n])) >= share)
    assert (first[0], second[0]) == (taken, 60 - taken)


def test_one_process_when_not_asked_or_the_index_has_documents(tmp_path: Path) -> None:
    articles = _articles(30)
    total = sum(text_cost(a) for a in articles)
    writer = WhooshWriter(tmp_path, expected=BULK, expected_bytes=total, processes=1)
    writer.add(articles[:10])
    writer.commit()
    writer = WhooshWriter(tmp_path, expected=BULK, expected_bytes=total, processes=2)  # an update
    writer.add(articles[10:])
    writer.commit()
    # a helper would have split the update's twenty articles into two segments
    assert [count for count, _ids in _segments(tmp_path)] == [10, 20]


def test_one_process_below_the_bulk_threshold(tmp_path: Path) -> None:
    writer = WhooshWriter(tmp_path, expected=BULK - 1, expected_bytes=10**9, processes=2)
    assert writer._helper is None
    writer.cancel()


def test_a_helper_that_dies_fails_the_commit(tmp_path: Path) -> None:
    articles = _articles(40)
    writer = WhooshWriter(
        tmp_path, expected=BULK, expected_bytes=10**9, processes=2
    )  # all to the helper
    writer.add(articles)
    helper = writer._helper
    assert helper is not None
    helper._process.kill()
    helper._process.join()
    with pytest.raises(WriterFailed, match=r"writer process failed: .* exit code -9"):
        writer.commit()
    writer.cancel()
    ix = index.open_dir(str(tmp_path), indexname=INDEX_NAME, readonly=True)
    assert ix.doc_count_all() == 0  # nothing was committed
