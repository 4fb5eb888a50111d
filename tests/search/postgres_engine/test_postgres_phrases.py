"""Phrase scoring in the PostgreSQL engine: a phrase's own frequency, counted from its words'
positions, scored with BM25 in the documents holding it only (``bm25.phrase_freqs``,
``bm25.add_phrase``), and a plain query's phrase clause never changes what matches."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index
from search import ranking
from search.postgres_engine import bm25
from search.postgres_engine.querybuild import PhraseScore
from search.service import SearchService
from search.types import SearchRequest
from tests.contract.archive import write_archive

WAR_ON_TERROR = ((0, "war"), (1, "on"), (2, "terror"))


def test_the_phrase_frequency_counts_the_words_at_their_distances() -> None:
    rows = [
        (3, "war", [1, 10, 20]),
        (3, "on", [2, 11, 30]),
        (3, "terror", [3, 12, 22]),
        (5, "war", [7]),
        (5, "on", [8]),
        (5, "terror", [10]),  # the words, not together: PostgreSQL would not return it,
    ]  # but a position past the kept ones can hide the phrase: it still counts once
    assert bm25.phrase_freqs(rows, WAR_ON_TERROR) == {3: 2, 5: 1}


def test_a_gap_left_by_a_stop_word_and_a_repeated_word_are_counted_as_written() -> None:
    gap = ((4, "war"), (6, "terror"))  # "war on terror" with "on" left out: two apart
    assert bm25.phrase_freqs([(1, "war", [1, 5]), (1, "terror", [3, 6])], gap) == {1: 1}
    twice = ((0, "bye"), (1, "bye"))
    assert bm25.phrase_freqs([(2, "bye", [1, 2, 3, 7])], twice) == {2: 2}


def test_a_phrase_scores_as_tantivy_scores_it_and_only_where_it_is() -> None:
    phrase = PhraseScore("body_exact", "'war' <-> 'terror'", ((0, "war"), (1, "terror")),
                         ("war", "terror"), 4.0)  # fmt: skip
    total = np.zeros(4)
    lengths = {"len_body_exact": np.array([10, 20, 10, 10], dtype=np.int32)}
    dfs = {("body_exact", "war"): 2, ("body_exact", "terror"): 1}
    bm25.add_phrase(total, phrase, {1: 2, 9: 1}, dfs, 4, lengths, {"body_exact": 10.0})
    idfs = math.log(1 + 2.5 / 2.5) + math.log(1 + 3.5 / 1.5)
    norm = bm25.K1 * (1 - bm25.B + bm25.B * 2)
    expected = 4.0 * idfs * 2 * (bm25.K1 + 1) / (2 + norm)
    assert total.tolist() == pytest.approx([0.0, expected, 0.0, 0.0])  # row 9: a later update's


def test_the_window_is_the_best_scored_matches_in_document_order() -> None:
    scores = np.array([5.0, 9.0, 1.0, 7.0, 8.0])
    matched = np.array([True, False, True, True, True])
    assert bm25.window(scores, matched, 2) == [3, 4]  # 1 scores best but did not match
    assert bm25.window(scores, matched, 10) == [0, 2, 3, 4]
    assert bm25.window(scores, np.zeros(5, dtype=np.bool_), 2) == []


FILES = {
    "en/together.md": "---\ntitle: Harbour\nlang: en\n---\nThe crane lifted the box at dawn.\n",
    "en/apart.md": "---\ntitle: Yard\nlang: en\n---\nBox crane; lifted, box crane lifted.\n",
    "en/one.md": "---\ntitle: Quay\nlang: en\n---\nA crane stood on the quay.\n",
    "en/none.md": "---\ntitle: Field\nlang: en\n---\nSheep graze in the field.\n",
}


@pytest.fixture
def service(pg_url: str, tmp_path: Path) -> Iterator[SearchService]:
    index = tmp_path / "index"
    build_index(write_archive(tmp_path / "archive", FILES), index, engine="postgres")
    opened = SearchService(index)
    yield opened
    opened.close()


@pytest.mark.parametrize("match", ["any", "all"])
def test_the_phrase_clause_reorders_but_never_changes_the_matches(
    service: SearchService, match: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def search() -> dict[str, float]:
        request = SearchRequest(q="crane lifted the box", match=match, facets=False, snippets=False)  # type: ignore[arg-type]
        return {hit.id: hit.score or 0.0 for hit in service.search(request).hits}

    with_phrase = search()
    monkeypatch.setattr(ranking, "PHRASE_BOOST", 0.0)
    without = search()
    assert set(with_phrase) == set(without)
    assert with_phrase["en/apart.md"] == pytest.approx(without["en/apart.md"])
    assert with_phrase["en/together.md"] > without["en/together.md"]
