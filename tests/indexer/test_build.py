"""Building and updating an index from a real folder of articles, through the real engine."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.build import build_index
from search.errors import IndexFormatError, IndexLocked
from search.service import SearchService
from search.store import IndexStore
from search.types import SearchRequest
from tests.conftest import DEMO_CORPUS

ARTICLE = """---
title: "{title}"
date: 2021-0{month}-15
tags: ["{tag}"]
lang: en
---

{body}
"""


def _write(
    root: Path, name: str, title: str, body: str, tag: str = "Peace", month: int = 3
) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, body=body, tag=tag, month=month), encoding="utf-8")


def _ids(index: Path) -> set[str]:
    service = SearchService(index)
    try:
        result = service.search(SearchRequest(per_page=50, snippets=False))
        return {hit.id for hit in result.hits}
    finally:
        service.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    _write(root, "a.md", "Harbour lights", "The harbour of Hamburg at night.")
    _write(
        root, "b.md", "Mountain passes", "Snow closes the mountain passes in winter.", tag="Travel"
    )
    _write(root, "sub/c.md", "River trade", "Barges carry grain down the river.", month=5)
    return root


def test_demo_corpus_builds_and_finds_both_articles(tmp_path: Path) -> None:
    report = build_index(DEMO_CORPUS, tmp_path / "ix")
    assert (report.mode, report.indexed, report.articles, report.errors) == ("build", 2, 2, [])
    service = SearchService(tmp_path / "ix")
    result = service.search(SearchRequest(q="Karabakh"))
    assert result.total == 2
    titles = {hit.title for hit in result.hits}
    assert "Escalation in Karabakh Casts Shadow Over Peace Process" in titles
    assert "Israel's role in Nagorno-Karabakh" in titles
    assert any("<mark>" in s.html for hit in result.hits for s in hit.snippets)
    service.close()


def test_incremental_update_reports_changes_and_applies_them(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    first = build_index(archive, index)
    assert first.indexed == 3 and first.generation

    again = build_index(archive, index)
    assert (again.mode, again.unchanged, again.generation) == ("unchanged", 3, first.generation)

    _write(archive, "a.md", "Harbour lights", "The harbour of Lisbon at dawn.")  # changed
    (archive / "b.md").unlink()  # removed
    _write(archive, "d.md", "Desert roads", "Caravans cross the desert.")  # added
    update = build_index(archive, index)
    assert (update.mode, update.indexed, update.updated, update.removed, update.unchanged) == (
        "update", 1, 1, 1, 1,
    )  # fmt: skip
    assert update.generation and update.generation > first.generation
    assert update.articles == 3
    service = SearchService(index)
    assert service.search(SearchRequest(q="Lisbon")).total == 1
    assert service.search(SearchRequest(q="Hamburg")).total == 0
    assert service.search(SearchRequest(q="mountain")).total == 0
    assert service.search(SearchRequest(q="caravans")).total == 1
    service.close()

    rebuilt = build_index(archive, index, rebuild=True)
    assert (rebuilt.mode, rebuilt.indexed, rebuilt.articles) == ("rebuild", 3, 3)
    assert _ids(index) == _ids(index)  # stable ids across opens
    assert len(_ids(index)) == 3


def test_a_broken_file_is_reported_and_the_rest_indexed(archive: Path, tmp_path: Path) -> None:
    (archive / "bad.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    report = build_index(archive, tmp_path / "ix")
    assert report.articles == 3
    assert [p.path for p in report.errors] == ["bad.md"]
    assert report.exit_status() == 1
    # unchanged broken files stay reported on the next (no-op) run
    again = build_index(archive, tmp_path / "ix")
    assert [p.path for p in again.errors] == ["bad.md"]


def test_drafts_are_never_indexed(archive: Path, tmp_path: Path) -> None:
    (archive / "draft.md").write_text("---\ntitle: Secret plans\ndraft: true\n---\nSecret plans.\n")
    report = build_index(archive, tmp_path / "ix")
    assert report.drafts == 1
    assert SearchService(tmp_path / "ix").search(SearchRequest(q="secret")).total == 0


def test_second_indexer_is_refused(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    with IndexStore(index).write_lock(), pytest.raises(IndexLocked, match="another indexer"):
        build_index(archive, index)


def test_index_of_another_format_version_is_refused(archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    build_index(archive, index)
    meta_path = IndexStore(index).current().path / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["format_version"] = 999
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexFormatError, match="rebuild"):
        build_index(archive, index)
    with pytest.raises(IndexFormatError, match="rebuild"):
        SearchService(index).search(SearchRequest(q="harbour"))
    assert build_index(archive, index, rebuild=True).articles == 3


def test_cli_index_summary_json_and_exit_status(archive: Path, tmp_path: Path) -> None:
    (archive / "bad.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    cli = [sys.executable, "-m", "archive_search.cli"]
    done = subprocess.run(
        [*cli, "index", str(archive), "--index", str(tmp_path / "ix"), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["indexed"] == 3
    assert summary["errors"][0]["path"] == "bad.md"
    assert summary["errors"][0]["reason"]
    text = subprocess.run(
        [*cli, "index", str(archive), "--index", str(tmp_path / "ix")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "unchanged" in text.stdout and "bad.md" in text.stdout
    shutil.rmtree(archive / "sub")
    (archive / "bad.md").unlink()
    strict = subprocess.run(
        [*cli, "index", str(archive), "--index", str(tmp_path / "ix"), "--strict"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert "1 removed" in strict.stdout


def test_cli_help_explains_every_command() -> None:
    cli = [sys.executable, "-m", "archive_search.cli"]
    top = subprocess.run([*cli, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("index", "search", "serve"):
        assert command in top
        sub = subprocess.run([*cli, command, "--help"], capture_output=True, text=True, check=True)
        assert "--index" in sub.stdout


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_an_update_shares_unchanged_files_and_never_alters_the_old_generation(
    archive: Path, tmp_path: Path, engine: str
) -> None:
    index = tmp_path / "ix"
    build_index(archive, index, engine=engine)
    old = IndexStore(index).current()
    before = {p: p.read_bytes() for p in old.path.rglob("*") if p.is_file()}
    _write(archive, "a.md", "Harbour lights", "The harbour of Lisbon at dawn.")
    (archive / "b.md").unlink()
    update = build_index(archive, index)
    assert (update.updated, update.removed) == (1, 1)
    after = {p: p.read_bytes() for p in old.path.rglob("*") if p.is_file()}
    assert after == before  # byte for byte: readers of the old generation see no change
    new = IndexStore(index).current()
    assert new.name != old.name
    shared = [p for p in new.path.rglob("*") if p.is_file() and p.stat().st_nlink > 1]
    assert shared, "unchanged engine files are hard-linked, not copied"
    service = SearchService(index)
    assert service.search(SearchRequest(q="Lisbon")).total == 1
    assert service.search(SearchRequest(q="mountain")).total == 0
    service.close()


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_surrogate_escapes_in_front_matter_are_replaced_not_fatal(
    archive: Path, tmp_path: Path, engine: str
) -> None:
    # YAML's \ud800 escape makes a lone surrogate, which no engine can write as UTF-8
    (archive / "s.md").write_text(
        '---\ntitle: "Odd \\ud800 lighthouse"\ntags: ["x\\udc80"]\n---\n\nThe lighthouse keeper.\n',
        encoding="utf-8",
    )
    index = tmp_path / "ix"
    report = build_index(archive, index, engine=engine)
    assert report.articles == 4 and not report.errors
    assert [p.path for p in report.warnings] == ["s.md"]
    assert "surrogate" in report.warnings[0].reason
    service = SearchService(index)
    try:
        hits = service.search(SearchRequest(q="lighthouse")).hits
        assert [h.title for h in hits] == ["Odd \ufffd lighthouse"]
        assert hits[0].tags == ("x\ufffd",)
    finally:
        service.close()
