"""Whole real archives through the real indexer into a real index: nothing lost, nothing mixed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from search.service import SearchService
from search.types import SearchRequest
from tests.conftest import BuiltIndex, build_corpus_index

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def _accounted(built: BuiltIndex) -> None:
    """Every candidate file is an article, a draft, or reported with a reason."""
    report = built.report
    failed = {p.path for p in report.errors}
    skipped = report.drafts + sum(report.skipped.values())
    assert report.articles + skipped + len(failed) == report.files
    assert all(p.reason for p in report.problems)
    info = SearchService(built.path).info()
    assert info.articles == report.articles


def test_sisihagen_every_file_indexed_or_reported(sisihagen_built: BuiltIndex) -> None:
    _accounted(sisihagen_built)
    errors = {p.path: p for p in sisihagen_built.report.errors}
    assert set(errors) == {"fr/blog/2019/11/peace-is-war.md", "fr/blog/2019/11/the-china-expert.md"}
    assert all("YAML" in p.reason and p.line for p in errors.values())


def test_sisihagen_language_counts_match_the_folders(
    sisihagen: Path, sisihagen_built: BuiltIndex
) -> None:
    report = sisihagen_built.report
    files = Counter(p.relative_to(sisihagen).parts[0] for p in sisihagen.rglob("*.md"))
    failed = Counter(p.path.split("/")[0] for p in report.errors)
    service = SearchService(sisihagen_built.path)
    counts = {v.value: v.count for v in service.facet_values()["lang"]}
    left_out = {lang: files[lang] - failed[lang] - counts.get(lang, 0) for lang in files}
    assert set(counts) == {"de", "en", "fr", "ru"}
    assert sum(left_out.values()) == report.drafts + sum(report.skipped.values())
    assert report.skipped == {"empty section page": 4}  # the four _index.md without a body
    assert all(0 <= n <= 4 for n in left_out.values())
    for lang in ("de", "en", "fr", "ru"):
        assert counts[lang] > 800


def test_sisihagen_stemmed_german_and_russian(sisihagen_index: Path) -> None:
    service = SearchService(sisihagen_index)
    # Every German article with a form of the word, not only the first page: the ranking
    # puts articles that use the word throughout above one with it in its title only.
    inflected = service.search(
        SearchRequest(q="Bürgerrechten", filters={"lang": ("de",)}, per_page=100)
    )
    assert inflected.total <= 100
    titles = {hit.title for hit in inflected.hits}
    assert "GroKo kämpft für Bürgerrechte in Hongkong" in titles
    assert all(hit.lang == "de" for hit in inflected.hits)
    marked = {
        snippet.text[start:end]
        for hit in inflected.hits
        for snippet in hit.snippets
        for start, end in snippet.matches
    }
    assert "Bürgerrechte" in marked  # a form other than the one typed matched, and is marked
    russian = service.search(SearchRequest(q="войной", filters={"lang": ("ru",)}))
    assert russian.total > 10
    assert any("войн" in s.text.lower() for hit in russian.hits for s in hit.snippets)


def test_sisihagen_translations_are_grouped(sisihagen_index: Path) -> None:
    service = SearchService(sisihagen_index)
    view = service.article("en/blog/2020/10/israels-role-in-nagorno-karabakh.md")
    assert view.title == "Israel's role in Nagorno-Karabakh"
    assert {t.lang for t in view.translations} == {"de", "fr", "ru"}
    german = next(t for t in view.translations if t.lang == "de")
    back = service.article(german.id)
    assert view.id in {t.id for t in back.translations}


def test_bbc_every_file_indexed_latin1_decoded(bbc: Path, tmp_path: Path) -> None:
    built = build_corpus_index(bbc, tmp_path / "ix")
    _accounted(built)
    assert built.report.errors == []
    warned = {p.path: p.reason for p in built.report.warnings}
    assert "sport/199.txt" in warned
    service = SearchService(built.path)
    assert service.info().articles == len(list(bbc.rglob("*.txt"))) + len(list(bbc.rglob("*.TXT")))
    assert "£" in service.article("sport/199.txt").body


def test_20news_every_file_indexed_or_reported(news20: Path, tmp_path: Path) -> None:
    built = build_corpus_index(news20, tmp_path / "ix")
    _accounted(built)
    files = sum(1 for p in news20.rglob("*") if p.is_file())
    assert built.report.files == files
    assert built.report.articles >= files - 50
    service = SearchService(built.path)
    result = service.search(SearchRequest(q="space shuttle", per_page=5))
    assert result.total > 50
    assert any("shuttle" in hit.title.lower() for hit in result.hits)
