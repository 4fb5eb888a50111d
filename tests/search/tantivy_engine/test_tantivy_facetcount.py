"""Filters and facet counts inside Tantivy (``facetcount``) give what the general way gives.

An archive of generated articles with tags in several spellings (case, slug and
word forms, entities), authors, publications, languages, dates and undated ones,
indexed and then updated (two segments and deleted documents), is searched with
random requests — selections and exclusions on every facet, date ranges, both
match modes, several pages — once through ``TantivyEngine._engine_page`` and once
through the mask over every match (``BaseEngine._masked_page``, which the facet
reference test checks against a plain loop). Totals, pages, scores, notices and
every facet value must agree, with the facets counted each way the engine page
has: Tantivy's aggregations (the way of big archives and many matches) and dense
arrays of the matches (``reader.MASK_MATCHES``, ``reader.MASK_DOCS``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest

from indexer.build import build_index
from search import facets
from search.engine_base import ANY_WORDS_NOTICE
from search.query import parse_query
from search.request import build_request
from search.service import SearchService
from search.tantivy_engine import facetcount, reader
from search.tantivy_engine.querybuild import build_parts, build_query
from search.tantivy_engine.reader import TantivyEngine
from search.types import SearchRequest

WORDS = ("harbour", "river", "drone", "market", "bank", "city", "war", "peace", "ferry", "salt")
RARE = ("zebra", "quokka")
"""Each in a few articles, never together: asking for both widens the query to any word."""
TAGS = ("Strategy and Policy", "strategy-and-policy", "STRATEGY_AND_POLICY", "Travel", "travel",
        "Rock &amp; Roll", "rock & roll", "Économie", "économie", "History")  # fmt: skip
AUTHORS = ("Anna Smith", "anna smith", "Bo Li", "Chloé Martin")
PUBLICATIONS = ("Review", "review", "Gazette", "")
LANGS = ("en", "de", "fr")
ARTICLES = 240


def _article(rng: random.Random, n: int) -> str:
    words = " ".join(rng.choices(WORDS, k=rng.randint(3, 30)) + rng.choices(RARE, k=n % 9 == 0))
    tags = rng.sample(TAGS, rng.randint(0, 3))
    meta = [f"title: {' '.join(rng.choices(WORDS, k=3))} {n}", f"lang: {rng.choice(LANGS)}"]
    if rng.random() < 0.8:  # some undated
        day = dt.date(2001, 1, 1) + dt.timedelta(days=rng.randrange(365 * 6))
        meta.append(f"date: {day.isoformat()}")
    if tags:
        meta.append("tags: [" + ", ".join(f'"{t}"' for t in tags) + "]")
    if rng.random() < 0.5:
        meta.append(f"author: {rng.choice(AUTHORS)}")
    publication = rng.choice(PUBLICATIONS)
    if publication:
        meta.append(f"publication: {publication}")
    return "---\n" + "\n".join(meta) + "\n---\n\n" + words + "\n"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TantivyEngine]:
    rng = random.Random(18)
    archive = tmp_path_factory.mktemp("archive")
    for n in range(ARTICLES):
        (archive / f"a{n:03d}.md").write_text(_article(rng, n), encoding="utf-8")
    index = tmp_path_factory.mktemp("index")
    assert build_index(archive, index, engine="tantivy").errors == []
    for n in range(0, ARTICLES, 7):  # changed articles: deleted documents, a second segment
        (archive / f"a{n:03d}.md").write_text(_article(rng, n + 1000), encoding="utf-8")
    assert build_index(archive, index).updated > 0
    service = SearchService(index)
    found = service.engine()
    assert isinstance(found, TantivyEngine)
    yield found
    service.close()


@pytest.fixture(params=["aggregations", "aggregations, the most frequent", "arrays", "one pass"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the engine page counts facets: by aggregations (every value at once, or the most
    frequent first and every value again when ties cross the cut), over dense arrays of a
    second search's matches (a big archive, few matches), or over the matches of the one
    search that also ranks them (a small archive, no filter)."""
    bounds = {"arrays": (0, ARTICLES), "one pass": (ARTICLES, 0)}
    docs, matches = bounds.get(request.param, (0, 0))
    monkeypatch.setattr(reader, "MASK_DOCS", docs)
    monkeypatch.setattr(reader, "MASK_MATCHES", matches)
    if request.param == "aggregations, the most frequent":
        monkeypatch.setattr(facetcount, "FIRST_ASKED", 1)
    return str(request.param)


def _request(rng: random.Random) -> SearchRequest:
    raw: dict[str, list[str]] = {
        "q": [" ".join(rng.sample(RARE if rng.random() < 0.2 else WORDS, rng.randint(1, 2)))],
        "match": [rng.choice(("all", "any"))],
        "page": [str(rng.randint(1, 3))],
        "per_page": [str(rng.choice((1, 5, 10)))],
    }
    choices = {
        "tag": (*TAGS, "nosuchtag"),
        "author": AUTHORS,
        "publication": PUBLICATIONS[:-1],
        "lang": LANGS,
        "year": ("2001", "2003", "2006", "undated"),
        "month": ("2002-03", "2004-11"),
    }
    for facet, values in choices.items():
        if rng.random() < 0.3:
            raw[facet] = rng.sample(values, rng.randint(1, 2))
        if rng.random() < 0.15:
            raw[f"not_{facet}"] = rng.sample(values, 1)
    if rng.random() < 0.2:
        raw["from"] = [f"{rng.randint(2001, 2004)}-{rng.randint(1, 12):02d}"]
    if rng.random() < 0.2:
        raw["to"] = [str(rng.randint(2003, 2007))]
    return build_request(raw)


@pytest.mark.parametrize("shown", [facets.MAX_FACET_VALUES, 3])
@pytest.mark.parametrize("seed", range(8))
def test_tantivy_facets_and_filters_are_the_general_ways(
    engine: TantivyEngine, seed: int, shown: int, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """With 3 values shown a facet, Tantivy returns fewer tags than there are: ties across
    the cut and selected values past it must be fetched again."""
    monkeypatch.setattr(facets, "MAX_FACET_VALUES", shown)
    rng = random.Random(seed)
    for _ in range(25):
        request = _request(rng)
        parsed = parse_query(request.q, request.match)
        inside: list[str] = []
        general: list[str] = []
        page = engine._engine_page(parsed, request, inside)
        assert page is not None
        expected = engine._masked_page(parsed, request, general)
        assert (page.total, page.parsed, inside) == (expected.total, expected.parsed, general)
        assert [d for d, _ in page.ranked] == [d for d, _ in expected.ranked]
        for (_, score), (_, other) in zip(page.ranked, expected.ranked, strict=True):
            assert score == pytest.approx(other, abs=1e-6)
        assert page.facets == expected.facets, request


def test_the_random_requests_reach_every_case(engine: TantivyEngine) -> None:
    """The comparison is not vacuous: some pages have hits, counts, filters and fallbacks."""
    rng = random.Random(0)
    requests = [_request(rng) for _ in range(200)]
    pages = [engine._engine_page(parse_query(r.q, r.match), r, []) for r in requests if r.facets]
    assert sum(1 for p in pages if p is not None and p.ranked) > 50
    assert any(p is not None and p.facets["tag"] for p in pages)
    assert any(r.filters.get("year") == ("undated",) or r.excludes for r in requests)
    widened = [r for r in requests if r.match == "all" and len(r.q.split()) > 1]
    assert any(_widened(engine, r) for r in widened)


def _widened(engine: TantivyEngine, request: SearchRequest) -> bool:
    notices: list[str] = []
    engine._engine_page(parse_query(request.q, request.match), request, notices)
    return ANY_WORDS_NOTICE in notices


def test_date_order_and_browsing_take_the_general_way(engine: TantivyEngine) -> None:
    for raw in ({"q": ["river"], "sort": ["newest"]}, {"q": [""]}):
        request = build_request(raw)
        assert engine._engine_page(parse_query(request.q, request.match), request, []) is None


def test_the_general_way_is_not_what_the_engine_page_calls(
    engine: TantivyEngine, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    def no_mask(*_args: object) -> None:
        raise AssertionError("the mask over every match was built")

    monkeypatch.setattr(engine, "_match", no_mask)
    result = engine.search(build_request({"q": ["river"], "tag": ["travel"]}))
    assert result.total > 0 and result.facets["tag"]


class _Recording:
    """A searcher that notes the aggregations asked of it."""

    def __init__(self, searcher: object) -> None:
        self._searcher = searcher
        self.asked: list[dict[str, object]] = []

    def aggregate(self, query: object, aggs: dict[str, object]) -> object:
        self.asked.append(aggs)
        return self._searcher.aggregate(query, aggs)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._searcher, name)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TantivyEngine]:
    """Articles without authors or publications, some undated."""
    archive = tmp_path_factory.mktemp("plain")
    for n in range(40):
        date = f"date: 200{n % 5}-0{n % 9 + 1}-1{n % 10}\n" if n % 4 else ""
        text = f"---\ntitle: river {n}\n{date}tags: [{TAGS[n % 4]!r}]\n---\n\nriver bank {n}\n"
        (archive / f"p{n:02d}.md").write_text(text, encoding="utf-8")
    index = tmp_path_factory.mktemp("plain-index")
    assert build_index(archive, index, engine="tantivy").errors == []
    service = SearchService(index)
    found = service.engine()
    assert isinstance(found, TantivyEngine)
    yield found
    service.close()


@pytest.mark.parametrize(
    "raw",
    [{"q": ["river"]}, {"q": ["river"], "year": ["2001"]}, {"q": ["bank"], "year": ["undated"]}],
)
def test_only_what_can_count_is_aggregated(
    plain: TantivyEngine, raw: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No aggregation over a facet no article has, and the documents counted again only
    for a year facet whose scope is not the page's (the year's own filter is left out)."""
    monkeypatch.setattr(reader, "MASK_DOCS", 0)
    monkeypatch.setattr(reader, "MASK_MATCHES", 0)
    recording = _Recording(plain._searcher)
    monkeypatch.setattr(plain, "_searcher", recording)
    request = build_request(raw)
    parsed = parse_query(request.q, request.match)
    page = plain._engine_page(parsed, request, [])
    assert page is not None
    expected = plain._masked_page(parsed, request, [])
    assert (page.total, page.facets) == (expected.total, expected.facets)
    assert page.facets["author"] == () and page.facets["publication"] == ()
    assert any(v.value == "undated" for v in page.facets["year"])
    asked = {name for aggs in recording.asked for name in aggs}
    assert not asked & {"author", "publication"}
    assert ("count" in asked) == ("year" in raw)


@pytest.mark.parametrize(
    ("docs", "matches", "aggregated"), [(0, 0, True), (0, 40, False), (40, 0, False)]
)
def test_facets_are_aggregated_only_for_many_matches_in_a_big_archive(
    plain: TantivyEngine,
    monkeypatch: pytest.MonkeyPatch,
    docs: int,
    matches: int,
    aggregated: bool,
) -> None:
    """The bounds choose the way: an archive of at most ``MASK_DOCS`` articles, or at most
    ``MASK_MATCHES`` matches, is counted without an aggregation; the counts are the same."""
    monkeypatch.setattr(reader, "MASK_DOCS", docs)
    monkeypatch.setattr(reader, "MASK_MATCHES", matches)
    recording = _Recording(plain._searcher)
    monkeypatch.setattr(plain, "_searcher", recording)
    request = build_request({"q": ["river"], "year": ["2001"]})
    parsed = parse_query(request.q, request.match)
    page = plain._engine_page(parsed, request, [])
    assert page is not None and page.total > 0
    assert page.facets == plain._masked_page(parsed, request, []).facets
    assert bool(recording.asked) == aggregated


@pytest.mark.parametrize("q", ["river bank", "harbour war salt", "river", '"river bank"', "riv*"])
def test_facets_count_what_the_query_matches_without_its_scoring_clause(
    engine: TantivyEngine, q: str
) -> None:
    """Counts and aggregations take the part of the query that chooses the matches (Tantivy
    evaluates an optional clause even when nothing is scored): the same documents, and
    for a query of plain words a smaller query than the ranked one (the phrase clauses)."""
    parsed = parse_query(q, "all")
    query, matching = build_parts(parsed, engine._langs, engine._schema, engine._vocab)
    assert query is not None and matching is not None
    assert repr(query) == repr(build_query(parsed, engine._langs, engine._schema, engine._vocab))
    assert engine._count(matching) == engine._count(query) > 0
    plain_words = not any(mark in q for mark in '"*')
    assert (repr(matching) != repr(query)) == plain_words
