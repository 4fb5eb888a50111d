"""Scoring with posting arrays (``arrayscore``) gives what Whoosh's own matchers give.

The contract archive is built, then updated (a second segment, a deleted article), and
for queries of every kind the engine compiles (words in several languages, phrases and
the phrase clause of plain queries, AND, OR, NOT, prefixes, fuzzy words, fields, dates)
the matches and scores must be those of Whoosh scoring every match one by one
(``UnlimitedCollector``: no block skipping), and the top ten the best of them.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pytest
from whoosh.collectors import UnlimitedCollector

from indexer.build import build_index
from search.query import parse_query
from search.service import SearchService
from search.whoosh_engine import arrayscore
from search.whoosh_engine.querybuild import build_query
from tests.contract.archive import archive_files, write_archive

QUERIES = [
    "karabakh", "war", "the war", "war on terror", '"war on terror"', "krieg frieden",
    "israel armenia azerbaijan", "mountains OR krieg", "war -terror", "-war", "qx*",
    "karabak~1", "title:karabakh", "tags:politics", "date:2020", "война", "the of and",
    "armenia azerbaijan war mountains bloody", "because",
]  # fmt: skip


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    tmp = tmp_path_factory.mktemp("arrayscore")
    files = archive_files()
    root = write_archive(tmp / "archive", files)
    index = tmp / "index"
    build_index(root, index, engine="whoosh", workers=1)
    added = "---\ntitle: War on terror, again\nlang: en\n---\n\nThe war on terror and war.\n"
    (root / "en" / "added.md").write_text(added, encoding="utf-8")
    apart = "---\ntitle: Terror\nlang: en\n---\n\nTerror came first; war followed, on and on.\n"
    (root / "en" / "apart.md").write_text(apart, encoding="utf-8")  # the words, not the phrase
    (root / sorted(files)[0]).unlink()
    build_index(root, index, engine="whoosh", workers=1)  # an update: a second segment
    return SearchService(index)


@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("q", QUERIES)
def test_matches_and_scores_are_whooshs(
    service: SearchService, q: str, match: Literal["all", "any"]
) -> None:
    engine: Any = service.engine()
    parsed = parse_query(q, match)
    if parsed.root is None:
        return
    live = engine.docvalues.live
    # the test reaches inside on purpose: it checks the arrays against Whoosh's matchers
    with engine._searchers.borrow() as searcher:
        assert len(searcher.leaf_searchers()) == 2
        query = build_query(parsed, engine._langs, searcher.reader())
        every = UnlimitedCollector()
        searcher.search_with_collector(query, every)
        expected = {hit.docnum: hit.score for hit in every.results() if live[hit.docnum]}
        scored = arrayscore.evaluate(searcher, query)
    mask = scored.mask & live
    assert set(np.flatnonzero(mask).tolist()) == set(expected)
    if not scored.bonuses:  # else the phrase clause is added by ``top`` only
        for doc, score in expected.items():
            assert scored.scores[doc] == pytest.approx(score, rel=1e-9), doc
    best = sorted(expected.items(), key=lambda pair: (-pair[1], pair[0]))[:10]
    got = [(doc, float(score or 0.0)) for doc, score in arrayscore.top(scored, mask, 10)]
    assert [s for _, s in got] == pytest.approx([s for _, s in best], rel=1e-9)
    last = best[-1][1] if best else 0.0
    assert {d for d, s in got if s > last * (1 + 1e-9)} == {
        d for d, s in best if s > last * (1 + 1e-9)
    }
