"""The benchmark's own arithmetic and readers: nDCG, the SMART collections, query sanitising."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import pytest

from bench import openloop
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
from bench.common import QUERIES, QueryLine, parse_query_line, percentile, query_terms, read_queries
from bench.generate import Pool, Shape, article_text, check_target
from bench.make_queries import article_body
from bench.peers import Fts5, Peer, RawTantivy, build_fts5, build_tantivy, fts5_match
from bench.relevance import sanitise
from search import limits
from search.article import Article

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
    assert len(words) == limits.MAX_TERMS
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


def test_query_line_reads_tab_separated_filters() -> None:
    line = parse_query_line("war peace\ttag=society\tyear=2020")
    assert line == QueryLine("war peace", (("tag", "society"), ("year", "2020")))
    assert line.params() == {"q": ["war peace"], "tag": ["society"], "year": ["2020"]}
    with pytest.raises(ValueError, match="bad filter"):
        parse_query_line("war\tsort=newest")


def test_query_terms_keep_phrases_whole() -> None:
    assert query_terms('climate "prime minister" talks') == [
        "climate",
        '"prime minister"',
        "talks",
    ]


def test_fts5_match_quotes_every_term() -> None:
    assert fts5_match('NOT war "prime minister"') == '"NOT" "war" "prime minister"'
    assert fts5_match('say"hi') == '"say" "hi"'


def test_committed_mixed_query_set_has_the_planned_mix() -> None:
    lines = [parse_query_line(q) for q in read_queries(QUERIES / "mixed.txt")]
    assert 250 <= len(lines) <= 320
    assert len({(x.q, x.filters) for x in lines}) == len(lines)
    phrases = [x for x in lines if x.q.startswith('"')]
    assert 25 <= len(phrases) <= 35
    assert 8 <= sum(1 for x in lines if x.filters) <= 20
    singles = [x for x in lines if len(query_terms(x.q)) == 1 and not x.q.startswith('"')]
    assert len(singles) > len(lines) / 2
    assert any(any("а" <= ch <= "я" for ch in x.q) for x in lines)  # sisihagen's Russian


ARTICLES = [
    Article(
        id="a",
        path="a.md",
        title="Prime minister resigns",
        body="The prime minister resigned after the vote on the budget.",
        tags=("Politics",),
        publication="BBC News",
        lang="en",
        date=dt.date(2005, 3, 1),
    ),
    Article(
        id="b",
        path="b.md",
        title="Budget vote",
        body="Ministers argued about the budget for hours.",
        publication="BBC News",
        lang="en",
        date=dt.date(2004, 5, 1),
    ),
    Article(id="c", path="c.md", title="Hockey", body="The goalie saved every shot.", lang="en"),
]


@pytest.mark.parametrize("mode", ["top10", "facets", "snippets"])
def test_peers_agree_on_counts(tmp_path: Path, mode: str) -> None:
    build_tantivy(ARTICLES, tmp_path / "tantivy")
    build_fts5(ARTICLES, tmp_path / "fts5.db")
    peers: list[Peer] = [RawTantivy(tmp_path / "tantivy"), Fts5(tmp_path / "fts5.db")]
    cases = {
        "budget": 2,
        '"prime minister"': 1,
        "budget vote": 2,
        "budget\tyear=2005": 1,
        "budget\ttag=politics": 1,
        "goalie\tpublication=BBC News": 0,
        "nothing": 0,
    }
    for peer in peers:
        found = {q: peer.search(parse_query_line(q), mode) for q in cases}
        assert found == cases, type(peer).__name__
        peer.close()


def test_generated_article_has_front_matter_and_real_paragraphs() -> None:
    pool = Pool()
    pool.shapes.append(Shape("bbc", "en", ("Economy",), None, 2))
    pool.titles[("bbc", "en")].append('Shares "rise"')
    pool.paragraphs[("bbc", "en")].extend(["First paragraph.", "Second paragraph."])
    text = article_text(pool.shapes[0], pool, random.Random(1))
    assert text.startswith('---\ntitle: "Shares \\"rise\\""\ndate: 200')
    assert 'tags: ["Economy"]' in text
    assert text == article_text(pool.shapes[0], pool, random.Random(1))  # deterministic
    body = text.split("---\n\n", 1)[1]
    assert set(body.split()) <= {"First", "Second", "paragraph."}


def test_generator_refuses_to_write_into_the_repository() -> None:
    with pytest.raises(ValueError, match="refusing"):
        check_target(Path(__file__).parent / "generated")


def test_hostile_share_and_cheap_queries() -> None:
    normal = openloop.normal_mix([QueryLine(f"w{i}") for i in range(30)])
    assert "facets=0" in normal[0].path and "snippets=0" in normal[0].path
    mixed = openloop.with_hostile(normal, 0.1)
    assert len(mixed) == 30
    assert sum(r.kind.startswith("hostile") for r in mixed) == 3
    assert any(len(r.path) > 100_000 for r in openloop.HOSTILE)


@pytest.mark.slow
@pytest.mark.corpus
def test_quick_bench_runs_every_engine(news20: Path, tmp_path: Path) -> None:
    """The whole pipeline on a tiny generated archive: builds, queries, ratios, load test."""
    from bench.__main__ import main

    assert main(["--quick", "--only", "compare,load", "--output", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    small = results["compare"]["main"]
    from bench import postgres

    expected = {"whoosh", "tantivy", "raw-tantivy", "fts5"} | (
        {"postgres"} if postgres.available() else set()
    )
    assert set(small["engines"]) == expected
    for engine in small["engines"].values():
        assert engine["build"]["articles"] == 300
        assert engine["latency"]["snippets"]["n"] > 0
        assert engine["latency"]["top10"]["errors"] == 0
    assert small["ratios"]["raw-tantivy"]["top10"] == 1.0
    assert small["engines"]["tantivy"]["updates"]["changed_100"]["updated"] == 100
    assert results["load"]["whoosh"]["status_5xx"] == 0
    assert "Engines side by side" in (tmp_path / "latest.md").read_text(encoding="utf-8")
