"""search.request: raw parameters → SearchRequest, every rule and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from search import limits
from search.errors import BadRequest, NotFound, QueryTooComplex
from search.request import build_request, check_article_id, clean_text


def req(**params: str | list[str]):  # type: ignore[no-untyped-def]
    return build_request({k: v if isinstance(v, list) else [v] for k, v in params.items()})


def bad(message_part: str, **params: str | list[str]) -> BadRequest:
    with pytest.raises(BadRequest) as info:
        req(**params)
    assert message_part in info.value.message
    assert info.value.status == 400
    return info.value


def test_defaults() -> None:
    r = build_request({})
    assert (r.q, r.page, r.per_page, r.match, r.sort) == (
        "",
        1,
        limits.DEFAULT_PER_PAGE,
        "all",
        "newest",
    )
    assert r.filters == {} and r.excludes == {}
    assert r.snippets and r.facets


def test_sort_defaults_to_relevance_with_a_query() -> None:
    assert req(q="karabakh").sort == "relevance"
    assert req(q="karabakh", sort="oldest").sort == "oldest"


def test_query_is_cleaned() -> None:
    assert req(q="  israel\x00 \x07role\n in  karabakh ").q == "israel role in karabakh"
    assert clean_text("a\x00b\x1fc\x7f") == "abc"


def test_query_too_long() -> None:
    with pytest.raises(QueryTooComplex):
        req(q="a" * (limits.MAX_QUERY_CHARS + 1))


def test_filters_and_excludes() -> None:
    r = req(tag=["Politik", "Krieg", "Politik"], lang="EN", not_publication="Blog", year="2020")
    assert r.filters == {"tag": ("Politik", "Krieg"), "lang": ("en",), "year": ("2020",)}
    assert r.excludes == {"publication": ("Blog",)}


def test_empty_values_are_absent() -> None:
    r = req(q="", tag="", page="", per_page="", sort="", **{"from": "", "to": ""})
    assert r.filters == {} and r.page == 1 and r.date_from is None


def test_month_forms() -> None:
    assert req(month="2020-10").filters["month"] == ("2020-10",)
    assert req(year="2020", month=["3", "2020-04"]).filters["month"] == ("2020-03", "2020-04")
    bad("exactly one 'year'", month="3")
    bad("no such month", month="2020-13")
    bad("must be a month", month="October")
    # digits to str.isdigit, not to int(): a 400, not a crash (found by the API fuzzer)
    for value in ("²", "1²", "٣", "２"):
        bad("must be a month", month=value)
        bad("must be a month", not_month=value)
    bad("must be a month", month="２０２０-１０")


def test_year_values() -> None:
    assert req(year="undated").filters["year"] == ("undated",)
    bad("must be a year", year="20")
    for value in ("٢٠٢٠", "２０２０", "202²"):
        bad("must be a year", year=value)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("from", "2020-10-05", dt.date(2020, 10, 5)),
        ("from", "2020-10", dt.date(2020, 10, 1)),
        ("from", "2020", dt.date(2020, 1, 1)),
        ("to", "2020-02", dt.date(2020, 2, 29)),
        ("to", "2021", dt.date(2021, 12, 31)),
    ],
)
def test_dates(name: str, value: str, expected: dt.date) -> None:
    r = req(**{name: value})
    assert (r.date_from if name == "from" else r.date_to) == expected


@pytest.mark.parametrize("value", ["2020-13-45", "2020-02-30", "2020-00", "yesterday", "20-1-1"])
def test_bad_dates(value: str) -> None:
    bad("'from'", **{"from": value})


def test_from_after_to() -> None:
    bad("after", **{"from": "2021", "to": "2020"})


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e3", "١", "9999999999", "1 2"])
def test_bad_page(value: str) -> None:
    bad("'page'", page=value)


def test_repeated_page() -> None:
    err = bad("'page'", page=["1", "2"])
    assert err.code == "repeated_parameter"


def test_per_page_cap() -> None:
    assert req(per_page=str(limits.MAX_PER_PAGE)).per_page == limits.MAX_PER_PAGE
    bad("'per_page'", per_page=str(limits.MAX_PER_PAGE + 1))


def test_result_window() -> None:
    assert req(page="20", per_page="50").page == 20
    err = bad("page * per_page", page="21", per_page="50")
    assert err.code == "result_window"


def test_sort_and_match() -> None:
    assert req(sort="newest", match="any").match == "any"
    bad("'sort'", sort="random")
    bad("'match'", match="some")


def test_unknown_parameters() -> None:
    assert req(q="x", utm_source="feed", fbclid="abc").q == "x"
    err = bad("'colour'", colour="red")
    assert err.code == "unknown_parameter"
    bad("'facet_foo'", facet_foo="x")


def test_too_many_filter_values() -> None:
    tags = [f"t{i}" for i in range(limits.MAX_FILTER_VALUES)]
    assert len(req(tag=tags).filters["tag"]) == limits.MAX_FILTER_VALUES
    err = bad("too many", tag=tags, not_tag="x")
    assert err.code == "too_many_filters"


def test_flags() -> None:
    r = req(snippets="0", facets="false")
    assert not r.snippets and not r.facets
    bad("'facets'", facets="maybe")


def test_overlong_facet_value() -> None:
    bad("too long", tag="x" * 500)


def test_control_characters_are_stripped_everywhere() -> None:
    r = req(page="2\x00", tag="Pol\x00itik", q="\x00")
    assert (r.page, r.filters["tag"], r.q) == (2, ("Politik",), "")


@pytest.mark.parametrize("article_id", ["en/blog/a.md", "de/über uns.md", "a..b/c.md"])
def test_article_ids_inside_the_archive_pass(article_id: str) -> None:
    assert check_article_id(article_id) == article_id


@pytest.mark.parametrize("article_id", ["../etc/passwd", "a/../../b", "/etc/passwd", "a\\..\\b"])
def test_article_ids_climbing_out_are_not_found(article_id: str) -> None:
    with pytest.raises(NotFound):
        check_article_id(article_id)


@pytest.mark.parametrize("article_id", ["a\x00b", "a\nb", "a\x7fb"])
def test_article_ids_with_control_characters_are_bad_requests(article_id: str) -> None:
    with pytest.raises(BadRequest, match="control characters"):
        check_article_id(article_id)
