"""The contract of ``group=translations`` on every engine: one hit per translation group,
the right member shown, group counts, paging over groups and tags linked through groups,
on the small archive of ``grouping_archive`` (the main contract archive's counts stay as
they are)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from indexer.build import build_index
from search.service import SearchService
from search.types import FacetName, SearchRequest, SearchResult
from tests.contract.archive import ENGINES, write_archive
from tests.contract.grouping_archive import PAGED, grouping_files


@pytest.fixture(scope="module", params=ENGINES)
def grouped(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchService]:
    root = write_archive(tmp_path_factory.mktemp("grouping-archive"), grouping_files())
    index = tmp_path_factory.mktemp(f"grouping-{request.param}")
    report = build_index(root, index, engine=str(request.param))
    assert report.errors == [], report.errors
    service = SearchService(index)
    yield service
    service.close()


def run(service: SearchService, q: str = "", **options: object) -> SearchResult:
    options.setdefault("per_page", 50)
    options.setdefault("group", "translations")
    return service.search(SearchRequest(q=q, **options))  # type: ignore[arg-type]


def shown(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def counts(result: SearchResult, facet: FacetName) -> dict[str, int]:
    return {value.value: value.count for value in result.facets[facet]}


def test_one_hit_per_group_with_counts_of_groups_and_articles(grouped: SearchService) -> None:
    flat = run(grouped, "karabakh", group="none")
    assert flat.total == 8 and flat.unit == "articles" and flat.articles is None
    result = run(grouped, "karabakh")
    # summit (4 members), storm (2), solo, nur: four groups of eight articles
    assert (result.total, result.articles, result.unit) == (4, 8, "groups")
    assert len(result.hits) == 4
    summit = next(hit for hit in result.hits if hit.id.endswith("summit.md"))
    assert {t.lang for t in summit.also_in} | {summit.lang} == {"en", "de", "fr", "ru"}
    assert all(t.matched for t in summit.also_in) and len(summit.also_in) == 3
    solo = next(hit for hit in result.hits if hit.id == "en/news/solo.md")
    assert solo.also_in == ()


def test_the_member_shown_is_the_one_the_query_matched(grouped: SearchService) -> None:
    assert shown(run(grouped, "Friedensgipfel")) == ["de/news/summit.md"]
    german = run(grouped, "Friedensgipfel")
    assert [(t.lang, t.matched) for t in german.hits[0].also_in] == [
        ("en", False),
        ("fr", False),
        ("ru", False),
    ]
    # every member matches "karabakh"; the German words make the German one the best
    best = run(grouped, "karabakh Friedensgipfel Diplomaten Genf", match="any")
    assert shown(best)[0] == "de/news/summit.md"
    assert "en/news/summit.md" not in shown(best)
    english = run(grouped, "karabakh peace summit diplomats", match="any")
    assert shown(english)[0] == "en/news/summit.md"


def test_the_readers_language_is_shown_when_it_matched(grouped: SearchService) -> None:
    french = run(grouped, "karabakh", lang_pref=("fr",))
    assert "fr/news/summit.md" in shown(french)
    # no French storm: the best-ranked member of that group
    assert {"en/news/storm.md", "de/news/storm.md"} & set(shown(french))
    ranked = run(grouped, "karabakh", lang_pref=("ru", "fr"))
    assert "ru/news/summit.md" in shown(ranked) and "fr/news/summit.md" not in shown(ranked)
    # a preferred member that does not match is not shown: the one that matched is
    assert shown(run(grouped, "Friedensgipfel", lang_pref=("en",))) == ["de/news/summit.md"]
    german = run(grouped, "karabakh", lang_pref=("de",))
    assert {"de/news/summit.md", "de/news/storm.md", "de/news/nur.md"} <= set(shown(german))
    assert "en/news/solo.md" in shown(german)  # a group without German stays


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_paging_over_groups_is_stable(grouped: SearchService, sort: str) -> None:
    everything = run(grouped, "harbour", sort=sort)
    assert (everything.total, everything.articles) == (PAGED, 2 * PAGED)
    pages = [run(grouped, "harbour", sort=sort, per_page=3, page=n) for n in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [3, 3, 1]
    assert all(p.total == PAGED for p in pages)
    keys = [hit.id.rsplit("/", 1)[-1] for p in pages for hit in p.hits]
    assert sorted(keys) == sorted(f"n{n}.md" for n in range(PAGED))  # no group twice
    assert keys == [hit.id.rsplit("/", 1)[-1] for hit in everything.hits]
    if sort != "relevance":
        dates = [str(hit.date) for p in pages for hit in p.hits]
        assert dates == sorted(dates, reverse=sort == "newest")


def test_browsing_counts_groups(grouped: SearchService) -> None:
    result = run(grouped, "")
    # summit, storm, solo, nur, about, weather and the seven notes
    assert (result.total, result.articles) == (6 + PAGED, 12 + 2 * PAGED)
    assert len({hit.id for hit in result.hits}) == result.total
    assert counts(result, "lang")["de"] == 4 + PAGED  # groups with a German member
    # the facets count groups: the summit's four articles of 2021 are one group
    assert counts(result, "year")["2021"] == 1
    assert counts(run(grouped, "", group="none"), "year")["2021"] == 4


def test_tags_are_linked_through_groups(grouped: SearchService) -> None:
    # a German tag selects the groups holding it: their English members too
    english = run(grouped, "", filters={"tag": ("Diplomatie",), "lang": ("en",)})
    assert shown(english) == ["en/news/summit.md"]
    assert (
        run(grouped, "", group="none", filters={"tag": ("Diplomatie",), "lang": ("en",)}).total == 0
    )
    storm = run(grouped, "karabakh", filters={"tag": ("Wetter",)}, lang_pref=("en",))
    assert shown(storm) == ["en/news/storm.md"]
    left_out = run(grouped, "karabakh", excludes={"tag": ("Weather",)})
    assert not {"en/news/storm.md", "de/news/storm.md"} & set(shown(left_out))
    # the tag facet of a grouped search shows every member's tags, counted by group
    tags = counts(run(grouped, "karabakh", filters={"lang": ("en",)}), "tag")
    assert tags == {"diplomacy": 1, "diplomatie": 1, "дипломатия": 1, "weather": 1, "wetter": 1}


def test_groups_from_hugo_translation_key_and_language_suffix(grouped: SearchService) -> None:
    about = grouped.article("en/about-us.md")
    assert [(t.id, t.lang) for t in about.translations] == [("fr/a-propos.md", "fr")]
    assert shown(run(grouped, "zebrafinch")) in (["en/about-us.md"], ["fr/a-propos.md"])
    weather = grouped.article("weather.de.md")
    assert weather.lang == "de"
    assert [t.id for t in weather.translations] == ["weather.md"]
    assert run(grouped, "quokka").total == 1
    assert grouped.info().translation_groups == 4 + PAGED  # summit storm about weather
