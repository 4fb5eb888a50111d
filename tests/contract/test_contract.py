"""The engine contract: the same questions, the same answers, from every engine.

Each test runs once per engine (the ``engine_name`` fixture in ``conftest.py``)
through ``SearchService``. Exact scores and the order of equal-score hits may
differ between engines, so relevance results are compared as sets; everything
else (totals, facets, sort orders by date, notices, errors) must agree.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from pathlib import Path

import pytest

from indexer.build import build_index
from search.engine_base import ANY_WORDS_NOTICE
from search.errors import NotFound, QueryTooComplex
from search.request import build_request
from search.service import SearchService
from search.types import UNDATED, FacetName, SearchRequest, SearchResult
from tests.contract.archive import ENGINES, SERIES_MONTHS, archive_files, write_archive

KARABAKH_EN = "en/blog/2020/10/karabakh.md"
KARABAKH_DE = "de/blog/2020/10/karabakh.md"
KARABAKH_FR = "fr/blog/2020/10/karabakh.md"
KARABAKH_RU = "ru/blog/2020/10/karabakh.md"
HARBOUR = "en/blog/2019/05/harbour.md"
ECONOMY = "en/blog/2021/03/economy.md"
DRONES = "en/blog/2021/07/drones.md"
RIVER = "en/notes/river.md"
ZEBRA = "en/notes/zebra.txt"
QX = "en/notes/qx.md"
SERIES = {f"en/series/part{m:02d}.md" for m in range(1, SERIES_MONTHS + 1)}
ALL_IDS = {
    KARABAKH_EN, KARABAKH_DE, KARABAKH_FR, KARABAKH_RU, HARBOUR, ECONOMY, DRONES, RIVER, ZEBRA,
    QX, *SERIES,
}  # fmt: skip


def run(service: SearchService, q: str = "", **options: object) -> SearchResult:
    options.setdefault("per_page", 50)
    return service.search(SearchRequest(q=q, **options))  # type: ignore[arg-type]


def ids(service: SearchService, q: str = "", **options: object) -> set[str]:
    result = run(service, q, **options)
    assert result.total == len(result.hits), "the test expects every hit on one page"
    return {hit.id for hit in result.hits}


def counts(result: SearchResult, facet: FacetName) -> dict[str, int]:
    return {value.value: value.count for value in result.facets[facet]}


# ---------------------------------------------------------------- matching


def test_empty_query_lists_every_published_article_but_not_the_draft(
    service: SearchService,
) -> None:
    assert ids(service) == ALL_IDS
    assert ids(service, "secretword") == set()
    assert service.info().articles == len(ALL_IDS)


def test_a_word_finds_the_articles_containing_it(service: SearchService) -> None:
    assert ids(service, "Karabakh") == {KARABAKH_EN, KARABAKH_FR, DRONES}
    assert ids(service, "zebra") == {ZEBRA}


def test_all_words_must_match_by_default_and_any_on_request(service: SearchService) -> None:
    assert ids(service, "drones desert") == {DRONES}
    assert ids(service, "harbour ferries") == {HARBOUR}
    assert ids(service, "desert ferries", match="any") == {DRONES, HARBOUR}


def test_no_article_with_all_words_falls_back_to_any_with_a_notice(service: SearchService) -> None:
    result = run(service, "desert ferries")
    assert {hit.id for hit in result.hits} == {DRONES, HARBOUR}
    assert ANY_WORDS_NOTICE in result.notices
    assert result.interpreted == "desert OR ferries"
    assert ANY_WORDS_NOTICE not in run(service, "drones desert").notices


def test_a_word_found_nowhere_is_not_silently_dropped(service: SearchService) -> None:
    result = run(service, "zebra xyzzyplugh")
    assert {hit.id for hit in result.hits} == {ZEBRA}
    assert ANY_WORDS_NOTICE in result.notices
    assert ids(service, "xyzzyplugh") == set()


def test_phrases_match_words_in_order(service: SearchService) -> None:
    assert ids(service, '"peace process"') == {KARABAKH_EN}
    assert ids(service, '"process peace"') == set()
    assert ids(service, '"central bank"') == {ECONOMY}


def test_or_either_word(service: SearchService) -> None:
    assert ids(service, "ferries OR savers") == {HARBOUR, ECONOMY}
    assert ids(service, "ferries | savers") == {HARBOUR, ECONOMY}


def test_minus_and_not_exclude(service: SearchService) -> None:
    assert ids(service, "drones") == {KARABAKH_EN, DRONES}
    assert ids(service, "drones -desert") == {KARABAKH_EN}
    assert ids(service, "drones NOT desert") == {KARABAKH_EN}
    assert ids(service, "-chronicle") == ALL_IDS - SERIES


def test_parentheses_group(service: SearchService) -> None:
    assert ids(service, "(ferries OR savers) harbour") == {HARBOUR, ECONOMY}
    assert ids(service, "(ferries OR savers) prices") == {ECONOMY}
    assert ids(service, "drones (desert OR peace)") == {DRONES, KARABAKH_EN}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:harbour", {HARBOUR}),
        ("tags:travel", {HARBOUR, RIVER}),
        ("tag:TRAVEL", {HARBOUR, RIVER}),
        ('tag:"Technology"', {DRONES}),
        ("publication:gazette", {ECONOMY}),
        ("lang:de", {KARABAKH_DE}),
        ("lang:German", {KARABAKH_DE}),
        ('author:"Anna Smith"', {KARABAKH_EN}),
        ("author:smith", {KARABAKH_EN}),
        ("tags:politics drones", {KARABAKH_EN, DRONES}),
    ],
)
def test_whitelisted_fields(service: SearchService, query: str, expected: set[str]) -> None:
    assert ids(service, query) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tag", "Central-Banking"),
        ("tag", "central_banking"),
        ("tag", '"CENTRAL BANKING"'),
        ("tags", '"central  banking"'),
        ("tag", '"q&a"'),
        ("tag", "Q&amp;A"),
        ("publication", "GAZETTE"),
    ],
)
def test_tag_field_matches_as_facets_and_filters_do(
    service: SearchService, field: str, value: str
) -> None:
    # the tags are written "Central-Banking" and "Q&amp;A": case, slug or word form
    # and entities are folded as in facet values and filters (docvalues.facet_key)
    assert ids(service, f"{field}:{value}") == {ECONOMY}
    facet = "publication" if field == "publication" else "tag"
    assert ids(service, filters={facet: (value.strip('"'),)}) == {ECONOMY}


def test_title_field_is_narrower_than_a_word(service: SearchService) -> None:
    assert ids(service, "harbour") == {HARBOUR, ECONOMY}
    assert ids(service, "title:harbour") == {HARBOUR}


@pytest.mark.parametrize(
    "query",
    [
        "body_en:zebra",
        "id:en/notes/zebra.txt",
        "path:zebra",
        "spell:zebra",
        "record:zebra",
        "translation_key:blog",
        "key:1",
        "title_en:zebra",
    ],
)
def test_hidden_fields_cannot_be_reached(service: SearchService, query: str) -> None:
    result = run(service, query)
    assert result.total == 0
    assert result.interpreted == query  # searched as one plain word, not as a field


def test_prefix_search(service: SearchService) -> None:
    assert ids(service, "infla*") == {KARABAKH_EN, ECONOMY}
    assert ids(service, "chronic*") == SERIES
    assert ids(service, "harb*") == {HARBOUR, ECONOMY}


def test_fuzzy_search(service: SearchService) -> None:
    assert ids(service, "desrt~") == {DRONES}  # stemmed "desert" is one edit away
    assert ids(service, "zebrra~1") == {ZEBRA}
    assert ids(service, "zebxxa~1") == set()
    assert ids(service, "zebxxa~2") == {ZEBRA}


def test_date_ranges_in_the_query(service: SearchService) -> None:
    assert ids(service, "date:2021") == {ECONOMY, DRONES}
    assert ids(service, "date:2020-10..2021-03") == {
        KARABAKH_EN, KARABAKH_DE, KARABAKH_FR, KARABAKH_RU, ECONOMY,
    }  # fmt: skip
    assert ids(service, "date:<2016") == SERIES
    assert ids(service, "date:2015-03") == {"en/series/part03.md"}
    assert ids(service, "chronicle date:>=2015-11") == {
        "en/series/part11.md",
        "en/series/part12.md",
    }


def test_date_filters_leave_undated_articles_out(service: SearchService) -> None:
    got = ids(service, date_from=dt.date(2020, 10, 6), date_to=dt.date(2021, 3, 1))
    assert got == {KARABAKH_DE, KARABAKH_FR, KARABAKH_RU, ECONOMY}
    assert RIVER not in ids(service, date_to=dt.date(2030, 1, 1))
    assert ZEBRA not in ids(service, date_from=dt.date(1900, 1, 1))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kriegen", {KARABAKH_DE}),  # dative plural of Krieg, the text has both forms
        ("Krieges", {KARABAKH_DE}),  # genitive: only the stem is in the text
        ("войны", {KARABAKH_RU}),  # the text says "войну"
        ("Армении", {KARABAKH_RU}),  # the text says "Армения"
        ("fighting", {KARABAKH_EN}),  # the text says "fight"
        ("négociation", {KARABAKH_FR}),  # the text says "négociations"
    ],
)
def test_each_language_is_stemmed_its_own_way(
    service: SearchService, query: str, expected: set[str]
) -> None:
    assert ids(service, query) == expected


# ---------------------------------------------------------------- facets


def test_facets_are_disjunctive(service: SearchService) -> None:
    plain = run(service)
    both = run(service, filters={"tag": ("Politics", "Travel")})
    assert {hit.id for hit in both.hits} == {KARABAKH_EN, ECONOMY, DRONES, HARBOUR, RIVER}
    assert counts(both, "tag") == counts(plain, "tag")  # unchanged by its own selection
    selected = {v.value for v in both.facets["tag"] if v.selected}
    assert selected == {"politics", "travel"}
    assert counts(both, "year") == {"2021": 2, "2020": 1, "2019": 1, UNDATED: 1}
    assert counts(both, "lang") == {"en": 5}
    assert counts(both, "publication") == {"review": 1, "gazette": 1}


def test_facet_counts_over_the_whole_index(service: SearchService) -> None:
    tags = counts(run(service), "tag")
    assert tags["politics"] == 3
    assert tags["history"] == SERIES_MONTHS
    assert tags["travel"] == 2
    assert counts(run(service), "lang") == {"en": 19, "de": 1, "fr": 1, "ru": 1}
    facet_tags = {v.value: v.count for v in service.facet_values()["tag"]}
    assert facet_tags == tags


def test_facet_labels_keep_the_original_spelling(service: SearchService) -> None:
    labels = {v.value: v.label for v in run(service).facets["tag"]}
    assert labels["politics"] == "Politics"
    assert labels["политика"] == "Политика"


def test_facets_follow_the_query(service: SearchService) -> None:
    result = run(service, "drones")
    assert counts(result, "tag") == {"politics": 2, "caucasus": 1, "technology": 1}
    assert counts(result, "year") == {"2021": 1, "2020": 1}


def test_exclusions(service: SearchService) -> None:
    result = run(service, excludes={"tag": ("Politics",)})
    got = {hit.id for hit in result.hits}
    assert got == ALL_IDS - {KARABAKH_EN, ECONOMY, DRONES}
    assert all("Politics" not in hit.tags for hit in result.hits)
    excluded = [v for v in result.facets["tag"] if v.excluded]
    assert [v.value for v in excluded] == ["politics"]
    assert ids(service, "drones", excludes={"lang": ("en",)}) == set()


def test_year_and_month_facets_and_undated(service: SearchService) -> None:
    years = counts(run(service), "year")
    assert years == {"2021": 2, "2020": 4, "2019": 1, "2017": 1, "2015": 12, UNDATED: 2}
    assert years["2015"] == SERIES_MONTHS
    assert years["2020"] == 4
    assert years[UNDATED] == 2  # the river walk and the zebra note
    assert list(years)[:2] == ["2021", "2020"]  # newest first
    assert run(service).facets["month"] == ()  # months only inside a chosen year
    in_2015 = run(service, filters={"year": ("2015",)})
    months = counts(in_2015, "month")
    assert months == {f"2015-{m:02d}": 1 for m in range(1, SERIES_MONTHS + 1)}
    assert in_2015.total == SERIES_MONTHS
    undated = ids(service, filters={"year": (UNDATED,)})
    assert undated == {RIVER, ZEBRA}


def test_facets_can_be_switched_off(service: SearchService) -> None:
    assert run(service, "drones", facets=False).facets == {}


# ---------------------------------------------------------------- order and paging


def test_sort_newest_and_oldest_with_undated_last(service: SearchService) -> None:
    newest = run(service, sort="newest").hits
    oldest = run(service, sort="oldest").hits
    dated_new = [hit.date for hit in newest if hit.date]
    dated_old = [hit.date for hit in oldest if hit.date]
    assert dated_new == sorted(dated_new, reverse=True)
    assert dated_old == sorted(dated_old)
    assert newest[0].id == DRONES
    assert oldest[0].id == "en/series/part01.md"
    assert {hit.id for hit in newest[-2:]} == {RIVER, ZEBRA}
    assert {hit.id for hit in oldest[-2:]} == {RIVER, ZEBRA}
    assert all(hit.score is None for hit in newest)


def test_relevance_puts_the_title_match_first(service: SearchService) -> None:
    result = run(service, "harbour")
    assert result.hits[0].id == HARBOUR
    assert all(hit.score is not None and hit.score > 0 for hit in result.hits)
    scores = [hit.score or 0.0 for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_paging_and_totals(service: SearchService) -> None:
    pages = [run(service, "chronicle", sort="oldest", page=p, per_page=5) for p in (1, 2, 3, 4)]
    assert [page.total for page in pages] == [SERIES_MONTHS] * 4
    assert [len(page.hits) for page in pages] == [5, 5, 2, 0]
    assert pages[0].pages == 3
    seen = [hit.id for page in pages for hit in page.hits]
    assert seen == sorted(SERIES)  # oldest first: part01 … part12, no repeats
    relevance = [run(service, "chronicle", page=p, per_page=5) for p in (1, 2, 3)]
    assert {hit.id for page in relevance for hit in page.hits} == SERIES


def test_result_metadata(service: SearchService, engine_name: str) -> None:
    started = time.perf_counter()
    result = run(service, "drones")
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert result.generation == service.store.current_name()
    assert 0 < result.took_ms <= elapsed_ms  # the search's own time, in milliseconds
    assert service.info().engine == engine_name
    hit = next(h for h in result.hits if h.id == DRONES)
    assert (hit.title, hit.date, hit.lang, hit.path) == (
        "Drones over the desert",
        dt.date(2021, 7, 20),
        "en",
        DRONES,
    )
    assert hit.tags == ("Technology", "Politics")


# ---------------------------------------------------------------- snippets


def test_snippets_mark_the_matched_words(service: SearchService) -> None:
    result = run(service, "inflation")
    hit = next(h for h in result.hits if h.id == ECONOMY)
    assert hit.title_html == "<mark>Inflation</mark> and the economy"
    html = " ".join(s.html for s in hit.snippets)
    assert "<mark>Inflation</mark> pushes" in html
    assert "<mark>inflation</mark> hurts" in html
    for snippet in hit.snippets:
        for start, end in snippet.matches:
            assert snippet.text[start:end].casefold() == "inflation"


def test_snippets_mark_stemmed_prefix_and_fuzzy_matches(service: SearchService) -> None:
    stemmed = run(service, "Kriegen").hits[0]
    marked = {
        m.casefold() for s in stemmed.snippets for m in re.findall(r"<mark>(.*?)</mark>", s.html)
    }
    assert marked == {"krieg", "kriegen"}
    prefix = next(h for h in run(service, "drone*").hits if h.id == DRONES)
    assert prefix.title_html == "<mark>Drones</mark> over the desert"
    fuzzy = next(h for h in run(service, "desrt~").hits if h.id == DRONES)
    assert "<mark>desert</mark>" in fuzzy.title_html


def test_snippets_are_safe_html_for_hostile_text(service: SearchService) -> None:
    result = run(service, "zebra")
    (hit,) = result.hits
    html = hit.title_html + " ".join(s.html for s in hit.snippets)
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in " ".join(s.html for s in hit.snippets)
    assert "&amp;" in " ".join(s.html for s in hit.snippets)
    assert re.sub(r"</?mark>", "", html).count("<") == 0
    assert "<mark>zebra</mark>" in " ".join(s.html for s in hit.snippets)


def test_no_snippets_on_request(service: SearchService) -> None:
    assert all(hit.snippets == () for hit in run(service, "drones", snippets=False).hits)


# ---------------------------------------------------------------- suggestions, related


def test_did_you_mean_keeps_case_and_operators(service: SearchService) -> None:
    assert run(service, "Ferries inflaton").suggestion == "Ferries inflation"
    assert run(service, "Inflaton").suggestion == "Inflation"
    assert run(service, "INFLATON").suggestion == "INFLATION"
    assert run(service, '"central inflaton" -zebra').suggestion == '"central inflation" -zebra'
    assert run(service, "title:Inflaton").suggestion == "title:Inflation"
    assert run(service, "inflation").suggestion is None


def test_did_you_mean_leaves_prefixes_and_fuzzy_words_alone(service: SearchService) -> None:
    assert run(service, "inflaton*").suggestion is None
    assert run(service, "inflaton~1").suggestion is None


def test_did_you_mean_is_not_offered_with_many_hits(service: SearchService) -> None:
    # "chronicel" is found nowhere, but the query finds all twelve parts anyway
    assert run(service, "chronicle OR chronicel").total == SERIES_MONTHS
    assert run(service, "chronicle OR chronicel").suggestion is None
    assert run(service, "harbour OR chronicel").suggestion == "harbour OR chronicle"


def test_no_hits_shows_the_suggestions_results(service: SearchService) -> None:
    result = run(service, "inflaton")
    assert result.corrected
    assert result.suggestion == "inflation"
    assert {hit.id for hit in result.hits} == {KARABAKH_EN, ECONOMY}
    assert result.interpreted == "inflation"
    assert "<mark>Inflation</mark>" in next(h for h in result.hits if h.id == ECONOMY).title_html
    asked = run(service, "inflaton", correct=False)
    assert (asked.total, asked.corrected, asked.suggestion) == (0, False, "inflation")
    assert not run(service, "Ferries inflaton").corrected  # it found the ferries


def test_more_like_this_returns_related_articles_not_itself(service: SearchService) -> None:
    related = service.related(KARABAKH_EN)
    related_ids = [hit.id for hit in related]
    assert KARABAKH_EN not in related_ids
    assert DRONES in related_ids
    assert len(related_ids) == len(set(related_ids))
    assert len(service.related(KARABAKH_EN, limit=1)) == 1
    with pytest.raises(NotFound):
        service.related("no/such/article.md")


# ---------------------------------------------------------------- articles


def test_article_with_its_translations(service: SearchService) -> None:
    article = service.article(KARABAKH_EN)
    assert article.title == "Israel's role in Nagorno-Karabakh"
    assert article.date == dt.date(2020, 10, 5)
    assert article.tags == ("Politics", "Caucasus")
    assert article.authors == ("Anna Smith",)
    assert article.publication == "Review"
    assert article.source_format == "markdown"
    assert "bloody war" in article.body
    assert [(t.id, t.lang) for t in article.translations] == [
        (KARABAKH_DE, "de"),
        (KARABAKH_FR, "fr"),
        (KARABAKH_RU, "ru"),
    ]
    assert service.article(HARBOUR).translations == ()


def test_article_not_found(service: SearchService) -> None:
    with pytest.raises(NotFound):
        service.article("no/such/article.md")
    with pytest.raises(NotFound):
        service.article("")


# ---------------------------------------------------------------- caps and notices


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("a*", "prefix_too_short"),
        ("*bar", "leading_wildcard"),
        ("fo*o", "inner_wildcard"),
        ("zebra~3", "too_many_edits"),
        (" ".join(f"w{i}" for i in range(65)), "too_many_terms"),
        ("x" * 1001, "query_too_long"),
        (" ".join(["qx*"] * 30), "too_many_clauses"),
    ],
)
def test_caps_raise_the_same_errors(service: SearchService, query: str, code: str) -> None:
    with pytest.raises(QueryTooComplex) as caught:
        run(service, query)
    assert caught.value.code == code


def test_a_prefix_with_many_words_is_capped_with_a_notice(service: SearchService) -> None:
    result = run(service, "qx*")
    assert {hit.id for hit in result.hits} == {QX}
    assert any("qx*" in notice and "most frequent" in notice for notice in result.notices)


def test_unparsable_query_falls_back_to_words(service: SearchService) -> None:
    result = run(service, '"drones desert')
    assert {hit.id for hit in result.hits} == {DRONES}
    assert any("could not be parsed" in notice for notice in result.notices)


def test_the_engines_agree_on_the_request_edge(service: SearchService) -> None:
    request = build_request({"q": ["drones"], "tag": ["Politics"], "sort": ["newest"]})
    result = service.search(request)
    assert [hit.id for hit in result.hits] == [DRONES, KARABAKH_EN]


# ---------------------------------------------------------------- incremental updates


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_incremental_update_follows_the_files(tmp_path: Path, engine: str) -> None:
    files = archive_files()
    source = write_archive(tmp_path / "archive", files)
    index = tmp_path / "index"
    build_index(source, index, engine=engine)
    service = SearchService(index)
    try:
        assert ids(service, "ferries") == {HARBOUR}
        (source / HARBOUR).write_text(
            files[HARBOUR].replace("Ferries cross", "Gondolas cross"), encoding="utf-8"
        )
        (source / ZEBRA).unlink()
        shutil.copy(source / RIVER, source / "en/notes/river2.md")
        report = build_index(source, index)
        assert (report.mode, report.updated, report.removed, report.indexed) == (
            "update", 1, 1, 1,
        )  # fmt: skip
        assert ids(service, "ferries") == set()
        assert ids(service, "gondolas") == {HARBOUR}
        assert ids(service, "zebra") == set()
        assert ids(service, "mill") == {RIVER, "en/notes/river2.md"}
        assert service.info().articles == len(ALL_IDS)
        assert counts(run(service), "tag")["travel"] == 3
        assert service.article(HARBOUR).body.count("Gondolas") == 1
        # a second update on top of the first keeps documents apart
        (source / "en/notes/river2.md").unlink()
        build_index(source, index)
        assert ids(service, "mill") == {RIVER}
        assert service.info().engine == engine
        assert ids(service) == ALL_IDS - {ZEBRA}
    finally:
        service.close()


def test_every_engine_returns_the_same_sets(services: dict[str, SearchService]) -> None:
    queries = [
        "war", "Israel", "drones OR ferries", "river -mill", "azerbaijan", "the", "peace",
        "title:chronicle", "chapter 7", '"the city"', "tag:history date:2015-06..2015-08",
        "Армения", "Krieg", "guerre", "ri*", "walkng~",
    ]  # fmt: skip
    for q in queries:
        found = {engine: ids(service, q) for engine, service in services.items()}
        for engine, answer in found.items():
            assert answer == found["whoosh"], (engine, q)
