"""Navigational queries (issue 14): an article's title typed as the query finds it first.

A plain query's words found as a phrase in an article's title weigh as a phrase in its body
does (``ranking.TITLE_PHRASE_BOOST``), a single word too: the article titled with the query
ranks above one whose shorter body repeats the query's words, and above a longer title
holding them in another order, on every engine. With the title's words weighed only as
title terms (0.25 beside the body), the repeating bodies won.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest

from search.service import SearchService
from search.types import SearchRequest
from tests.contract.archive import ENGINES, served

TITLED = "en/titled.md"
REPEATING = "en/repeating.md"
REORDERED = "en/reordered.md"
LIGHTHOUSES = "en/lighthouses.md"
KEEPERS_LOG = "en/keepers-log.md"


def _md(title: str, body: str) -> str:
    return f"---\ntitle: {title!r}\nlang: en\n---\n\n{body}\n"


FILES = {
    TITLED: _md(
        "Harbour cranes",
        "The port bought two new machines last spring. They unload the ships that come in "
        "from the north before the morning tide, and the old quay was rebuilt to carry "
        "their weight. Dockers say the work is quieter now and the ferries leave on time.",
    ),
    REPEATING: _md(
        "Port report",
        "Cranes idle. The harbour is closed; cranes moved to the harbour wall, cranes "
        "repaired in the harbour yard.",
    ),
    REORDERED: _md(
        "Cranes of the old harbour and the ferries",
        "Photographs from the archive of the town, taken between the wars by a local "
        "teacher who walked the quays every Sunday.",
    ),
    LIGHTHOUSES: _md(
        "Lighthouses",
        "Along this coast the towers were built of granite from the inland quarries, each "
        "with a keeper's house beside it and a bell for the fog.",
    ),
    KEEPERS_LOG: _md(
        "Keeper's log",
        "Lighthouses dark. Lighthouses lit at dusk, lighthouses checked; two lighthouses repaired.",
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
    with served(FILES, str(request.param), tmp_path_factory, "title") as opened:
        yield opened


def _ids(service: SearchService, q: str, match: Literal["any", "all"]) -> list[str]:
    return [hit.id for hit in service.search(SearchRequest(q=q, match=match, facets=False)).hits]


@pytest.mark.parametrize("match", ["any", "all"])
def test_the_article_titled_with_the_query_ranks_first(
    service: SearchService, match: Literal["any", "all"]
) -> None:
    ids = _ids(service, "Harbour cranes", match)
    assert ids[0] == TITLED
    assert set(ids[1:3]) == {REPEATING, REORDERED}


@pytest.mark.parametrize("match", ["any", "all"])
def test_a_one_word_title_ranks_first(service: SearchService, match: Literal["any", "all"]) -> None:
    assert _ids(service, "lighthouses", match)[:2] == [LIGHTHOUSES, KEEPERS_LOG]
