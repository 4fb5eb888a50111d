"""Known-item bench: seeded queries drawn from the articles' own sentences, and MRR@10."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import postgres
from bench.knownitem import ENGINES, PER_LANG, engines_of, make_queries, mrr, report
from search.article import Article


def _article(n: int, lang: str, body: str) -> Article:
    return Article(id=f"{lang}/{n}.md", path=f"{lang}/{n}.md", title=f"T{n}", body=body, lang=lang)


ARTICLES = [
    _article(n, "en", f"Article number {n} talks about harbours, ferries and the river Elbe today.")
    for n in range(PER_LANG + 5)
] + [
    _article(1, "ja", "東京都の歴史について長い文章を毎日ここに書いています。"),
    _article(2, "de", "Kurz."),
]


def test_queries_are_seeded_words_of_one_sentence_per_article() -> None:
    queries = make_queries(ARTICLES)
    assert queries == make_queries(ARTICLES)  # the same seed, the same queries
    assert make_queries(ARTICLES, seed=1) != queries
    english = [q for q in queries if q[0] == "en"]
    assert len(english) == PER_LANG
    for _lang, text, target in english:
        body = next(a.body for a in ARTICLES if a.id == target)
        assert 4 <= len(text.split()) <= 6 and text in body.replace(",", "")
    (japanese,) = [q for q in queries if q[0] == "ja"]
    assert len(japanese[1]) == 6 and japanese[1] in ARTICLES[-2].body
    assert not [q for q in queries if q[0] == "de"]  # no sentence long enough


def test_mrr_at_ten_per_language() -> None:
    queries = [("en", "a", "x"), ("en", "b", "y"), ("de", "c", "z")]
    ranked = {"a": ["x"], "b": ["q", "y"], "c": [f"n{i}" for i in range(10)] + ["z"]}
    scores = mrr(queries, lambda text, mode: ranked[text], "any")
    assert scores == {"de": 0.0, "en": 0.75, "all": 0.5}
    lines = report({"demo": {"fts5": {"any": scores}}})
    assert "| demo | fts5 | any | 0.5 | de 0.0 en 0.75 |" in lines


def test_the_engines_are_those_asked_else_all_but_whoosh_under_quick(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres, "available", lambda: True)
    assert engines_of(["postgres", "whoosh", "tantivy"], quick=True) == [
        "tantivy", "whoosh", "postgres"
    ]  # fmt: skip
    assert "whoosh" not in engines_of(None, quick=True)
    assert engines_of(None, quick=False) == list(ENGINES)
    monkeypatch.setattr(postgres, "available", lambda: False)
    assert engines_of(["postgres", "whoosh"], quick=False) == ["whoosh"]


def test_bench_engines_option_reaches_the_knownitem_part() -> None:
    from bench.__main__ import Runner, parse_args

    asked = parse_args(["--only", "knownitem", "--engines", "whoosh,tantivy"])
    assert Runner(Path("/nonexistent"), asked).asked == ("whoosh", "tantivy")
    assert Runner(Path("/nonexistent"), parse_args(["--only", "knownitem"])).asked is None


def test_the_ranking_parts_raise_the_time_cap_for_their_searches_only() -> None:
    from bench.common import RANKING_TIME_LIMIT, ranking_time_limit
    from search import limits

    usual = limits.SEARCH_TIME_LIMIT
    with ranking_time_limit() as given:
        assert (given, limits.SEARCH_TIME_LIMIT) == (usual, RANKING_TIME_LIMIT)
    assert usual == limits.SEARCH_TIME_LIMIT
