"""The phrase bonus (issue 14, known-item ranking): a plain query's words also score as a phrase.

Two English articles: one holds the typed words once, together and in order; the other is
shorter and holds each word more often, never together. BM25 over the words alone puts the
second first; with the words also scored as a phrase in the exact fields the first wins, on
every engine (PostgreSQL counts the phrase's frequency from its words' positions).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest

from search.service import SearchService
from search.types import SearchRequest
from tests.contract.archive import ENGINES, served

QUERY = "crane lifted the container"
RUN = "en/run.md"
SCATTERED = "en/scattered.md"


def _md(title: str, body: str) -> str:
    return f"---\ntitle: {title!r}\nlang: en\n---\n\n{body}\n"


FILES = {
    RUN: _md(
        "Harbour morning",
        "At dawn the ferries left the quay. A crane lifted the container onto the deck while "
        "gulls circled over the water and the pilot boat waited by the breakwater for the "
        "morning tide to turn before the ships could leave for the open sea.",
    ),
    SCATTERED: _md(
        "Yard log",
        "Container, crane: lifted. Crane idle; container lifted, crane moved, container stacked.",
    ),
    **{
        f"en/filler-{n}.md": _md(f"Notes {n}", "Ferries crossed the river at dawn.")
        for n in range(3)
    },
}


@pytest.fixture(scope="module", params=ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchService]:
    with served(FILES, str(request.param), tmp_path_factory, "phrase") as opened:
        yield opened


@pytest.mark.parametrize("match", ["any", "all"])
def test_the_article_holding_the_words_together_ranks_first(
    service: SearchService, match: Literal["any", "all"]
) -> None:
    hits = service.search(SearchRequest(q=QUERY, match=match, facets=False)).hits
    assert [hit.id for hit in hits][:2] == [RUN, SCATTERED]
