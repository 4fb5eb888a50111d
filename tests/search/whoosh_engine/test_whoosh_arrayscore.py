"""Scoring with posting arrays (``arrayscore``) gives what Whoosh's own matchers give.

The contract archive is built, then updated (a second segment, a deleted article), and
for queries of every kind the engine compiles (words in several languages, phrases and
the phrase clause of plain queries, AND, OR, NOT, prefixes, fuzzy words, fields, dates)
the matches and scores must be those of Whoosh scoring every match one by one
(``UnlimitedCollector``: no block skipping), and the top ten the best of them.
"""

from __future__ import annotations

import functools
import random
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


FILLER = ["storm", "wind", "salt", "north", "crew", "deck", "gull", "tide"]
PHRASED = ["red", "sea", "ship", "port"]


def _note(rng: random.Random) -> str:
    """Filler with the phrase words apart (never two of them side by side), and in a fifth
    of the notes, longer ones, "red sea" or "ship port" once together: their words score
    less there than in many of the others."""
    together = rng.random() < 0.2
    words: list[str] = []
    for _ in range(rng.randint(20, 60) if together else rng.randint(3, 30)):
        words += [rng.choice(FILLER)]
        if rng.random() < (0.05 if together else 0.5):
            words += [rng.choice(PHRASED), rng.choice(FILLER)]
    if together:
        at = rng.randrange(len(words) + 1)
        words[at:at] = [rng.choice(FILLER), *rng.choice([["red", "sea"], ["ship", "port"]])]
    return " ".join(words)


@pytest.fixture(scope="module")
def phrases(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """Three hundred notes in which the words of a phrase stand apart more often than
    together: many matches could gain the phrase bonus, few do, so a short page depends
    on which bonuses ``top`` checks."""
    rng = random.Random(11)
    root = tmp_path_factory.mktemp("phrases-archive")
    for n in range(300):
        text = f"---\ntitle: Note {n}\nlang: en\n---\n\n{_note(rng)}.\n"
        (root / f"n{n:03d}.md").write_text(text, encoding="utf-8")
    index = tmp_path_factory.mktemp("phrases-index")
    build_index(root, index, engine="whoosh", workers=1)
    return SearchService(index)


@pytest.mark.parametrize("limit", [1, 3, 10, 40, 1000])
@pytest.mark.parametrize("q", ["red sea", "ship port", "red sea ship", "sea"])
def test_a_short_page_checks_the_phrases_that_reach_it(
    phrases: SearchService, q: str, limit: int
) -> None:
    """The first ``limit`` of plain queries whose phrase bonus decides much of the order are
    Whoosh's, whichever bonuses ``top`` left unchecked."""
    engine: Any = phrases.engine()
    live = engine.docvalues.live
    with engine._searchers.borrow() as searcher:
        query = build_query(parse_query(q, "any"), engine._langs, searcher.reader())
        every = UnlimitedCollector()
        searcher.search_with_collector(query, every)
        expected = {hit.docnum: hit.score for hit in every.results() if live[hit.docnum]}
        scored = arrayscore.evaluate(searcher, query)
    assert (len(scored.bonuses) > 0) == (" " in q)
    best = sorted(expected.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    got = arrayscore.top(scored, scored.mask & live, limit)
    assert [s for _, s in got] == pytest.approx([s for _, s in best], rel=1e-9)
    ties = best[-1][1] * (1 - 1e-9)
    assert {d for d, s in got if s > ties} <= {d for d, s in expected.items() if s > ties}


def test_pruned_phrase_checks_give_the_page_of_checking_all() -> None:
    """``top`` on random scores and bonuses (gains small and large, held or not, on
    documents allowed or not): the page is that of every bonus checked."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        docs = np.sort(rng.choice(200, n, replace=False))
        scores = np.zeros(200)
        scores[docs] = rng.random(n).round(2)  # ties too
        mask = np.zeros(200, dtype=np.bool_)
        mask[docs] = True
        exact = scores.copy()
        bonuses = []
        for _ in range(int(rng.integers(1, 4))):
            near = np.sort(rng.choice(200, int(rng.integers(1, 80)), replace=False))
            gain = rng.random(len(near)) * float(rng.choice([0.05, 1.0, 4.0]))
            holding = near[rng.random(len(near)) < 0.3]
            exact[holding] += gain[np.searchsorted(near, holding)]
            bonuses.append(
                arrayscore.Bonus(near, gain, functools.partial(np.isin, test_elements=holding))
            )
        scored = arrayscore.Scored(None, mask, scores, bonuses)
        for limit in (1, 2, 5, 10, n + 5):
            got = arrayscore.top(scored, mask, limit)
            order = np.lexsort((docs, -exact[docs]))[:limit]
            assert [d for d, _ in got] == docs[order].tolist()
            assert [s for _, s in got] == pytest.approx(exact[docs][order].tolist(), rel=1e-12)
