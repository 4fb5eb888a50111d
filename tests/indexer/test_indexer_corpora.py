"""The parsing stage over the real corpora (no index): every file is accounted for."""

from __future__ import annotations

import collections
import html
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.config import ArchiveConfig
from indexer.decode import clean_controls
from indexer.discover import Discovery, discover
from indexer.normalise import clean_line
from indexer.outcome import ParseOutcome
from indexer.parse import parse_file
from search.article import Article
from search.languages import STEMMED

pytestmark = pytest.mark.corpus
CONFIG = ArchiveConfig()


@dataclass
class Run:
    root: Path
    found: Discovery
    outcomes: dict[str, ParseOutcome]
    seconds: float

    @property
    def articles(self) -> list[Article]:
        return [o.article for o in self.outcomes.values() if o.article is not None]

    def errors(self) -> dict[str, ParseOutcome]:
        return {p: o for p, o in self.outcomes.items() if o.article is None and not o.skipped}


def _run(root: Path) -> Run:
    started = time.perf_counter()
    found = discover(root, CONFIG)
    outcomes = {c.relpath: parse_file(root, c, CONFIG) for c in found.candidates}
    seconds = time.perf_counter() - started
    print(f"\n{root.name}: {len(outcomes)} files discovered and parsed in {seconds:.1f} s")
    return Run(root, found, outcomes, seconds)


@pytest.fixture(scope="module")
def sisihagen_run(sisihagen: Path) -> Run:
    return _run(sisihagen)


@pytest.fixture(scope="module")
def bbc_run(bbc: Path) -> Run:
    return _run(bbc)


@pytest.fixture(scope="module")
def news20_run(news20: Path) -> Run:
    return _run(news20)


def _check_accounted_for(run: Run, expected_files: int) -> None:
    assert len(run.found.candidates) == expected_files
    assert run.found.skipped_binary == [] and run.found.problems == []
    for path, outcome in run.outcomes.items():
        assert outcome.path == path
        if outcome.article is None:
            reasons = [p.reason for p in outcome.problems if p.severity == "error"]
            assert outcome.skipped or reasons, path
        else:
            assert outcome.article.title.strip(), path
            assert outcome.article.path == path
    for article in run.articles:
        for text in (article.body, article.source, article.title, article.summary):
            assert "{{<" not in text and "{{%" not in text, article.path
    assert len({a.id for a in run.articles}) == len(run.articles)
    assert run.seconds < 120, "parsing should take seconds, not minutes"


@pytest.mark.slow
def test_sisihagen_every_file_accounted_for(sisihagen_run: Run) -> None:
    _check_accounted_for(sisihagen_run, 3477)
    outcomes = sisihagen_run.outcomes
    skipped = {p: o.skipped for p, o in outcomes.items() if o.skipped}
    assert skipped == {
        f"{lang}/_index.md": "empty section page" for lang in ("de", "en", "fr", "ru")
    }
    assert len(sisihagen_run.articles) == 3477 - 4 - 2


@pytest.mark.slow
def test_sisihagen_invalid_yaml_files_are_reported_with_line(sisihagen_run: Run) -> None:
    errors = sisihagen_run.errors()
    assert sorted(errors) == [
        "fr/blog/2019/11/peace-is-war.md",
        "fr/blog/2019/11/the-china-expert.md",
    ]
    for path, outcome in errors.items():
        [problem] = outcome.problems
        assert (problem.path, problem.severity, problem.line) == (path, "error", 2)
        assert "invalid YAML" in problem.reason


@pytest.mark.slow
def test_sisihagen_languages_match_folders(sisihagen_run: Run) -> None:
    per_folder = collections.Counter(
        path.split("/", 1)[0]
        for path, outcome in sisihagen_run.outcomes.items()
        if outcome.article is not None
    )
    per_lang = collections.Counter(a.lang for a in sisihagen_run.articles)
    # fr/imprint/index.md declares English and is English: the declaration wins over fr/
    per_folder.update({"en": 1, "fr": -1})
    assert per_lang == per_folder
    assert set(per_lang) == {"de", "en", "fr", "ru"} <= set(STEMMED)
    files = {lang: sum(1 for _ in (sisihagen_run.root / lang).rglob("*.md")) for lang in per_lang}
    assert per_lang == {
        "de": files["de"] - 1,
        "en": files["en"] - 1 + 1,
        "fr": files["fr"] - 1 - 2 - 1,
        "ru": files["ru"] - 1,
    }
    for article in sisihagen_run.articles:
        if article.path != "fr/imprint/index.md":
            assert article.path.startswith(article.lang + "/")
    contradicted = sorted(
        path
        for path, outcome in sisihagen_run.outcomes.items()
        if any("contradicts the language folder" in p.reason for p in outcome.problems)
    )
    assert contradicted == [
        "fr/blog/2019/07/the-west-a-master-of-hypocrisy.md",
        "fr/imprint/index.md",
    ]


@pytest.mark.slow
def test_sisihagen_fields(sisihagen_run: Run) -> None:
    articles = {a.path: a for a in sisihagen_run.articles}
    first = articles["en/blog/2020/10/israels-role-in-nagorno-karabakh.md"]
    assert first.title == "Israel's role in Nagorno-Karabakh"
    assert first.translation_key == "blog/2020/10/israels-role-in-nagorno-karabakh"
    assert "Israel's role in Nagorno Karabakh" in first.body
    shared = collections.Counter(a.translation_key for a in articles.values())
    assert sum(1 for n in shared.values() if n == 4) > 700
    assert sum(1 for a in articles.values() if a.date is not None) >= len(articles) - 4
    assert sum(1 for a in articles.values() if a.tags) >= 3400
    assert all(a.summary for a in articles.values())
    reloaded = articles["en/blog/2019/11/neoliberalism-reloaded.md"]
    assert "Bolivia" in reloaded.body and "srcwebp" not in reloaded.body


def test_bbc_every_file_accounted_for(bbc_run: Run) -> None:
    _check_accounted_for(bbc_run, 2226)
    assert len(bbc_run.articles) == 2226
    for article in bbc_run.articles:
        if article.path.endswith(".txt") and article.path != "README.TXT":
            raw = (bbc_run.root / article.path).read_bytes().decode("utf-8", "replace")
            first_line = next(line for line in raw.splitlines() if line.strip())
            assert article.title == clean_line(html.unescape(first_line)), article.path
            assert article.source_format == "text"
            assert article.title not in article.body.split("\n\n")[0]


def test_bbc_latin1_file_is_decoded_with_a_warning(bbc_run: Run) -> None:
    outcome = bbc_run.outcomes["sport/199.txt"]
    assert outcome.article is not None
    assert "£" in outcome.article.body
    assert [(p.severity, "not valid UTF-8" in p.reason) for p in outcome.problems] == [
        ("warning", True)
    ]
    others = [p for p, o in bbc_run.outcomes.items() if o.problems and p != "sport/199.txt"]
    assert others == []


@pytest.mark.slow
def test_20news_every_file_accounted_for_with_titles_from_subject(news20_run: Run) -> None:
    _check_accounted_for(news20_run, 18846)
    assert len(news20_run.articles) == 18846
    plain_subjects = 0
    for article in news20_run.articles:
        raw = (news20_run.root / article.path).read_bytes().decode("latin-1")
        header = raw.split("\n\n", 1)[0]
        subject = next(
            line[len("Subject:") :] for line in header.split("\n") if line.startswith("Subject:")
        )
        subject = clean_line(clean_controls(subject))
        if subject.isascii() and "=?" not in subject and subject:
            # a folded Subject continues on indented lines: the title starts with the first
            assert article.title.startswith(subject), article.path
            plain_subjects += article.title == subject
        assert not article.body.startswith(header.strip()[:40]), article.path
    assert plain_subjects > 18_000
    assert sum(1 for a in news20_run.articles if a.authors) > 18_500


@pytest.mark.slow
def test_20news_bad_encodings_are_warnings(news20_run: Run) -> None:
    fallbacks = [
        path
        for path, outcome in news20_run.outcomes.items()
        if any("not valid UTF-8" in p.reason for p in outcome.problems)
    ]
    assert len(fallbacks) == 73
    assert all(news20_run.outcomes[p].article is not None for p in fallbacks)
