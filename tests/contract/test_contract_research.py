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
