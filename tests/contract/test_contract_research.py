"""Research tools through each engine: timeline, trends, concordance and export agree."""

from __future__ import annotations

import pytest

from search.request import build_request
from search.service import SearchService


@pytest.mark.parametrize("q", ["", "war", "karabakh OR krieg", "qx*"])
def test_timeline_counts_every_match_once(service: SearchService, q: str) -> None:
    result = service.search(build_request({"q": [q], "histogram": ["month"]}))
    assert result.histogram is not None
    assert result.histogram.dated + result.histogram.undated == result.total > 0


def test_the_engines_draw_the_same_timeline(services: dict[str, SearchService]) -> None:
    request = build_request({"q": ["war OR krieg OR peace"], "histogram": ["auto"]})
    found = {name: s.search(request).histogram for name, s in services.items()}
    assert len(set(found.values())) == 1, found


def test_concordance_lines_are_the_same_on_both_engines(
    services: dict[str, SearchService],
) -> None:
    from search.kwic import KwicOptions

    request = build_request({"q": ['"peace process" OR krieg*']})
    found = {
        name: s.engine().concordance(request, KwicOptions(width=3)).lines
        for name, s in services.items()
    }
    lines = next(iter(found.values()))
    assert lines and len({tuple(v) for v in found.values()}) == 1
    assert {line.match.casefold() for line in lines} >= {"peace process", "krieg"}


def test_trends_are_the_same_on_both_engines(services: dict[str, SearchService]) -> None:
    request = build_request({})
    found = {
        name: s.engine().trends(["war", "krieg OR guerre"], request, "month")
        for name, s in services.items()
    }
    first = next(iter(found.values()))
    assert sum(first.series[0].counts) > 0
    assert len({(t.periods, t.totals, t.series) for t in found.values()}) == 1
