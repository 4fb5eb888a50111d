"""An index kept current by updates answers exactly as one rebuilt from the same files.

Updates take the short paths of issue 18: the watcher's paths instead of a walk
of the archive, the manifest's delta, Tantivy's facet arrays carried on with a
hit table part per update, and Whoosh's small segments at the end merged while
the leading ones keep their document numbers. Each step below is checked against
a rebuild on both engines: totals, the matching articles, every facet's values,
counts and labels, and the article pages.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from indexer import manifest
from indexer.build import build_index
from indexer.watch import relative_paths
from search import limits
from search.service import SearchService
from search.store import IndexStore
from search.tantivy_engine import docvalues as tantivy_docvalues
from search.types import SearchRequest
from search.whoosh_engine import writer as whoosh_writer

ENGINES = ["whoosh", "tantivy"]
QUERIES = ["", "harbour", "river OR mountain", "tide", "report"]
WORDS = ["harbour", "river", "mountain", "tide", "grain", "report", "ferry", "snow"]
TAGS = ["Shipping", "shipping", "SHIPPING", "Rivers", "rivers", "Weather", "Trade"]
PUBLICATIONS = ["Coast Post", "coast post", "Valley News", None]


def _article(rng: random.Random, n: int, version: int = 0) -> str:
    tags = rng.sample(TAGS, k=rng.randint(0, 3))
    publication = rng.choice(PUBLICATIONS)
    lines = [
        "---",
        f"title: Dispatch {n} v{version}",
        f"date: 20{10 + n % 12:02d}-0{1 + n % 9}-1{n % 10}",
        f"lang: {rng.choice(['en', 'en', 'de'])}",
        f"tags: [{', '.join(tags)}]",
        *([f"publication: {publication}"] if publication else []),
        *([f"translationKey: story{n % 5}"] if n % 3 == 0 else []),
        "---",
        "",
        " ".join(rng.choices(WORDS, k=12)) + f" unique{n}x{version}.",
    ]
    return "\n".join(lines) + "\n"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _answers(index: Path) -> list[object]:
    """What searches see: totals, matching articles, facets with labels, article pages."""
    service = SearchService(index)
    try:
        seen: list[object] = []
        for q in QUERIES:
            result = service.search(SearchRequest(q=q, per_page=500, snippets=False))
            facets = {
                name: sorted((v.value, v.label, v.count) for v in values)
                for name, values in result.facets.items()
            }
            seen.append((q, result.total, sorted(hit.id for hit in result.hits), facets))
        tagged = service.search(SearchRequest(filters={"tag": ("shipping",)}, per_page=500))
        seen.append(sorted(hit.id for hit in tagged.hits))
        grouped = service.search(SearchRequest(group="translations", per_page=500))
        groups = [sorted([hit.id, *(t.id for t in hit.also_in)]) for hit in grouped.hits]
        seen.append((grouped.total, sorted(groups)))
        listed = service.search(SearchRequest(per_page=500, snippets=False, facets=False))
        for hit in sorted(listed.hits, key=lambda h: h.id):
            view = service.article(hit.id)
            seen.append((view.id, view.title, view.tags, view.publication, view.body))
        return seen
    finally:
        service.close()


def _check(archive: Path, index: Path, engine: str, tmp_path: Path) -> None:
    rebuilt = tmp_path / f"rebuilt-{engine}"
    shutil.rmtree(rebuilt, ignore_errors=True)
    build_index(archive, rebuilt, engine=engine)
    assert _answers(index) == _answers(rebuilt)


@pytest.fixture
def short_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small limits, so a few updates go through every path: the tail merge, the whole
    hit table written again, the manifest written whole again."""
    monkeypatch.setattr(whoosh_writer, "TAIL_SEGMENTS", 3)
    monkeypatch.setattr(tantivy_docvalues, "MAX_PARTS", 3)
    monkeypatch.setattr(manifest, "DELTA_FILES", 4)
    # pages of 500 hits on a machine shared by many: the answers, not the time, are checked
    monkeypatch.setattr(limits, "SEARCH_TIME_LIMIT", 60.0)


@pytest.mark.parametrize(
    ("engine", "keep_writer"), [("whoosh", False), ("tantivy", False), ("tantivy", True)]
)
def test_each_kind_of_change_answers_as_a_rebuild_does(
    engine: str, keep_writer: bool, tmp_path: Path, short_paths: None
) -> None:
    """``keep_writer``: a watcher's updates, through Tantivy's long-lived writer in a working
    copy (merges left running there, each commit linked into its generation); the whole look
    at the archive below is made by another indexer, so the working copy is made again."""
    rng = random.Random(7)
    archive, index = tmp_path / "archive", tmp_path / "index"
    for n in range(30):
        _write(archive, f"posts/{n // 10}/p{n}.md", _article(rng, n))
    build_index(archive, index, engine=engine)

    def step(paths: list[str] | None) -> None:
        build_index(archive, index, paths=paths, keep_writer=keep_writer and paths is not None)
        _check(archive, index, engine, tmp_path)

    _write(archive, "posts/new/p100.md", _article(rng, 100))
    step(["posts/new/p100.md"])
    _write(archive, "posts/0/p3.md", _article(rng, 3, 1))
    step(["posts/0/p3.md"])
    (archive / "posts/1/p11.md").unlink()
    (archive / "posts/1/p12.md").rename(archive / "posts/1/renamed.md")
    step(["posts/1/p11.md", "posts/1/p12.md", "posts/1/renamed.md"])
    (archive / "posts/2").rename(archive / "posts/moved")
    step(["posts/2", "posts/moved"])
    shutil.rmtree(archive / "posts/new")
    step(["posts/new"])
    # a Hugo headless bundle: its index decides whether the folder's pages are articles
    _write(archive, "posts/bundle/index.md", "---\ntitle: Bundle\nheadless: true\n---\nx\n")
    _write(archive, "posts/bundle/page.md", _article(rng, 200))
    step(["posts/bundle/index.md", "posts/bundle/page.md"])
    _write(archive, "posts/bundle/index.md", "---\ntitle: Bundle\n---\nNow a page.\n")
    step(["posts/bundle/index.md"])  # the page below it becomes an article too
    for n in range(5, 10):  # a burst in one batch
        _write(archive, f"posts/0/p{n}.md", _article(rng, n, 1))
    step([f"posts/0/p{n}.md" for n in range(5, 10)])
    _write(archive, "posts/0/p1.md", _article(rng, 1, 1))
    step(None)  # the whole archive looked at
    for n in range(10):  # enough one-file updates to merge, compact and rewrite everything
        _write(archive, f"posts/0/p{n}.md", _article(rng, n, 2 + n))
        step([f"posts/0/p{n}.md"])
    if keep_writer:  # a published generation needs nothing of the working copy
        assert (index / "live").is_dir()
        shutil.rmtree(index / "live")
        _check(archive, index, engine, tmp_path)


def test_an_update_of_given_paths_looks_at_nothing_else(tmp_path: Path) -> None:
    rng = random.Random(3)
    archive, index = tmp_path / "archive", tmp_path / "index"
    for n in range(5):
        _write(archive, f"p{n}.md", _article(rng, n))
    build_index(archive, index, engine="tantivy")
    _write(archive, "p1.md", _article(rng, 1, 1))  # changed, but not among the paths
    _write(archive, "p2.md", _article(rng, 2, 1))
    report = build_index(archive, index, paths=["p2.md"])
    assert (report.updated, report.files, report.unchanged) == (1, 5, 4)
    report = build_index(archive, index)  # the whole archive: p1 is found
    assert (report.updated, report.unchanged) == (1, 4)


def test_the_manifest_delta_is_read_back_as_the_whole_manifest(tmp_path: Path) -> None:
    rng = random.Random(4)
    archive, index = tmp_path / "archive", tmp_path / "index"
    for n in range(10):
        _write(archive, f"p{n}.md", _article(rng, n))
    build_index(archive, index, engine="tantivy")
    _write(archive, "p1.md", _article(rng, 1, 1))
    (archive / "p2.md").unlink()
    build_index(archive, index, paths=["p1.md", "p2.md"])
    current = IndexStore(index).current().path
    assert (current / manifest.DELTA).exists()
    on_disk = manifest.read(current).files
    assert sorted(on_disk) == sorted(f"p{n}.md" for n in range(10) if n != 2)
    manifest.forget(index)  # a new process: the files on disk are all there is
    assert build_index(archive, index).mode == "unchanged"


def test_a_watchers_paths_are_relative_and_the_configuration_means_everything(
    tmp_path: Path,
) -> None:
    root = tmp_path / "archive"
    found = relative_paths(root, [str(root / "a.md"), str(root / "sub" / "b.md")])
    assert found == {"a.md", "sub/b.md"}
    assert relative_paths(root, [str(root / "a.md"), str(root / "archive-search.toml")]) is None
    assert relative_paths(root, [str(root)]) is None
