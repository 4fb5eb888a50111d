"""The timeline (``histogram=``) on real archives: every match is counted once, in its period
or as undated, whatever the date filters say, and each period holds what a search of it finds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.request import build_request
from search.service import SearchService
from search.timeline import MAX_BUCKETS
from search.types import SearchRequest

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def sisihagen_service(sisihagen_index: Path) -> Iterator[SearchService]:
    service = SearchService(sisihagen_index)
    yield service
    service.close()


def _request(**params: str) -> SearchRequest:
    return build_request({k: [v] for k, v in params.items()})


@pytest.mark.parametrize("q", ["", "krieg", "war", "karabakh", '"human rights"', "russ*"])
@pytest.mark.parametrize("interval", ["auto", "year", "month", "week", "day"])
def test_sisihagen_counts_sum_to_the_total(
    sisihagen_service: SearchService, q: str, interval: str
) -> None:
    result = sisihagen_service.search(_request(q=q, histogram=interval, facets="0"))
    found = result.histogram
    assert found is not None and result.total > 0
    assert found.dated + found.undated == result.total
    assert len(found.buckets) <= MAX_BUCKETS
    if interval != "auto" and found.interval != interval:
        # days over ten years are too many bars: widened, and the page says so
        assert any(f"shown by {found.interval}" in n for n in result.notices)
    # periods follow each other without gaps, from the first dated match to the last
    for before, after in zip(found.buckets, found.buckets[1:], strict=False):
        assert (after.start - before.end).days == 1
    assert found.buckets[0].count > 0 and found.buckets[-1].count > 0


def test_the_date_filters_are_left_out_of_the_timeline(sisihagen_service: SearchService) -> None:
    whole = sisihagen_service.search(_request(q="krieg", histogram="year", facets="0"))
    assert whole.histogram is not None
    busiest = max(whole.histogram.buckets, key=lambda b: b.count)
    for params in (
        {"from": busiest.start.isoformat(), "to": busiest.end.isoformat()},
        {"year": str(busiest.start.year)},
    ):
        narrowed = sisihagen_service.search(
            _request(q="krieg", histogram="year", facets="0", **params)
        )
        assert narrowed.histogram == whole.histogram
        assert narrowed.total == busiest.count < whole.total


def test_other_filters_apply_to_the_timeline(sisihagen_service: SearchService) -> None:
    everything = sisihagen_service.search(_request(q="karabakh", histogram="year", facets="0"))
    german = sisihagen_service.search(
        _request(q="karabakh", histogram="year", facets="0", lang="de")
    )
    assert german.histogram is not None and everything.histogram is not None
    assert german.histogram.dated + german.histogram.undated == german.total
    assert german.total < everything.total


def test_each_period_holds_what_a_search_of_it_finds(sisihagen_service: SearchService) -> None:
    result = sisihagen_service.search(_request(q="war", histogram="auto", facets="0"))
    assert result.histogram is not None
    for bucket in result.histogram.buckets:
        period = dataclasses.replace(
            result.request, date_from=bucket.start, date_to=bucket.end, histogram=None
        )
        assert sisihagen_service.search(period).total == bucket.count, bucket


def test_undated_articles_are_counted_beside(real_service: SearchService) -> None:
    # BBC articles carry no date: they are counted as undated, never in a period
    result = real_service.search(_request(histogram="auto", facets="0"))
    found = result.histogram
    assert found is not None
    assert found.undated >= 2_225
    assert found.dated + found.undated == result.total > 24_000
    bbc = real_service.search(_request(q="minister", histogram="month", publication="BBC News"))
    assert bbc.histogram is not None and bbc.total > 0
    assert bbc.histogram.buckets == () and bbc.histogram.undated == bbc.total
