"""The benchmark's own arithmetic and readers: nDCG, the SMART collections, query sanitising."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.collections import (
    cisi_judgments,
    cranfield_judgments,
    cranfield_queries,
    dcg,
    documents,
    load_cisi,
    load_cranfield,
    mean_ndcg,
    ndcg_at,
)
from bench.common import QUERIES, percentile, read_queries
from bench.make_queries import article_body
from bench.relevance import sanitise
from search import caps

CRAN_DOCS = """.I 1\r
.T\r
experimental investigation of the aerodynamics of a\r
wing in a slipstream .\r
.A\r
brenckman,m.\r
.B\r
j. ae. scs. 25, 1958, 324.\r
.W\r
experimental investigation\r
  an experimental study .\r
.I 2\r
.T\r
simple shear flow past a flat plate .\r
.W\r
the flow .\r
"""

CRAN_QUERIES = """.I 001
.W
what similarity laws must be obeyed
.I 004
.W
what problems of heat conduction
"""


def test_dcg_uses_log2_discount() -> None:
    assert dcg([3, 2, 0, 1]) == pytest.approx(3 + 2 / math.log2(3) + 1 / math.log2(5))


def test_ndcg_perfect_partial_and_empty() -> None:
    judged = {"a": 2, "b": 1, "c": 1}
    assert ndcg_at(["a", "b", "c", "x"], judged) == pytest.approx(1.0)
    # One relevant document at rank 2 of three (binary): (1/log2 3) / (1 + 1/log2 3 + 1/2).
    binary = {"a": 1, "b": 1, "c": 1}
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3) + 0.5)
    assert ndcg_at(["x", "b", "y"], binary) == pytest.approx(expected)
    assert ndcg_at(["a"], {}) == 0.0
    assert ndcg_at([], judged) == 0.0


def test_ndcg_cuts_at_k() -> None:
    ranked = [f"n{i}" for i in range(10)] + ["a"]
    assert ndcg_at(ranked, {"a": 1}, k=10) == 0.0
    assert ndcg_at(ranked, {"a": 1}, k=11) > 0.0


def test_mean_ndcg_counts_queries_without_hits_as_zero() -> None:
    judgments = {"1": {"a": 1}, "2": {"b": 1}}
    assert mean_ndcg({"1": ["a"], "2": ["z"]}, judgments) == pytest.approx(0.5)


def test_smart_documents_join_lines_and_handle_crlf() -> None:
    docs = documents(CRAN_DOCS.replace("\r\n", "\n"))
    assert [d.id for d in docs] == ["1", "2"]
    assert (
        docs[0].title
        == "experimental investigation of the aerodynamics of a wing in a slipstream ."
    )
    assert docs[0].text == "experimental investigation an experimental study ."
    assert docs[1].title == "simple shear flow past a flat plate ."


def test_cranfield_queries_are_numbered_by_position() -> None:
    queries = cranfield_queries(CRAN_QUERIES)
    assert list(queries) == ["1", "2"]
    assert queries["2"] == "what problems of heat conduction"


def test_cranfield_grades_become_gains_and_minus_one_is_dropped() -> None:
    judged = cranfield_judgments("1 184 2 \n1 29 1\n1 12 4\n2 51 -1\n")
    assert judged == {"1": {"184": 3, "29": 4, "12": 1}}


def test_cisi_judgments_are_binary() -> None:
    judged = cisi_judgments("     1     28\t0\t0.000000\n     1     35\t0\t0.000000\n")
    assert judged == {"1": {"28": 1, "35": 1}}


def test_sanitise_removes_query_syntax() -> None:
    text, shortened = sanitise('What "wings" (delta-wing) OR NOT title:lift* mach~2 x_y?')
    assert text == "what wings delta wing or not title lift mach 2 x y"
    assert not shortened


def test_sanitise_keeps_long_queries_within_caps() -> None:
    text, shortened = sanitise(" ".join(["the"] * 10 + [f"word{i}" for i in range(100)]))
    words = text.split()
    assert shortened
    assert len(words) == caps.MAX_TERMS
    assert words[0] == "word0"


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert math.isnan(percentile([], 50))


def test_article_body_drops_front_matter_and_shortcodes() -> None:
    text = '---\ntitle: "T"\ntags: "x"\n---\n\n'
    text += 'See [here](https://x.org "a") {{< image src="a" >}} now.'
    body = article_body(text)
    assert "title" not in body
    assert "https" not in body and "image" not in body
    assert "See [here]" in body and "now." in body


def test_committed_query_set_has_the_planned_mix() -> None:
    queries = read_queries(QUERIES / "sisihagen.txt")
    assert len(queries) == 100
    assert len(set(queries)) == len(queries)
    assert sum(q.endswith("*") for q in queries) == 12
    assert sum(q.endswith("~") for q in queries) == 8
    assert sum(q.startswith('"') for q in queries) == 12
    assert any(any("а" <= ch <= "я" for ch in q) for q in queries)  # Russian words are in


@pytest.mark.corpus
def test_cranfield_reader_on_the_real_files(relevance: Path) -> None:
    cran = load_cranfield(relevance / "cranfield")
    assert len(cran.documents) == 1400
    assert len(cran.queries) == 225
    assert cran.queries["225"].startswith("what design factors can be used to control lift-drag")
    assert cran.documents[0].title.startswith("experimental investigation of the aerodynamics")
    assert len(cran.judged_queries()) == 225
    assert sum(len(docs) for docs in cran.binary.values()) == 1612
    assert set(cran.judgments["1"].values()) <= {1, 2, 3, 4}


@pytest.mark.corpus
def test_cisi_reader_on_the_real_files(relevance: Path) -> None:
    cisi = load_cisi(relevance / "cisi")
    assert len(cisi.documents) == 1460
    assert len(cisi.queries) == 112
    assert len(cisi.judged_queries()) == 76
    assert cisi.documents[0].title == "18 Editions of the Dewey Decimal Classifications"
    assert cisi.queries["1"].startswith("What problems and concerns are there")
