"""``indexer.cost.estimate_text``: a build's characters of text, estimated from a sample."""

from __future__ import annotations

from pathlib import Path

from indexer.build import build_index
from indexer.config import load_config
from indexer.cost import estimate_text
from indexer.discover import discover
from search.service import SearchService
from search.types import SearchRequest

LATIN = "Barges carry grain down the river to the harbour at dawn. " * 6
CYRILLIC = "Баржи везут зерно вниз по реке к гавани на рассвете. " * 6


def _archive(root: Path) -> Path:
    """Plain-text mail first (no front matter, one byte a letter), then Russian posts with long
    front matter (two bytes a letter): per byte of file, the two parts hold unlike text."""
    for n in range(300):
        (root / "a-mail").mkdir(parents=True, exist_ok=True)
        (root / "a-mail" / f"{n:03d}.txt").write_text(f"Note {n}\n\n{LATIN}\n", encoding="utf-8")
    for n in range(300):
        (root / "b-posts").mkdir(parents=True, exist_ok=True)
        front = "---\ntitle: Пост {n}\nlang: ru\ntags: [" + ", ".join(f"t{i}" for i in range(40))
        text = f"{front.format(n=n)}]\ndate: 2021-03-15\n---\n\n{CYRILLIC}\n"
        (root / "b-posts" / f"{n:03d}.md").write_text(text, encoding="utf-8")
    return root


def test_the_estimate_follows_each_part_of_the_archive(tmp_path: Path) -> None:
    root = _archive(tmp_path / "archive")
    config = load_config(root)
    found = discover(root, config, {})  # known stats given: each file's stat is kept
    estimate = estimate_text(found.candidates, found.stats, config)

    build_index(root, tmp_path / "ix", engine="tantivy", workers=1)
    service = SearchService(tmp_path / "ix")
    try:
        request = SearchRequest(q="", per_page=1, snippets=False, facets=False, correct=False)
        assert service.search(request).total == 600
    finally:
        service.close()
    mail = len("Note 0") + len(LATIN.strip())
    post = len("Пост 0") + len(CYRILLIC.strip())
    actual = 300 * mail + 300 * post
    assert abs(estimate - actual) < 0.05 * actual
    by_size = 0.9 * sum(stat[0] for stat in found.stats.values() if stat)
    assert abs(by_size - actual) > 0.2 * actual  # what splitting by the files' size assumed


def test_no_files_no_text(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert estimate_text([], {}, config) == 0
