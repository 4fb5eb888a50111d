"""Tags unified across case, slug/word form and entities; authors split; the author facet."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.normalise import normalise_tags, split_authors
from search.docvalues import facet_key
from search.request import build_request
from search.service import SearchService
from tests.contract.archive import ENGINES


def test_facet_keys_fold_case_slugs_and_entities() -> None:
    same = [
        "strategy-and-policy",
        "Strategy and Policy",
        "STRATEGY_AND_POLICY",
        "strategy  and policy",
    ]
    assert {facet_key(v) for v in same} == {"strategy and policy"}
    assert facet_key("Rock &amp; Roll") == facet_key("rock & roll")
    assert facet_key("C++") != facet_key("C")


def test_tags_of_one_article_are_unified() -> None:
    assert normalise_tags(["strategy-and-policy, Strategy and Policy, News"]) == (
        "strategy-and-policy",
        "News",
    )
    assert normalise_tags(["Rock &amp; Roll"]) == ("Rock & Roll",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Josh Triplett, Niko Matsakis", ("Josh Triplett", "Niko Matsakis")),
        ("Ann; Bob", ("Ann", "Bob")),
        ("Ann and Bob", ("Ann", "Bob")),
        ("Ann & Bob", ("Ann", "Bob")),
        ("Ann &amp; Bob", ("Ann", "Bob")),
        (["Ann", "Bob, Cy", "ann"], ("Ann", "Bob", "Cy")),
        ("Alexandra Anderson", ("Alexandra Anderson",)),
    ],
)
def test_author_strings_are_split(value: object, expected: tuple[str, ...]) -> None:
    assert split_authors([value]) == expected


def _write(archive: Path) -> None:
    posts = {
        "a.md": "tags: [strategy-and-policy]\nauthor: Josh Triplett, Niko Matsakis",
        "b.md": "tags: [Strategy and Policy]\nauthor: Niko Matsakis",
        "c.md": "tags: [Strategy and Policy, Rock &amp; Roll]\nauthors: [Ann & Bob]",
    }
    for name, meta in posts.items():
        (archive / name).write_text(f"---\ntitle: {name}\n{meta}\n---\nSome words here.\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_facets_unify_tags_and_offer_authors(engine: str, tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    _write(archive)
    assert build_index(archive, index, rebuild=True, engine=engine).articles == 3
    search = SearchService(index)
    try:
        result = search.search(build_request({}))
        tags = {v.label: v.count for v in result.facets["tag"]}
        assert tags == {"Strategy and Policy": 3, "Rock & Roll": 1}
        authors = {v.label: v.count for v in result.facets["author"]}
        assert authors == {"Niko Matsakis": 2, "Josh Triplett": 1, "Ann": 1, "Bob": 1}
        picked = search.search(build_request({"author": ["niko matsakis"]}))
        assert {hit.title for hit in picked.hits} == {"a.md", "b.md"}
        slug = search.search(build_request({"tag": ["strategy-and-policy"]}))
        assert slug.total == 3
        without = search.search(build_request({"not_author": ["Ann"]}))
        assert {hit.title for hit in without.hits} == {"a.md", "b.md"}
    finally:
        search.close()
